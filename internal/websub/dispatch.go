package websub

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"
)

type jobKey struct {
	kind          Kind
	target, topic string
}

// expirySweep is how often expired subscriptions are deleted. Deliveries never wait for it:
// each checks its subscription's lease when it is sent.
const expirySweep = time.Minute

// dispatch sends owed jobs with at most Workers in flight until ctx is done.
func (s *Service) dispatch(ctx context.Context) {
	inflight := map[jobKey]bool{}
	// hold keeps back, until the time given, a job whose outcome could not be recorded (the
	// disk is full, say): the Store still has it due, and sending it again at once, over and
	// over, would flood its hub or subscriber.
	hold := map[jobKey]time.Time{}
	done := make(chan finished, s.cfg.Workers)
	timer := time.NewTimer(0)
	defer timer.Stop()
	sweep := time.NewTicker(expirySweep)
	defer sweep.Stop()
	s.expire(ctx)
	backoff := time.Duration(0) // after a Store failure
	for {
		var next time.Time
		later := func(t time.Time) {
			if next.IsZero() || t.Before(next) {
				next = t
			}
		}
		free := s.cfg.Workers - len(inflight)
		jobs, err := s.store.Jobs(ctx, free+len(inflight)+len(hold)+1)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			backoff = min(max(2*backoff, s.cfg.MinBackoff), s.cfg.MaxBackoff)
			s.log.Error("websub: reading owed jobs failed; retrying", "err", err, "in", backoff)
			later(s.now().Add(backoff))
		} else {
			backoff = 0
			now := s.now()
			for _, j := range jobs {
				k := jobKey{j.Kind, j.Target, j.Topic}
				if inflight[k] {
					continue
				}
				if until, ok := hold[k]; ok {
					if until.After(now) {
						later(until)
						continue
					}
					delete(hold, k)
				}
				if j.NextAt.After(now) {
					later(j.NextAt)
					break
				}
				if free == 0 {
					break // a worker's completion comes first
				}
				inflight[k] = true
				free--
				go func() { done <- finished{k, s.run(ctx, j)} }()
			}
		}
		if !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
		if !next.IsZero() {
			timer.Reset(max(next.Sub(s.now()), time.Millisecond))
		}
		select {
		case <-ctx.Done():
		case f := <-done:
			delete(inflight, f.k)
			if !f.hold.IsZero() {
				hold[f.k] = f.hold
			}
		case <-s.wake:
		case <-timer.C:
		case <-sweep.C:
			s.expire(ctx)
		}
		if ctx.Err() != nil {
			break
		}
	}
	for range inflight {
		<-done
	}
}

// finished is a job's attempt done; hold, when set, is when it may be tried again because its
// outcome could not be recorded.
type finished struct {
	k    jobKey
	hold time.Time
}

func (s *Service) expire(ctx context.Context) {
	n, err := s.store.ExpireSubscriptions(ctx, s.now())
	switch {
	case err != nil && ctx.Err() == nil:
		s.log.Error("websub: deleting expired subscriptions failed", "err", err)
	case n > 0:
		s.log.Info("websub: subscriptions expired", "count", n)
	}
}

// result is what one attempt of a job came to.
type result struct {
	status int   // HTTP status, 0 without a response
	err    error // transport error or refusal, for the log
	// permanent: do not try again (a 4xx to a notification, a 410 from a subscriber).
	permanent bool
	outcome   string // set when the job ended without a request (expired, no subscription)
	wait      bool   // the topic's body is not known yet (just restarted): retry soon, no attempt counted
}

// run makes one attempt at j and records what came of it in the Store. When that record
// fails it returns when the job may be tried again; otherwise the zero time.
func (s *Service) run(ctx context.Context, j Job) time.Time {
	var r result
	switch j.Kind {
	case KindNotify:
		r = s.notify(ctx, j)
	case KindDeliver:
		r = s.deliver(ctx, j)
	default:
		r = result{permanent: true, outcome: OutcomeFailed, err: fmt.Errorf("unknown job kind %q", j.Kind)}
	}
	if ctx.Err() != nil {
		return time.Time{} // shutting down: the job stays owed as it was
	}
	report := s.obs.Notified
	if j.Kind == KindDeliver {
		report = s.obs.Delivered
	}
	attrs := []any{"kind", j.Kind, "target", j.Target, "topic", j.Topic, "attempt", j.Attempts + 1}
	if r.status != 0 {
		attrs = append(attrs, "status", r.status)
	}
	if r.err != nil {
		attrs = append(attrs, "err", r.err)
	}
	var err error
	switch {
	case r.wait:
		j.NextAt = s.now().Add(s.cfg.MinBackoff)
		err = s.store.RetryJob(ctx, j)
	case r.outcome == OutcomeExpired:
		err = s.store.FinishJob(ctx, j)
		report(OutcomeExpired)
		s.log.Debug("websub: delivery dropped, the subscription ended", attrs...)
	case r.status >= 200 && r.status < 300 && r.err == nil:
		err = s.store.FinishJob(ctx, j)
		report(OutcomeSent)
		if j.Kind == KindNotify {
			s.log.Info("websub: hub notified", attrs...)
		} else {
			s.log.Debug("websub: content delivered", attrs...)
		}
	case j.Kind == KindDeliver && r.status == http.StatusGone:
		err = s.store.DeleteSubscription(ctx, j.Topic, j.Target)
		report(OutcomeGone)
		s.log.Info("websub: subscriber answered 410 Gone; subscription deleted", attrs...)
	case r.permanent || (j.Kind == KindDeliver && j.Attempts+1 >= s.cfg.MaxAttempts):
		err = s.store.FinishJob(ctx, j)
		report(OutcomeFailed)
		s.log.Warn("websub: giving up", attrs...)
	default:
		j.Attempts++
		wait := s.backoff(j.Attempts)
		j.NextAt = s.now().Add(wait)
		err = s.store.RetryJob(ctx, j)
		report(OutcomeRetry)
		s.log.Warn("websub: request failed; will retry", append(attrs, "in", wait.Round(time.Millisecond))...)
	}
	if err != nil && ctx.Err() == nil {
		wait := s.backoff(j.Attempts + 1)
		s.log.Error("websub: recording a job's outcome failed; holding it back", "kind", j.Kind, "target", j.Target,
			"topic", j.Topic, "err", err, "in", wait.Round(time.Millisecond))
		return s.now().Add(wait)
	}
	return time.Time{}
}

// backoff is MinBackoff doubled per failed attempt, capped at MaxBackoff, with ±20% jitter
// so that subscribers failing together are not retried together.
func (s *Service) backoff(attempts int) time.Duration {
	d := s.cfg.MinBackoff
	for i := 1; i < attempts && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.cfg.MaxBackoff)
	return time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
}

// notify sends a publish notification to an external hub.
func (s *Service) notify(ctx context.Context, j Job) result {
	form := url.Values{"hub.mode": {"publish"}, "hub.url": {j.Topic}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, j.Target, strings.NewReader(form.Encode()))
	if err != nil {
		return result{err: err, permanent: true}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r := s.do(s.hubClient, req)
	// A 4xx says the hub will not take this notification however often it is sent; 408 and
	// 429 are the hub asking for patience.
	if r.status >= 400 && r.status < 500 && r.status != http.StatusRequestTimeout && r.status != http.StatusTooManyRequests {
		r.permanent = true
	}
	return r
}

// deliver posts the topic's newest body to a subscriber (content distribution).
func (s *Service) deliver(ctx context.Context, j Job) result {
	sub, ok, err := s.store.GetSubscription(ctx, j.Topic, j.Target)
	if err != nil {
		return result{err: err}
	}
	if !ok || !sub.Expires.After(s.now()) {
		return result{outcome: OutcomeExpired}
	}
	c := s.body(j.Topic)
	if c == nil {
		return result{wait: true}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.Callback, bytes.NewReader(c.body))
	if err != nil {
		return result{err: err, permanent: true}
	}
	req.Header.Set("Content-Type", c.contentType)
	if c.link != "" {
		req.Header.Set("Link", c.link)
	}
	if sub.Secret != "" {
		req.Header.Set("X-Hub-Signature", Signature(sub.Secret, c.body))
	}
	return s.do(s.cbClient, req)
}

// do sends req and reads (a bounded part of) the answer so the connection can be reused.
func (s *Service) do(c *http.Client, req *http.Request) result {
	resp, err := c.Do(req)
	if err != nil {
		return result{err: err, permanent: errors.Is(err, ErrForbiddenAddress)}
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	r := result{status: resp.StatusCode}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		r.err = fmt.Errorf("answered %s", resp.Status)
	}
	return r
}

// Signature is the X-Hub-Signature value of body under secret: "sha256=" and the hex HMAC.
func Signature(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

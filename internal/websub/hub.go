package websub

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// maxRequestBody bounds a subscription request: four parameters, the longest a 2 KiB URL.
const maxRequestBody = 16 << 10

// hubError is a refusal of a subscription request: its status and the reason sent back.
type hubError struct {
	status int
	msg    string
}

func (e *hubError) Error() string { return e.msg }

func refuse(status int, format string, args ...any) *hubError {
	return &hubError{status: status, msg: fmt.Sprintf(format, args...)}
}

// request is a checked subscription request.
type request struct {
	mode, topic, callback, secret string
	lease                         time.Duration
}

// ServeHTTP is the built-in hub's endpoint (WebSub §5.1): it checks a subscription or
// unsubscription request, answers 202 Accepted and verifies the subscriber's intent in the
// background; a request it cannot accept gets a 4xx (or 503 before Run) with the reason.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.cfg.HubURL == "" {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "the hub takes POST requests (WebSub subscription requests)", http.StatusMethodNotAllowed)
		return
	}
	req, err := s.parse(w, r)
	if err == nil {
		err = s.begin(req)
	}
	if err != nil {
		var he *hubError
		if !errors.As(err, &he) {
			he = refuse(http.StatusInternalServerError, "internal error")
			s.log.Error("websub: subscription request", "err", err)
		}
		if he.status == http.StatusServiceUnavailable || he.status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "10")
		}
		s.log.Debug("websub: subscription request refused", "status", he.status, "reason", he.msg)
		http.Error(w, he.msg, he.status)
		return
	}
	w.WriteHeader(http.StatusAccepted)
	io.WriteString(w, "accepted; the hub will verify the intent at hub.callback\n")
}

func (s *Service) parse(w http.ResponseWriter, r *http.Request) (request, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return request{}, refuse(http.StatusUnsupportedMediaType, "the body must be application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxRequestBody)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return request{}, refuse(http.StatusRequestEntityTooLarge, "the request body is larger than %d bytes", maxRequestBody)
		}
		return request{}, refuse(http.StatusBadRequest, "the body does not parse as a form")
	}
	f := r.PostForm
	for _, k := range []string{"hub.mode", "hub.topic", "hub.callback", "hub.secret", "hub.lease_seconds"} {
		if len(f[k]) > 1 {
			return request{}, refuse(http.StatusBadRequest, "%s is given more than once", k)
		}
	}
	req := request{mode: f.Get("hub.mode"), topic: f.Get("hub.topic"), callback: f.Get("hub.callback"), secret: f.Get("hub.secret")}
	switch req.mode {
	case "subscribe", "unsubscribe":
	case "publish":
		return request{}, refuse(http.StatusBadRequest, "this hub serves only its own topics and learns of their changes itself; hub.mode=publish is not needed")
	case "":
		return request{}, refuse(http.StatusBadRequest, "hub.mode is missing (subscribe or unsubscribe)")
	default:
		return request{}, refuse(http.StatusBadRequest, "hub.mode %q: want subscribe or unsubscribe", req.mode)
	}
	if req.topic == "" {
		return request{}, refuse(http.StatusBadRequest, "hub.topic is missing")
	}
	topics := s.Topics()
	if len(topics) == 0 {
		return request{}, refuse(http.StatusServiceUnavailable, "the hub has no topics yet; try again shortly")
	}
	if !slices.Contains(topics, req.topic) {
		return request{}, refuse(http.StatusBadRequest, "hub.topic %q is not a topic of this hub (its feeds' rel=\"self\" URLs are)", truncate(req.topic))
	}
	if req.callback == "" {
		return request{}, refuse(http.StatusBadRequest, "hub.callback is missing")
	}
	if _, err := s.cfg.Guard.CheckURL(r.Context(), req.callback); err != nil {
		return request{}, refuse(http.StatusBadRequest, "hub.callback: %s", truncate(err.Error()))
	}
	if len(req.secret) >= MaxSecretLength {
		return request{}, refuse(http.StatusBadRequest, "hub.secret is %d bytes; it must be shorter than %d", len(req.secret), MaxSecretLength)
	}
	req.lease = s.cfg.Lease
	if v := f.Get("hub.lease_seconds"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return request{}, refuse(http.StatusBadRequest, "hub.lease_seconds %q: want a positive whole number of seconds", truncate(v))
		}
		req.lease = time.Duration(min(n, int64(s.cfg.MaxLease/time.Second))) * time.Second
	}
	return req, nil
}

// truncate keeps a stranger's value short in an answer.
func truncate(v string) string {
	if len(v) > 120 {
		return v[:120] + "..."
	}
	return v
}

// begin starts the verification of intent of req, within the bounds.
func (s *Service) begin(req request) error {
	ctx := s.life
	if ctx.Err() != nil {
		return refuse(http.StatusServiceUnavailable, "the hub has stopped")
	}
	if req.mode == "subscribe" {
		if _, ok, err := s.store.GetSubscription(ctx, req.topic, req.callback); err != nil {
			return err
		} else if !ok {
			counts, err := s.store.SubscriptionCounts(ctx)
			if err != nil {
				return err
			}
			total := 0
			for _, n := range counts {
				total += n
			}
			if total >= s.cfg.MaxSubscriptions {
				return refuse(http.StatusTooManyRequests, "the hub holds its maximum of %d subscriptions", s.cfg.MaxSubscriptions)
			}
		}
	}
	select {
	case s.verifySem <- struct{}{}:
	default:
		return refuse(http.StatusTooManyRequests, "too many verifications of intent are pending; try again later")
	}
	s.verifying.Go(func() {
		defer func() { <-s.verifySem }()
		s.verify(ctx, req)
	})
	return nil
}

// verify asks the subscriber to confirm req (WebSub §5.3) and, when it does, applies it.
func (s *Service) verify(ctx context.Context, req request) {
	var buf [16]byte
	rand.Read(buf[:])
	challenge := hex.EncodeToString(buf[:])
	u, err := s.cfg.Guard.CheckURL(ctx, req.callback)
	if err != nil {
		s.log.Warn("websub: verification refused", "mode", req.mode, "topic", req.topic, "callback", req.callback, "err", err)
		s.obs.Verified(req.mode, OutcomeFailed)
		return
	}
	q := u.Query()
	q.Set("hub.mode", req.mode)
	q.Set("hub.topic", req.topic)
	q.Set("hub.challenge", challenge)
	if req.mode == "subscribe" {
		q.Set("hub.lease_seconds", strconv.FormatInt(int64(req.lease/time.Second), 10))
	}
	u.RawQuery = q.Encode()
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		s.obs.Verified(req.mode, OutcomeFailed)
		return
	}
	attrs := []any{"mode", req.mode, "topic", req.topic, "callback", req.callback}
	resp, err := s.cbClient.Do(hreq)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("websub: verification of intent failed", append(attrs, "err", err)...)
			s.obs.Verified(req.mode, OutcomeFailed)
		}
		return
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, int64(len(challenge))+64))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 || !bytes.Equal(bytes.TrimSpace(body), []byte(challenge)) {
		s.log.Info("websub: subscriber did not confirm", append(attrs, "status", resp.StatusCode)...)
		s.obs.Verified(req.mode, OutcomeRefused)
		return
	}
	if req.mode == "unsubscribe" {
		err = s.store.DeleteSubscription(ctx, req.topic, req.callback)
	} else {
		err = s.store.PutSubscription(ctx, Subscription{
			Topic: req.topic, Callback: req.callback, Secret: req.secret, Expires: s.now().Add(req.lease),
		}, s.cfg.MaxSubscriptions)
	}
	if err != nil {
		if ctx.Err() == nil {
			s.log.Warn("websub: verified request not applied", append(attrs, "err", err)...)
			s.obs.Verified(req.mode, OutcomeFailed)
		}
		return
	}
	s.log.Info("websub: "+req.mode+" verified", append(attrs, "lease", req.lease)...)
	s.obs.Verified(req.mode, OutcomeVerified)
}

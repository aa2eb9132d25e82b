package publish

import (
	"context"
	"sync"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/server"
)

// background writes the static copy behind the served feeds, for outputs (a bucket) whose
// failures must not hold up ingesting and serving. It keeps only the latest render: a write
// brings the output to the catalog's state as of that render, so renders made while a write
// was in flight or failing are folded into the next one.
type background struct {
	kick chan struct{} // one slot: a pending wake-up is enough

	// minWait and maxWait bound the backoff between failed writes; fields so tests need not wait.
	minWait, maxWait time.Duration

	mu           sync.Mutex
	next         *job // latest render not yet written
	written      int64
	rendered     int64
	lastWrite    time.Time
	failingSince time.Time
	attempts     int
}

type job struct {
	v     view
	st    catalog.Stats // the catalog as rendered
	files []feed.File
}

func newBackground() *background {
	return &background{kick: make(chan struct{}, 1), minWait: time.Second, maxWait: time.Minute}
}

// submit hands over a render; the writer picks the latest when it is free.
func (b *background) submit(j *job) {
	b.mu.Lock()
	b.next = j
	b.rendered = max(b.rendered, j.st.Seq)
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

func (b *background) take() *job {
	b.mu.Lock()
	defer b.mu.Unlock()
	j := b.next
	b.next = nil
	return j
}

// putBack returns a failed job unless a newer render has replaced it meanwhile.
func (b *background) putBack(j *job) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.next == nil {
		b.next = j
	}
}

// runBackground writes submitted renders to out until ctx ends. A failed write is retried with
// exponential backoff; the log gets one line when writes start failing and one when they
// recover, never one per attempt.
func (p *Publisher) runBackground(ctx context.Context, out Output, b *background) {
	wait := time.Duration(0)
	for {
		if wait > 0 {
			// Failing: a new render waits out the backoff too, instead of hammering a store
			// that is down; the retry writes the latest render.
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		} else {
			select {
			case <-ctx.Done():
				return
			case <-b.kick:
			}
		}
		j := b.take()
		if j == nil {
			continue
		}
		rep, err := p.writeOut(ctx, out, j.v, j.st, j.files)
		if ctx.Err() != nil {
			return // shutting down: the next start completes the write
		}
		now := time.Now()
		b.mu.Lock()
		if err != nil {
			b.attempts++
			first := b.failingSince.IsZero()
			if first {
				b.failingSince = now
			}
			attempts := b.attempts
			b.mu.Unlock()
			b.putBack(j)
			wait = min(max(2*wait, b.minWait), b.maxWait)
			if first {
				p.log.Error("output write failed; retrying with backoff while serving continues",
					"output", out.Key(), "seq", j.st.Seq, "err", err)
			} else {
				p.log.Debug("output write failed again", "output", out.Key(), "attempts", attempts, "err", err, "next_in", wait)
			}
			continue
		}
		failedFor, attempts := time.Duration(0), b.attempts
		if !b.failingSince.IsZero() {
			failedFor = now.Sub(b.failingSince)
		}
		b.written, b.lastWrite, b.failingSince, b.attempts = j.st.Seq, now, time.Time{}, 0
		b.mu.Unlock()
		wait = 0
		if attempts > 0 {
			p.log.Info("output write recovered", "output", out.Key(), "failed_attempts", attempts,
				"failing_for", failedFor.Round(time.Millisecond))
		}
		p.log.Info("output written", "output", out.Key(), "seq", rep.Seq, "full", rep.Full,
			"feeds_written", rep.FeedsWritten, "pages_written", rep.PagesWritten,
			"pages_removed", rep.PagesRemoved, "duration", rep.Duration.Round(time.Microsecond))
	}
}

// health reports the background writer's state for /healthz.
func (b *background) health(target string) *server.OutputHealth {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := &server.OutputHealth{Target: target, State: "ok", Seq: b.written, Behind: max(b.rendered-b.written, 0),
		LastWrite: b.lastWrite, FailingSince: b.failingSince, Attempts: b.attempts}
	switch {
	case b.attempts > 0:
		h.State = "retrying"
	case b.lastWrite.IsZero():
		h.State = "pending"
	}
	return h
}

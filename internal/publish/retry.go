package publish

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
)

// This file keeps what the Publisher must do again, and when: files the catalog deferred
// (still being written) or could not read (EMFILE, EIO, ...), a full reconcile after one that
// failed (its batch was lost), and a render whose output could not be written (a full disk
// on --out). Each is retried, with fault's backoff, until it succeeds: only content errors
// are final, and those the catalog keeps.

// attempt is one thing to do again: n failures so far, due at due.
type attempt struct {
	n   int
	due time.Time
}

// pending is the Publisher's retry state. Run, Reconcile and Finish change it; Health reads it.
type pending struct {
	mu       sync.Mutex
	paths    map[string]*attempt
	full     *attempt // a full reconcile is due
	render   *attempt // a render is due
	failures int      // consecutive failed steps; 0 when the last of each kind succeeded
	lastErr  error
}

// step names what failed, for the log and the retry that follows.
type step int

const (
	stepReconcile step = iota
	stepRender
)

// noteReport updates the paths to look at again after a reconcile that asked about asked (or,
// when full, about every file): those it deferred or failed to read are due again, the others
// are done.
func (p *Publisher) noteReport(rep catalog.Report, asked []string, full bool) {
	now := time.Now()
	p.retry.mu.Lock()
	defer p.retry.mu.Unlock()
	later := map[string]bool{}
	for _, rel := range rep.Later() {
		later[rel] = true
	}
	if full {
		for rel := range p.retry.paths {
			if !later[rel] {
				delete(p.retry.paths, rel)
			}
		}
	} else {
		for _, rel := range asked {
			if !later[rel] {
				delete(p.retry.paths, rel)
			}
		}
	}
	for _, rel := range rep.Deferred {
		// Not a failure: the file is being written, and is looked at once it may be quiet.
		p.retry.paths[rel] = &attempt{due: now.Add(p.cfg().Settle)}
	}
	for _, f := range rep.Failed {
		a := p.retry.paths[f.Path]
		if a == nil {
			a = &attempt{}
			p.retry.paths[f.Path] = a
		}
		a.n++
		a.due = now.Add(p.backoff.Delay(a.n))
	}
}

// noteFailure records that s failed with err and schedules it again; it returns the delay.
func (p *Publisher) noteFailure(s step, err error) time.Duration {
	p.noteError(err)
	p.retry.mu.Lock()
	defer p.retry.mu.Unlock()
	p.retry.failures++
	p.retry.lastErr = err
	a := &p.retry.full
	if s == stepRender {
		a = &p.retry.render
	}
	if *a == nil {
		*a = &attempt{}
	}
	(*a).n++
	d := p.backoff.Delay((*a).n)
	(*a).due = time.Now().Add(d)
	return d
}

// noteSuccess records that s succeeded: it is no longer due, and once neither kind is, the
// daemon is healthy again.
func (p *Publisher) noteSuccess(s step) {
	p.retry.mu.Lock()
	defer p.retry.mu.Unlock()
	if s == stepRender {
		p.retry.render = nil
	} else {
		p.retry.full = nil
	}
	if p.retry.full == nil && p.retry.render == nil {
		p.retry.failures, p.retry.lastErr = 0, nil
	}
}

// renderDue reports whether a failed render still waits to be redone.
func (p *Publisher) renderDue() bool {
	p.retry.mu.Lock()
	defer p.retry.mu.Unlock()
	return p.retry.render != nil
}

// failing reports the consecutive failures and the last error, for /healthz.
func (p *Publisher) failing() (int, error) {
	p.retry.mu.Lock()
	defer p.retry.mu.Unlock()
	return p.retry.failures, p.retry.lastErr
}

// nextDue is when the earliest retry is due; ok is false when nothing waits.
func (p *Publisher) nextDue() (next time.Time, ok bool) {
	p.retry.mu.Lock()
	defer p.retry.mu.Unlock()
	consider := func(a *attempt) {
		if a != nil && (!ok || a.due.Before(next)) {
			next, ok = a.due, true
		}
	}
	consider(p.retry.full)
	consider(p.retry.render)
	for _, a := range p.retry.paths {
		consider(a)
	}
	return next, ok
}

// takeDue returns what is due at now: the paths to look at again, and whether a full
// reconcile and a render are due. Paths stay recorded until a reconcile reports them done.
func (p *Publisher) takeDue(now time.Time) (paths []string, full, render bool) {
	p.retry.mu.Lock()
	defer p.retry.mu.Unlock()
	full = p.retry.full != nil && !p.retry.full.due.After(now)
	render = p.retry.render != nil && !p.retry.render.due.After(now)
	for rel, a := range p.retry.paths {
		if !a.due.After(now) {
			paths = append(paths, rel)
			// Not due again before the reconcile that takes it reports back.
			a.due = now.Add(time.Hour)
		}
	}
	slices.Sort(paths)
	return paths, full, render
}

// dueTimer returns a channel that fires when the next retry is due, or nil when none waits.
func (p *Publisher) dueTimer() (<-chan time.Time, func()) {
	next, ok := p.nextDue()
	if !ok {
		return nil, func() {}
	}
	t := time.NewTimer(max(time.Until(next), 0))
	return t.C, func() { t.Stop() }
}

// Finish waits for and retries what the last reconcile left to do (files still being written
// or unreadable for now, a render that could not be written) until nothing is left, for a
// one-shot build. It gives up after limit, naming what is still missing.
func (p *Publisher) Finish(ctx context.Context, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		next, ok := p.nextDue()
		if !ok {
			return nil
		}
		if next.After(deadline) {
			return p.unfinished(limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(next)):
		}
		paths, full, render := p.takeDue(time.Now())
		if err := p.ingest(ctx, paths, time.Time{}, full, "retry", render); err != nil && time.Now().After(deadline) {
			return err
		}
	}
}

func (p *Publisher) unfinished(limit time.Duration) error {
	p.retry.mu.Lock()
	defer p.retry.mu.Unlock()
	var what []string
	for rel := range p.retry.paths {
		what = append(what, rel)
	}
	slices.Sort(what)
	if p.retry.render != nil || p.retry.full != nil {
		what = append(what, fmt.Sprintf("(last error: %v)", p.retry.lastErr))
	}
	return fmt.Errorf("still incomplete after %v (files being written or unreadable): %s", limit, strings.Join(what, ", "))
}

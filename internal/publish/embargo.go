package publish

import (
	"context"
	"fmt"
	"time"
)

// defaultDueCheck bounds how long the publisher sleeps while an entry is held. The timer for
// the next due time runs on the monotonic clock, so a wall clock set forward past the due time
// (NTP after a suspend, an operator fixing the date) is only noticed at the next check.
const defaultDueCheck = time.Second

// nextWake returns a channel that fires at the first held entry's due time, or after dueCheck
// if that comes first; nil when nothing is held (an ingest re-arms it).
func (p *Publisher) nextWake(ctx context.Context) <-chan time.Time {
	due, err := p.cat.NextDue(ctx)
	if err != nil {
		p.log.Error("next due time unknown; checking again soon", "err", err, "retry_in_ms", p.dueCheck.Milliseconds())
		return time.After(p.dueCheck)
	}
	if due.IsZero() {
		return nil
	}
	return time.After(min(max(due.Sub(p.now()), 0), p.dueCheck))
}

// releaseDue publishes the held entries whose time has come, through the same render as any
// other catalog change: feeds, pages, static files, and the hubs of every feed that changed.
// It returns the catalog's errors; a failed render is retried like any other (retry.go).
func (p *Publisher) releaseDue(ctx context.Context) error {
	due, err := p.cat.NextDue(ctx)
	if err != nil {
		return err
	}
	if due.IsZero() || due.After(p.now()) {
		return nil // an early wake: the wall clock went back, or this was only a check
	}
	rep, err := p.cat.Release(ctx)
	if err != nil {
		return fmt.Errorf("release held entries: %w", err)
	}
	p.observer().Reconciled(rep)
	if !rep.Changed() {
		return nil
	}
	p.renderOrRetry(ctx)
	return nil
}

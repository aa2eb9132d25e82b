package publish

// The daemon's loop: full reconciles, batches from the watcher turned into ingests, and the
// retries of what could not be finished yet.

import (
	"context"
	"runtime/debug"
	"sync"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/watch"
)

// Reconcile runs a full reconcile of the directory and renders when the catalog changed, or
// when this Publisher has rendered nothing yet (at start-up, where nothing is served). What
// it could not finish (files still being written or unreadable for now, a failed render) is
// retried by Run, or by Finish.
func (p *Publisher) Reconcile(ctx context.Context) (Outcome, error) {
	var out Outcome
	var err error
	stopPages := p.pagesDuringImport(ctx)
	out.Catalog, err = p.cat.Reconcile(ctx)
	stopPages(err == nil)
	if err != nil {
		p.noteFailure(stepReconcile, err)
		return out, err
	}
	p.observer().Reconciled(out.Catalog)
	p.noteReport(out.Catalog, nil, true)
	p.noteSuccess(stepReconcile)
	if p.Renders() == 0 || out.Catalog.Changed() || p.renderDue() {
		out.Rendered = true
		if out.Render, err = p.Render(ctx); err != nil {
			p.noteFailure(stepRender, err)
			return out, err
		}
		p.noteSuccess(stepRender)
	}
	return out, nil
}

// Run ingests the watcher's batches until ctx is done or batches is closed, and releases each
// held entry at its due time. Batches that queued up while the previous one was ingested are
// merged, so a burst of thousands of files costs a handful of renders. Between batches it
// retries, when due, whatever did not succeed (retry.go).
func (p *Publisher) Run(ctx context.Context, batches <-chan watch.Batch) error {
	if out, bg := p.output(); bg != nil {
		bctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		wg.Go(func() { p.runBackground(bctx, out, bg) })
		defer wg.Wait()
		defer cancel()
	}
	// wake is re-armed after every ingest and release, since either may change what is held.
	wake := p.nextWake(ctx)
	for {
		due, stop := p.dueTimer()
		var b watch.Batch
		ok, render := true, false
		select {
		case <-ctx.Done():
			stop()
			return nil
		case b, ok = <-batches:
		case <-due:
			var full bool
			b.Paths, full, render = p.takeDue(time.Now())
			if full {
				b.Rescan, b.Reason = true, "retry after a failed ingest"
			}
		case <-wake:
			stop()
			if err := p.releaseDue(context.WithoutCancel(ctx)); err != nil {
				p.log.Error("release failed; full reconcile scheduled", "err", err,
					"retry_in_ms", p.noteFailure(stepReconcile, err).Milliseconds())
			}
			wake = p.nextWake(ctx)
			continue
		}
		stop()
		if !ok {
			return nil
		}
		paths := map[string]struct{}{}
		rescan, reason := false, ""
		var landed time.Time
		merge := func(b watch.Batch) {
			for _, path := range b.Paths {
				paths[path] = struct{}{}
			}
			if !b.Landed.IsZero() && (landed.IsZero() || b.Landed.Before(landed)) {
				landed = b.Landed
			}
			if b.Rescan {
				rescan, reason = true, b.Reason
			}
		}
		merge(b)
		closed := false
	drain:
		for {
			select {
			case b, ok := <-batches:
				if !ok {
					// A closed channel is always ready: without this the loop would spin
					// forever, ctx or not. Ingest what was merged, then stop.
					closed = true
					break drain
				}
				merge(b)
			default:
				break drain
			}
		}
		list := make([]string, 0, len(paths))
		for path := range paths {
			list = append(list, path)
		}
		// Ingest with a context that outlives a shutdown request: a batch begun is finished, so
		// the catalog never holds half of a burst that the watcher already let go of.
		p.ingest(context.WithoutCancel(ctx), list, landed, rescan, reason, render)
		wake = p.nextWake(ctx)
		if closed {
			return nil
		}
	}
}

// ingest reconciles paths (or, with rescan, the whole directory) and renders when the catalog
// changed or a failed render is due again; landed, when set, is when the oldest path stopped
// changing. Failures are recorded for a retry and returned.
func (p *Publisher) ingest(ctx context.Context, paths []string, landed time.Time, rescan bool, reason string, render bool) error {
	var rep catalog.Report
	var err error
	switch {
	case rescan:
		p.log.Info("reconcile requested", "reason", reason)
		rep, err = p.cat.Reconcile(ctx)
	case len(paths) > 0:
		rep, err = p.cat.ReconcilePaths(ctx, paths)
	}
	if err != nil {
		// The batch's paths are lost with it; the full reconcile that retries finds them.
		p.log.Error("ingest failed; full reconcile scheduled", "err", err,
			"retry_in_ms", p.noteFailure(stepReconcile, err).Milliseconds())
		return err
	}
	obs := p.observer()
	obs.Reconciled(rep)
	p.noteReport(rep, paths, rescan)
	if rescan {
		p.noteSuccess(stepReconcile)
	}
	if later := rep.Later(); len(later) > 0 {
		p.log.Info("files to look at again", "deferred", len(rep.Deferred), "failed", len(rep.Failed))
	}
	// Nothing rendered yet means the first reconcile failed: feeds answer 503 until one is.
	if !rep.Changed() && !render && !p.renderDue() && p.Renders() > 0 {
		return nil
	}
	if err := p.renderOrRetry(ctx); err != nil {
		return err
	}
	if !landed.IsZero() {
		obs.FileToFeed(time.Since(landed))
	}
	if rep.ReadBytes >= releaseAfter {
		// Reading and rendering huge articles took memory the heap keeps for a while; a
		// daemon that idles afterwards should not hold that peak as its resident size.
		debug.FreeOSMemory()
	}
	return nil
}

// releaseAfter is how many article bytes an ingest reads before its memory is handed back to
// the system at once rather than by the runtime's slow scavenger.
const releaseAfter = 32 << 20

// renderOrRetry renders, and schedules the render again if it fails (an output that cannot
// be written: a full disk, say).
func (p *Publisher) renderOrRetry(ctx context.Context) error {
	if _, err := p.Render(ctx); err != nil {
		p.log.Error("render failed; retrying", "err", err, "retry_in_ms", p.noteFailure(stepRender, err).Milliseconds())
		return err
	}
	p.noteSuccess(stepRender)
	return nil
}

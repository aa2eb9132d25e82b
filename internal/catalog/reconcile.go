package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/feedpub/feedpub/internal/article"
)

// Change names one entry a reconcile added, updated, removed or moved.
type Change struct{ Path, ID, Slug string }

// Rejection is a file that could not be published, with the reason. Err wraps the article
// sentinel (or ErrDuplicateID) and names the file.
type Rejection struct {
	Path string
	Err  error
}

// Report says what one reconcile (or Release) did. Held entries are new or edited articles
// dated in the future, in no output yet; Released ones became visible, by their date passing
// or an edit moving it into the past, and readers see them as added.
type Report struct {
	Added, Updated, Removed, Moved []Change
	Held, Released                 []Change
	Rejected                       []Rejection // content failures: they stand until the file changes
	// Deferred are files not complete yet (still being written, complete.go): nothing was
	// decided about them; the caller looks at them again after Settle.
	Deferred []string
	// Failed are files that could not be read for a reason outside their content (EMFILE,
	// EIO, a permission not granted yet): nothing was decided about them either; the caller
	// retries them with backoff.
	Failed []Rejection
	// PendingRemovals are entries whose files a full reconcile found missing, kept live until
	// the removals are confirmed (removals.go).
	PendingRemovals []string
	Unchanged       int
	Read            int   // article files opened and read (0 on a no-change reconcile)
	ReadBytes       int64 // their bytes
	Duration        time.Duration

	bulk bool // logged as a bulk reconcile: per-entry lines at debug, only the first rejections
}

// Later lists the files the caller must look at again: deferred and failed.
func (r Report) Later() []string {
	out := append([]string(nil), r.Deferred...)
	for _, f := range r.Failed {
		out = append(out, f.Path)
	}
	return out
}

// Reasons counts the rejections by cause ("file is empty": 3), for summaries.
func (r Report) Reasons() map[string]int {
	out := map[string]int{}
	for _, rj := range r.Rejected {
		reason := article.Reason(rj.Err)
		switch {
		case errors.Is(rj.Err, ErrDuplicateID):
			reason = ErrDuplicateID.Error()
		case errors.Is(rj.Err, ErrOutside):
			reason = ErrOutside.Error()
		case reason == "":
			reason = "could not be read"
		}
		out[reason]++
	}
	return out
}

// Changed reports whether the feed content changed (rejections alone change nothing).
func (r Report) Changed() bool {
	return len(r.Added)+len(r.Updated)+len(r.Removed)+len(r.Moved)+len(r.Released) > 0
}

// batchSize is the number of files applied per transaction: large enough that commits (each
// an fsync, and a WAL checkpoint every few) cost little on a cold load, small enough that a
// crash loses little work (uncommitted files are read again; no id was handed out for them).
// (docs/performance.md has what 2,000 rather than 500 bought.)
const batchSize = 2000

// Reconcile brings the catalog in line with the whole article directory.
func (c *Catalog) Reconcile(ctx context.Context) (Report, error) {
	return c.reconcile(ctx, "full", c.planDir)
}

// ReconcilePaths reconciles only the given slash-separated paths relative to Dir, as reported
// by a watcher. A path that no longer exists removes its entry and every entry under it (a
// removed directory); an existing directory is skipped, since the watcher reports its files.
func (c *Catalog) ReconcilePaths(ctx context.Context, rels []string) (Report, error) {
	return c.reconcile(ctx, "paths", func(ctx context.Context) (*plan, error) {
		return c.planPaths(ctx, rels)
	})
}

// reconcile makes a plan and executes it, under mu, and logs the summary.
func (c *Catalog) reconcile(ctx context.Context, kind string,
	makePlan func(context.Context) (*plan, error)) (Report, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	start := time.Now()
	p, err := makePlan(ctx)
	if err != nil {
		return Report{}, err
	}
	// Entries not indexed yet (a catalog from before feeds, or one whose last indexing
	// failed) go first, so this reconcile's entries are indexed as they are written.
	if err := c.indexFeeds(ctx); err != nil {
		return Report{}, err
	}
	rep, err := c.execute(ctx, p)
	if err == nil {
		err = c.indexFeeds(ctx)
	}
	rep.Duration = time.Since(start)
	c.logReport(kind, rep, err)
	return rep, err
}

func (c *Catalog) logReport(kind string, rep Report, err error) {
	attrs := []any{"kind", kind, "added", len(rep.Added), "updated", len(rep.Updated),
		"removed", len(rep.Removed), "moved", len(rep.Moved), "held", len(rep.Held),
		"released", len(rep.Released), "rejected", len(rep.Rejected),
		"deferred", len(rep.Deferred), "failed", len(rep.Failed), "removals_held", len(rep.PendingRemovals),
		"unchanged", rep.Unchanged, "read", rep.Read, "duration_ms", rep.Duration.Milliseconds()}
	if len(rep.Rejected) > 0 {
		attrs = append(attrs, "reasons", rep.Reasons())
	}
	if n := len(rep.Rejected) - maxRejectLines; n > 0 && rep.bulk {
		attrs = append(attrs, "rejections_not_listed", n)
	}
	if err != nil {
		c.log.Error("catalog reconcile failed", append(attrs, "err", err)...)
		return
	}
	c.log.Info("catalog reconciled", attrs...)
}

// execute reads the plan's files in parallel and applies the results, in plan order, through a
// single writer. At most a few dozen parsed articles are in memory at once, whatever the
// directory size, and applying in plan (walk) order makes slug suffixes deterministic.
func (c *Catalog) execute(ctx context.Context, p *plan) (Report, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var root *os.Root
	if len(p.jobs) > 0 {
		// Opened per reconcile, not held: a handle kept on the directory would keep an
		// unmounted share busy, and would go on reading the old file system after a remount.
		var err error
		if root, err = os.OpenRoot(c.cfg.Dir); err != nil {
			return Report{}, fmt.Errorf("article directory %s: %w", c.cfg.Dir, err)
		}
		defer root.Close()
	}
	workers := runtime.GOMAXPROCS(0)
	work := make(chan *task)
	order := make(chan *task, 4*workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range work {
				c.readFile(ctx, root, t)
				close(t.done)
			}
		}()
	}
	// Files read and not yet applied are bounded in bytes as well as in number: a few huge
	// articles in flight at once would otherwise hold several copies each of hundreds of MB.
	inFlight := semaphore.NewWeighted(maxInFlightBytes)
	go func() {
		defer close(order)
		defer close(work)
		for _, j := range p.jobs {
			t := &task{job: j, done: make(chan struct{}), weight: min(max(j.size, 1), maxInFlightBytes)}
			if inFlight.Acquire(ctx, t.weight) != nil {
				return
			}
			select {
			case work <- t:
			case <-ctx.Done():
				inFlight.Release(t.weight)
				return
			}
			// A worker owns t now, so done will close; the writer drains order to the end.
			order <- t
		}
	}()

	w := &writer{c: c, p: p, now: c.now().UTC().Truncate(time.Second), seqStart: c.seq,
		bulk: len(p.jobs)+len(p.vanished) > bulkThreshold}
	w.rep.bulk = w.bulk
	if w.bulk {
		w.progress(0)
		defer w.progress(len(p.jobs))
	}
	w.rep.Unchanged = p.unchanged
	err := w.start(ctx)
	defer w.end(ctx)
	for t := range order {
		<-t.done
		if err == nil {
			if err = ctx.Err(); err == nil {
				err = w.apply(ctx, t)
			}
		}
		t.art = nil // applied: its text is in the database now
		inFlight.Release(t.weight)
		if err != nil {
			cancel()
		}
	}
	wg.Wait()
	if err == nil {
		err = w.finish(ctx)
	}
	w.logFeedsCreated()
	return w.rep, err
}

// maxInFlightBytes bounds the article bytes read and not yet applied in a reconcile (one file
// larger than it still goes through, alone): enough for thousands of ordinary articles at
// once, and one or two of the largest.
const maxInFlightBytes = 16 << 20

// apply applies one read result and commits every batchSize files.
func (w *writer) apply(ctx context.Context, t *task) error {
	if t.read {
		w.rep.Read++
		w.rep.ReadBytes += t.size
	}
	if w.bulk {
		w.applied++
		w.progress(w.applied)
	}
	if err := w.applyOne(ctx, t); err != nil {
		return err
	}
	w.n++
	if w.n >= batchSize {
		if err := w.commit(ctx); err != nil {
			return err
		}
		return w.begin(ctx)
	}
	return nil
}

// applyOne decides what a read result means for the catalog: a file gone, a draft, a
// rejection, a touch, an edit of a live entry, or a file new at its path.
func (w *writer) applyOne(ctx context.Context, t *task) error {
	log := w.c.log
	switch {
	case t.deferred:
		w.rep.Deferred = append(w.rep.Deferred, t.rel)
		w.logEntry(ctx, "catalog deferred: still being written", "path", t.rel)
		return nil
	case t.err != nil && t.transient:
		w.rep.Failed = append(w.rep.Failed, Rejection{t.rel, t.err})
		w.logReject(ctx, "catalog cannot read; will retry", "path", t.rel, "err", t.err)
		return nil
	case t.missing:
		if t.live != nil {
			if err := w.remove(ctx, t.live.row, t.rel, whyDeleted); err != nil {
				return err
			}
		}
		if t.rejected {
			return w.delReject(ctx, t.rel)
		}
		return nil
	case errors.Is(t.err, article.ErrDraft):
		if t.live != nil {
			if err := w.remove(ctx, t.live.row, t.rel, whyDraft); err != nil {
				return err
			}
		} else {
			log.Debug("catalog skips draft", "path", t.rel)
		}
		return w.putReject(ctx, t, "draft")
	case t.err != nil:
		return w.reject(ctx, t, t.err, t.live != nil)
	case t.same && t.art != nil:
		// Parsed again under new parse settings: an update if it now reads differently.
		if changed, err := w.reread(ctx, t); err != nil || changed {
			if err == nil && t.rejected {
				err = w.delReject(ctx, t.rel)
			}
			return err
		}
		fallthrough
	case t.same:
		// A touch: only the stat is new. Storing it keeps the next reconcile from reading again.
		if _, err := w.stmt.setStat.ExecContext(ctx, t.size, t.mtime, t.live.row); err != nil {
			return fmt.Errorf("update %s: %w", t.rel, err)
		}
		w.rep.Unchanged++
		if t.rejected {
			return w.delReject(ctx, t.rel)
		}
		return nil
	case t.live != nil:
		if err := w.update(ctx, t); err != nil {
			return err
		}
	default:
		if err := w.add(ctx, t); err != nil {
			return err
		}
	}
	// Published, but with something the author should know (e.g. decoded as Windows-1252).
	for _, warning := range t.art.Warnings {
		log.Warn("catalog article warning", "path", t.rel, "warning", warning)
	}
	if t.rejected {
		return w.delReject(ctx, t.rel)
	}
	return nil
}

// progress tells Config.Progress how many of the plan's files are applied.
func (w *writer) progress(done int) {
	if f := w.c.cfg.Progress; f != nil {
		f(done, len(w.p.jobs))
	}
}

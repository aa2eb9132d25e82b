package publish

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/server"
	"golang.org/x/sync/errgroup"
)

// pageWalk brings an output's article pages up to date on several workers: walk queues the
// entries changed since the walk before, finish waits for the workers. A first build's walk
// begins while the catalog still imports (pagesDuringImport), so that rendering and creating
// the page files overlap parsing and storing the articles, and the render that follows the
// import finishes it.
type pageWalk struct {
	p        *Publisher
	out      Output
	v        view
	pageCC   string
	since    int64           // the highest Seq walked
	keep     map[string]bool // pages an entry owns
	gone     map[string]bool // pages of removed entries, deleted after the feeds stop linking them
	queued   int
	progress func(done int)
	written  atomic.Int64
	arch     *archiveWalk // the archive pages written with it during the import; nil if none
	pages    chan catalog.Entry
	g        *errgroup.Group
	gctx     context.Context
}

func (p *Publisher) startPageWalk(ctx context.Context, out Output, v view, since int64) *pageWalk {
	w := &pageWalk{p: p, out: out, v: v, pageCC: server.CacheControl(v.cfg.PageMaxAge), since: since,
		keep: map[string]bool{}, gone: map[string]bool{}, progress: func(int) {},
		pages: make(chan catalog.Entry, 64)}
	w.g, w.gctx = errgroup.WithContext(ctx)
	workers := max(2, runtime.GOMAXPROCS(0))
	if par, ok := out.(parallel); ok {
		workers = max(workers, par.Parallel())
	}
	// Rendering and writing pages run on several workers: a cold build of 10,000 pages spends
	// much of its time in file creation in the kernel or waiting on the network, and those
	// waits overlap.
	for range workers {
		w.g.Go(func() error {
			for e := range w.pages {
				f, err := v.r.Page(e)
				if err != nil {
					return fmt.Errorf("page %s: %w", e.Path, err)
				}
				changed, err := out.Put(w.gctx, f.Name, f.Body, f.ContentType, w.pageCC)
				if err != nil {
					return err
				}
				if changed {
					w.written.Add(1)
				}
			}
			return nil
		})
	}
	return w
}

// walk queues the pages of the entries with a Seq above the last walk's. seq is the catalog
// sequence the feeds in hand were rendered at: a page removed after it stays, as those feeds
// may link it, for the next write, whose feeds no longer do.
func (w *pageWalk) walk(ctx context.Context, seq int64) error {
	return w.p.cat.Each(ctx, w.since, func(e catalog.Entry) error {
		w.since = e.Seq
		w.queued++
		w.progress(w.queued)
		name := feed.PageName(e.Slug)
		keepRemoved := w.v.cfg.KeepRemoved
		if e.Removed && !keepRemoved && e.Seq > seq {
			w.keep[name] = true
			return nil
		}
		if e.Removed && !keepRemoved {
			delete(w.keep, name)
			w.gone[name] = true
			return nil
		}
		delete(w.gone, name) // a page removed in an earlier walk and back since
		w.keep[name] = true
		select {
		case w.pages <- e:
			return nil
		case <-w.gctx.Done(): // a worker failed (its error is the one reported) or ctx ended
			return w.gctx.Err()
		}
	})
}

// finish waits for the workers; err is the walk's, which a worker's error explains (a failed
// worker cancels the walk), so that comes first.
func (w *pageWalk) finish(err error) (written int, _ error) {
	close(w.pages)
	if werr := w.g.Wait(); werr != nil {
		err = werr
	}
	return int(w.written.Load()), err
}

// defaultImportTick is how often the walk during an import looks for the entries committed
// since: often enough that the page workers never run dry while a batch of 2,000 commits.
const defaultImportTick = 100 * time.Millisecond

// pagesDuringImport begins the pages of a first write of the static copy while the catalog
// imports: every importTick (100 ms) the walk takes the entries the import committed since.
// It applies only with Config.PagesDuringImport, before the first render, where the pages are
// written in the foreground and every page is to be offered (an empty output, or one written
// with other settings). The archive pages that are final already are written alongside
// (archiveWalk). stop ends the walking; with keep, the walk is left for the render that
// follows (writeOut), which walks the rest, else the walk is abandoned and the next write
// starts over. Pages are written as they would be by the render: staged until the output's
// Flush, so none is visible before the feeds that follow them are, and a crash leaves nothing
// the next write does not clear.
func (p *Publisher) pagesDuringImport(ctx context.Context) (stop func(keep bool)) {
	noop := func(bool) {}
	if p.Renders() > 0 {
		return noop
	}
	p.renderMu.Lock()
	defer p.renderMu.Unlock()
	v, _, _ := p.current()
	if !v.cfg.PagesDuringImport {
		return noop
	}
	out, bg, err := p.outputLocked(v)
	if err != nil || out == nil || bg != nil {
		return noop // none, refused (the render reports it), or written by its own loop
	}
	p.outMu.Lock()
	since, full, err := p.outState(ctx, out, v, math.MaxInt64)
	p.outMu.Unlock()
	if err != nil || !full || since != 0 {
		return noop
	}
	w := p.startPageWalk(ctx, out, v, 0)
	stopArchives := func() *archiveWalk { return nil }
	if h, ok := out.(holder); ok && h.HoldsUntilFlush() {
		stopArchives = p.startArchives(ctx, out, v, p.importTick)
	}
	done, stopped := make(chan struct{}), make(chan struct{})
	var walkErr error
	go func() {
		defer close(stopped)
		tick := time.NewTicker(p.importTick)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			if walkErr = w.walk(ctx, math.MaxInt64); walkErr != nil {
				return
			}
		}
	}()
	return func(keep bool) {
		close(done)
		<-stopped
		w.arch = stopArchives()
		if !keep || walkErr != nil {
			w.finish(nil)
			return
		}
		p.outMu.Lock()
		p.early = w
		p.outMu.Unlock()
	}
}

// takeEarly returns the walk begun during the import if it was for out and the settings in v,
// and drops any other. Called with outMu held.
func (p *Publisher) takeEarly(out Output, v view) *pageWalk {
	w := p.early
	p.early = nil
	if w == nil {
		return nil
	}
	if w.out != out || w.v.siteKey != v.siteKey {
		w.finish(nil) // settings changed meanwhile: its pages are stale, the write starts over
		return nil
	}
	return w
}

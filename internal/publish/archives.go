package publish

import (
	"context"
	"runtime/metrics"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/server"
)

// archiveWalk writes, while a first build's catalog imports, the archive pages that are final
// already, so that the render after the import writes only the rest: on a 2-core machine the
// import's writer leaves a core partly idle, and a newsroom's archive pages were most of the
// render after it. An archive page's bytes depend only on its members and on whether a newer
// page exists (feed.Renderer.ArchivePage); a page is final once its feed has an ordinal past
// it, as ordinals are never given twice and the next-archive link then stays. Only an edit or
// a departure of a member could change it after that, which a first import does not make, but
// nothing here depends on that: each page is remembered with its feed's Seq read before the
// page, and with the channel it was rendered with, and the render after the import writes any
// page whose members changed after that Seq (catalog.FeedPageSeqs) or whose channel differs
// (skip).
//
// It runs on one goroutine, from committed state only, and only while no other goroutine of
// the process waits for a core (idleGate): the import's writer is the critical path, and a
// walk that took its turn on a busy machine made the import as much longer as it made the
// render shorter (100,000 articles, load 7: reconcile 35 to 53 s).
type archiveWalk struct {
	p     *Publisher
	out   Output
	v     view
	cc    string
	gate  idleGate
	feeds map[string]*earlyFeed // by catalog.Feed.Key

	written int // files the output reported written
}

// earlyFeed is what the walk wrote of one feed's archive.
type earlyFeed struct {
	ch   feed.Channel // the channel its pages were rendered with (Pages aside)
	seqs []int64      // pages 0..len-1 written; each with its feed's Seq before it was read
}

func newArchiveWalk(p *Publisher, out Output, v view) *archiveWalk {
	return &archiveWalk{p: p, out: out, v: v, cc: server.CacheControl(archiveMaxAge), gate: newIdleGate(),
		feeds: map[string]*earlyFeed{}}
}

// finalPages is how many of the archive pages of a feed with ords ordinals are final: all
// but the newest, which has no newer page yet.
func finalPages(ords int64) int { return max(0, feed.Pages(ords)-1) }

// walk writes the final pages the committed catalog holds that it has not written yet. It
// returns early, with nil, once stop is closed, so that the import's end does not wait for it.
func (a *archiveWalk) walk(ctx context.Context, stop <-chan struct{}) error {
	all, err := a.p.cat.Feeds(ctx)
	if err != nil {
		return err
	}
	for _, f := range all {
		final := finalPages(f.Ords)
		ef := a.feeds[f.Key]
		if final == 0 || ef != nil && len(ef.seqs) >= final {
			continue
		}
		if ef == nil {
			ef = &earlyFeed{ch: a.p.channel(a.v, f)}
			a.feeds[f.Key] = ef
		}
		ch := ef.ch
		ch.Pages = feed.Pages(f.Ords)
		for k := len(ef.seqs); k < final; k++ {
			if !a.gate.wait(stop) {
				return nil
			}
			files, err := a.p.archivePageOf(ctx, a.v, f, ch, k)
			if err != nil {
				return err
			}
			for _, file := range files {
				changed, err := a.out.Put(ctx, file.Name, file.Body, file.ContentType, a.cc)
				if err != nil {
					return err
				}
				if changed {
					a.written++
				}
			}
			// f.Seq was read before the page: a change to it committed since has a higher
			// Seq, so the page's FeedPageSeqs value then exceeds it and skip says no.
			ef.seqs = append(ef.seqs, f.Seq)
		}
	}
	return nil
}

// skip says whether page k of f, whose members last changed at Seq seq (its FeedPageSeqs
// value), is in the output as the render would write it with channel ch: the walk wrote it
// from the same members (a page whose value is at most s is as it was at Seq s) and channel.
// A nil walk skips nothing.
func (a *archiveWalk) skip(f catalog.Feed, ch feed.Channel, k int, seq int64) bool {
	if a == nil {
		return false
	}
	ef := a.feeds[f.Key]
	return ef != nil && k < len(ef.seqs) && seq <= ef.seqs[k] &&
		ef.ch.Title == ch.Title && ef.ch.Description == ch.Description
}

// startArchives runs the walk every tick until the returned stop, which waits for it and
// returns it. A walk that fails stops there: what it wrote stands, and the render that
// follows writes the rest and reports the error if it persists.
func (p *Publisher) startArchives(ctx context.Context, out Output, v view, tick time.Duration) (stop func() *archiveWalk) {
	a := newArchiveWalk(p, out, v)
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			if err := a.walk(ctx, done); err != nil {
				p.log.Warn("archive pages during the import stopped; the render writes the rest",
					"output", out.Key(), "err", err)
				return
			}
		}
	}()
	return func() *archiveWalk {
		close(done)
		<-stopped
		return a
	}
}

// idleGate tells a background walk when the process has a core to spare: when no goroutine is
// ready to run and waiting for one. Go has no goroutine priorities; this makes the walk's
// turns come only from time nothing else of the process wanted.
type idleGate struct{ runnable []metrics.Sample }

func newIdleGate() idleGate {
	return idleGate{runnable: []metrics.Sample{{Name: "/sched/goroutines/runnable:goroutines"}}}
}

// gatePoll is how often a waiting walk looks again: a page takes a few milliseconds.
const gatePoll = time.Millisecond

// wait returns true once no goroutine waits for a core, false once stop is closed first.
func (g idleGate) wait(stop <-chan struct{}) bool {
	for {
		select {
		case <-stop:
			return false
		default:
		}
		metrics.Read(g.runnable)
		if v := g.runnable[0].Value; v.Kind() != metrics.KindUint64 || v.Uint64() == 0 {
			return true // an unknown metric (another Go) gates nothing
		}
		time.Sleep(gatePoll)
	}
}

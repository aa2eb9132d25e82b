package publish

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/server"
	"golang.org/x/sync/errgroup"
)

// Output is a place the static site is kept: a local directory (Dir) or a bucket. The
// Publisher decides what goes there and in which order; an Output stores, compares and removes
// files. Names are slash-separated and relative ("atom.xml", "articles/x.html").
type Output interface {
	// Key identifies what the output holds, for the catalog's record of what it was last given.
	Key() string
	// Intact reports whether the output still holds what it was last given; false makes the
	// next write offer every page again and remove the pages no entry owns.
	Intact(ctx context.Context) (bool, error)
	// Put stores body as name, unless the output holds exactly that already, and reports
	// whether it wrote. It may be called from several goroutines at once.
	Put(ctx context.Context, name string, body []byte, contentType, cacheControl string) (bool, error)
	// Remove deletes name and reports whether the output held it.
	Remove(ctx context.Context, name string) (bool, error)
	// Names lists the files the output holds under dir ("articles/").
	Names(ctx context.Context, dir string) ([]string, error)
	// Flush makes every Put and Remove so far durable and visible to readers.
	Flush(ctx context.Context) error
}

// parallel is what an Output implements to ask for more page workers than cores: a bucket's
// uploads wait on the network, not on the CPU.
type parallel interface{ Parallel() int }

// DefaultPageMaxAge is how long article pages in the static copy may be cached: longer than
// the feeds, which announce changes, since a page changes only when its article is edited.
const DefaultPageMaxAge = time.Hour

// outKey names the catalog meta record that remembers, per output, the catalog sequence and
// site settings it was last written with. It is what lets a no-change build skip every page
// without reading one.
func outKey(key string) string { return "out:" + key }

// bulkPages is the size of a full write above which it reports progress.
const bulkPages = 1000

// OutputReport is what one write of the static copy did.
type OutputReport struct {
	Seq          int64 // the catalog sequence the output now holds
	Full         bool  // every page was offered (first write, new settings, or a repair)
	FeedsWritten int   // the root's feed and index files replaced
	OtherWritten int   // other feeds' files, archive pages and site files replaced
	PagesWritten int   // article pages written
	PagesRemoved int   // article pages deleted
	Duration     time.Duration
}

// writeOut brings out up to date with the catalog at seq and the root's feeds rendered from it,
// in an order that never lets a reader follow a link to a missing file: the pages first, then
// the other feeds, archive pages and site files, then the root's feeds and index that link
// them all, then the removal of pages they no longer link. A page changed after seq (a
// reconcile may commit while the feeds render) is written anyway, since a page before its feed
// is harmless; one removed after seq stays for the next write, whose feeds no longer link it.
// The catalog records the write only at the end, so a write cut short at any point is done
// again by the next one. Writes to one output are serialized by outMu.
func (p *Publisher) writeOut(ctx context.Context, out Output, v view, cst catalog.Stats, files []feed.File) (rep OutputReport, err error) {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	start := time.Now()
	seq := cst.Seq
	rep.Seq = seq
	var since int64
	rep.Full = true
	if rec, err := p.cat.Meta(ctx, outKey(out.Key())); err == nil && rec != "" {
		if n, key, ok := strings.Cut(rec, " "); ok && key == v.siteKey {
			if s, err := strconv.ParseInt(n, 10, 64); err == nil && s <= seq {
				since, rep.Full = s, false
			}
		}
	}
	intact, err := out.Intact(ctx)
	if err != nil {
		return rep, err
	}
	if !intact || p.repair {
		since, rep.Full = 0, true // someone emptied or changed the output: offer everything again
	}
	defer func() {
		// A repair cut short must be finished by the next write even though the record
		// still says the output is current.
		p.repair = err != nil && rep.Full
	}()
	pageCC, feedCC := server.CacheControl(v.cfg.PageMaxAge), server.CacheControl(v.cfg.MaxAge)
	// A full write of a large catalog (a first build) shows its progress on a terminal.
	progress := func(int) {}
	if total := cst.Live + cst.Removed; rep.Full && v.cfg.Progress != nil && total > bulkPages {
		progress = func(done int) { v.cfg.Progress(done, total) }
		progress(0)
		defer progress(total)
	}
	queued := 0

	keep := map[string]bool{}
	gone := map[string]bool{}
	var nWritten atomic.Int64
	pages := make(chan catalog.Entry, 64)
	g, gctx := errgroup.WithContext(ctx)
	workers := max(2, runtime.GOMAXPROCS(0))
	if par, ok := out.(parallel); ok {
		workers = max(workers, par.Parallel())
	}
	// Rendering and writing pages run on several workers: a cold build of 10,000 pages spends
	// most of its time waiting on file creation in the kernel or on the network, and those
	// waits overlap.
	for range workers {
		g.Go(func() error {
			for e := range pages {
				f, err := v.r.Page(e)
				if err != nil {
					return fmt.Errorf("page %s: %w", e.Path, err)
				}
				changed, err := out.Put(gctx, f.Name, f.Body, f.ContentType, pageCC)
				if err != nil {
					return err
				}
				if changed {
					nWritten.Add(1)
				}
			}
			return nil
		})
	}
	err = p.cat.Each(ctx, since, func(e catalog.Entry) error {
		queued++
		progress(queued)
		name := feed.PageName(e.Slug)
		if e.Removed && !v.cfg.KeepRemoved && e.Seq > seq {
			keep[name] = true // removed after the feeds in hand were rendered: they may link it
			return nil
		}
		if e.Removed && !v.cfg.KeepRemoved {
			delete(keep, name)
			gone[name] = true
			return nil
		}
		keep[name] = true
		select {
		case pages <- e:
			return nil
		case <-gctx.Done(): // a worker failed (its error is the one reported) or ctx ended
			return gctx.Err()
		}
	})
	close(pages)
	// A worker's error explains a cancelled walk, so it comes first.
	if werr := g.Wait(); werr != nil {
		err = werr
	}
	rep.PagesWritten = int(nWritten.Load())
	if err != nil {
		return rep, err
	}
	if err := out.Flush(ctx); err != nil {
		return rep, err
	}
	if rep.OtherWritten, err = p.writeChannels(ctx, out, v, since, rep.Full, feedCC); err != nil {
		return rep, err
	}
	if err := out.Flush(ctx); err != nil {
		return rep, err
	}

	for _, f := range files {
		changed, err := out.Put(ctx, f.Name, f.Body, f.ContentType, feedCC)
		if err != nil {
			return rep, err
		}
		if changed {
			rep.FeedsWritten++
		}
	}
	if err := out.Flush(ctx); err != nil {
		return rep, err
	}

	if rep.Full {
		held, err := out.Names(ctx, feed.PagesDir)
		if err != nil {
			return rep, err
		}
		for _, name := range held {
			if strings.HasSuffix(name, ".html") && !keep[name] {
				gone[name] = true
			}
		}
	}
	for name := range gone {
		removed, err := out.Remove(ctx, name)
		if err != nil {
			return rep, err
		}
		if removed {
			rep.PagesRemoved++
		}
	}
	if err := out.Flush(ctx); err != nil {
		return rep, err
	}
	if err := p.cat.SetMeta(ctx, outKey(out.Key()), fmt.Sprintf("%d %s", seq, v.siteKey)); err != nil {
		return rep, fmt.Errorf("output %s: %w", out.Key(), err)
	}
	rep.Duration = time.Since(start)
	return rep, nil
}

// writeChannels brings the other feed files up to date: the subscription documents of every
// section, author and tag whose members changed since Seq since, the archive pages holding a
// changed member (and the page before a new one, whose next-archive link appears), and the
// site files. The root's subscription documents are left to writeOut. When full, every one
// is rendered and compared. Full archive pages are sent with the long max-age they are served
// with, the rest with feedCC. It returns how many files it replaced.
func (p *Publisher) writeChannels(ctx context.Context, out Output, v view, since int64, full bool, feedCC string) (int, error) {
	all, err := p.cat.Feeds(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	put := func(files []feed.File, cc string) error {
		for _, f := range files {
			changed, err := out.Put(ctx, f.Name, f.Body, f.ContentType, cc)
			if err != nil {
				return err
			}
			if changed {
				n++
			}
		}
		return nil
	}
	archiveCC := server.CacheControl(archiveMaxAge)
	any := full
	for _, f := range all {
		if !full && f.Seq <= since {
			continue
		}
		any = true
		if f.Kind != catalog.KindRoot {
			files, err := p.subscription(ctx, v, f, all)
			if err != nil {
				return n, err
			}
			if err := put(files, feedCC); err != nil {
				return n, err
			}
		}
		seqs, err := p.cat.FeedPageSeqs(ctx, f.Key, feed.ArchiveSize)
		if err != nil {
			return n, err
		}
		for k := range seqs {
			if !full && seqs[k] <= since && (k+1 >= len(seqs) || seqs[k+1] <= since) {
				continue
			}
			files, err := p.archivePage(ctx, v, f, all, k)
			if err != nil {
				return n, err
			}
			cc := feedCC
			if fullArchivePage(f, k) {
				cc = archiveCC
			}
			if err := put(files, cc); err != nil {
				return n, err
			}
		}
	}
	if any {
		seqs, err := p.cat.FeedPageSeqs(ctx, catalog.RootKey, feed.SitemapSize)
		if err != nil {
			return n, err
		}
		files, err := p.siteFiles(ctx, v, all, func(k int) bool { return full || k < len(seqs) && seqs[k] > since })
		if err != nil {
			return n, err
		}
		if err := put(files, feedCC); err != nil {
			return n, err
		}
	}
	return n, nil
}

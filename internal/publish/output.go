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

// holder is what an Output implements to say that, for now, it keeps every Put out of sight
// until its next Flush (a directory's first build, freshDir). Only then are archive pages
// written during the import (archiveWalk): they link to article pages not written yet.
type holder interface{ HoldsUntilFlush() bool }

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
	PagesEarly   int   // entries whose pages were offered while the catalog imported (a first write)
	ArchiveEarly int   // archive files written while the catalog imported, counted in OtherWritten
	Duration     time.Duration
}

// writeOut brings out up to date with the catalog at seq and the root's feeds rendered from it,
// in an order that never lets a reader follow a link to a missing file: the pages first, then
// the other feeds, archive pages and site files, then the root's feeds and index that link
// them all, then the removal of pages they no longer link. A page changed after seq (a
// reconcile may commit while the feeds render) is written anyway, since a page before its feed
// is harmless; one removed after seq stays for the next write, whose feeds no longer link it.
// The catalog records the write only at the end, so a write cut short at any point is done
// again by the next one. A first write may find its pages mostly written already, by the walk
// begun during the import (pagesDuringImport). Writes to one output are serialized by outMu.
func (p *Publisher) writeOut(ctx context.Context, out Output, v view, cst catalog.Stats, files []feed.File) (rep OutputReport, err error) {
	p.outMu.Lock()
	defer p.outMu.Unlock()
	start := time.Now()
	seq := cst.Seq
	rep.Seq = seq
	var since int64
	w := p.takeEarly(out, v) // a first write's, begun during the import: full, from the start
	if w != nil {
		rep.Full, rep.PagesEarly = true, w.queued
	} else {
		if since, rep.Full, err = p.outState(ctx, out, v, seq); err != nil {
			return rep, err
		}
		w = p.startPageWalk(ctx, out, v, since)
	}
	defer func() {
		// A repair cut short must be finished by the next write even though the record
		// still says the output is current.
		p.repair = err != nil && rep.Full
	}()
	feedCC := server.CacheControl(v.cfg.MaxAge)
	// A full write of a large catalog (a first build) shows its progress on a terminal.
	if total := cst.Live + cst.Removed; rep.Full && v.cfg.Progress != nil && total > bulkPages {
		w.progress = func(done int) { v.cfg.Progress(min(done, total), total) }
		w.progress(w.queued)
		defer w.progress(total)
	}
	rep.PagesWritten, err = w.finish(w.walk(ctx, seq))
	if err != nil {
		return rep, err
	}
	if err := out.Flush(ctx); err != nil {
		return rep, err
	}
	if w.arch != nil {
		rep.ArchiveEarly = w.arch.written
	}
	rep.OtherWritten, err = p.writeChannels(ctx, out, v, since, rep.Full, feedCC, w.arch)
	rep.OtherWritten += rep.ArchiveEarly
	if err != nil {
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
			if strings.HasSuffix(name, ".html") && !w.keep[name] {
				w.gone[name] = true
			}
		}
	}
	for name := range w.gone {
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

// outState says which entries' pages a write of out must offer: those changed since the
// catalog sequence recorded for out with the current settings, or, when full, all of them
// (a first write, other settings, an output emptied or changed behind feedpub's back, or a
// repair cut short). Called with outMu held.
func (p *Publisher) outState(ctx context.Context, out Output, v view, seq int64) (since int64, full bool, err error) {
	full = true
	if rec, err := p.cat.Meta(ctx, outKey(out.Key())); err == nil && rec != "" {
		if n, key, ok := strings.Cut(rec, " "); ok && key == v.siteKey {
			if s, err := strconv.ParseInt(n, 10, 64); err == nil && s <= seq {
				since, full = s, false
			}
		}
	}
	intact, err := out.Intact(ctx)
	if err != nil {
		return 0, false, err
	}
	if !intact || p.repair {
		since, full = 0, true // someone emptied or changed the output: offer everything again
	}
	return since, full, nil
}

// writeChannels brings the other feed files up to date: the subscription documents of every
// section, author and tag whose members changed since Seq since, the archive pages holding a
// changed member (and the page before a new one, whose next-archive link appears), and the
// site files. The root's subscription documents are left to writeOut. When full, every one
// is rendered and compared, but for the archive pages arch wrote during the import that are
// still as it wrote them. Full archive pages are sent with the long max-age they are served
// with, the rest with feedCC. It returns how many files it replaced.
func (p *Publisher) writeChannels(ctx context.Context, out Output, v view, since int64, full bool, feedCC string, arch *archiveWalk) (int, error) {
	all, err := p.cat.Feeds(ctx)
	if err != nil {
		return 0, err
	}
	var n atomic.Int64
	put := func(ctx context.Context, files []feed.File, cc string) error {
		for _, f := range files {
			changed, err := out.Put(ctx, f.Name, f.Body, f.ContentType, cc)
			if err != nil {
				return err
			}
			if changed {
				n.Add(1)
			}
		}
		return nil
	}
	archiveCC := server.CacheControl(archiveMaxAge)
	any := full
	// Feeds are independent of each other, so they render on every core: a first build's
	// section, author and tag feeds and their archive pages are most of its CPU after the
	// pages.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, runtime.GOMAXPROCS(0)))
	for _, f := range all {
		if !full && f.Seq <= since {
			continue
		}
		any = true
		g.Go(func() error { return p.writeFeed(gctx, v, f, all, since, full, arch, put, feedCC, archiveCC) })
	}
	if err := g.Wait(); err != nil {
		return int(n.Load()), err
	}
	if any {
		seqs, err := p.cat.FeedPageSeqs(ctx, catalog.RootKey, feed.SitemapSize)
		if err != nil {
			return int(n.Load()), err
		}
		files, err := p.siteFiles(ctx, v, all, func(k int) bool { return full || k < len(seqs) && seqs[k] > since })
		if err != nil {
			return int(n.Load()), err
		}
		if err := put(ctx, files, feedCC); err != nil {
			return int(n.Load()), err
		}
	}
	return int(n.Load()), nil
}

// writeFeed puts f's subscription documents (the root's are writeOut's) and its archive pages
// that hold a member changed since Seq since, or all of them when full, but for those arch
// has written as they are.
func (p *Publisher) writeFeed(ctx context.Context, v view, f catalog.Feed, all []catalog.Feed, since int64, full bool,
	arch *archiveWalk, put func(context.Context, []feed.File, string) error, feedCC, archiveCC string) error {
	if f.Kind != catalog.KindRoot {
		files, err := p.subscription(ctx, v, f, all)
		if err != nil {
			return err
		}
		if err := put(ctx, files, feedCC); err != nil {
			return err
		}
	}
	seqs, err := p.cat.FeedPageSeqs(ctx, f.Key, feed.ArchiveSize)
	if err != nil {
		return err
	}
	ch := p.channel(v, f)
	for k := range seqs {
		if !full && seqs[k] <= since && (k+1 >= len(seqs) || seqs[k+1] <= since) {
			continue
		}
		if arch.skip(f, ch, k, seqs[k]) {
			continue
		}
		files, err := p.archivePageOf(ctx, v, f, ch, k)
		if err != nil {
			return err
		}
		cc := feedCC
		if fullArchivePage(f, k) {
			cc = archiveCC
		}
		if err := put(ctx, files, cc); err != nil {
			return err
		}
	}
	return nil
}

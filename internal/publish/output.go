package publish

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/manifest"
	"golang.org/x/sync/errgroup"
)

// outKey names the catalog meta record that remembers, per output directory, the catalog
// sequence and site settings it was last written with. It is what lets a no-change build skip
// every page without reading one.
func outKey(out string) string {
	abs, err := filepath.Abs(out)
	if err != nil {
		abs = out
	}
	return "out:" + abs
}

// outState says from which catalog Seq the output directory must be brought up to date: when
// it was last written with the same site settings, only what changed since then; otherwise
// (full) everything.
func (p *Publisher) outState(ctx context.Context, v view, seq int64) (since int64, full bool) {
	full = true
	if rec, err := p.cat.Meta(ctx, outKey(v.cfg.Out)); err == nil && rec != "" {
		if n, key, ok := strings.Cut(rec, " "); ok && key == v.siteKey {
			if s, err := strconv.ParseInt(n, 10, 64); err == nil && s <= seq {
				since, full = s, false
			}
		}
	}
	if !full {
		_, ierr := os.Stat(filepath.Join(v.cfg.Out, feed.NameIndex))
		_, aerr := os.Stat(filepath.Join(v.cfg.Out, "articles"))
		if ierr != nil || aerr != nil {
			full, since = true, 0 // someone emptied the directory: rebuild it
		}
	}
	return since, full
}

// writePages brings articles/*.html up to date: only entries changed since Seq since, or,
// when full, every page is rendered and compared, and pages no entry owns are deleted.
func (p *Publisher) writePages(ctx context.Context, v view, cst catalog.Stats, since int64, full bool) (written, removed int, err error) {
	dir := filepath.Join(v.cfg.Out, "articles")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, fmt.Errorf("output %s: %w", dir, err)
	}
	removeStaleTemps(v.cfg.Out)
	removeStaleTemps(dir)
	st := newStager(v.cfg.Out, p.out)
	defer st.abort()
	// A full render of a large catalog (a first build) shows its progress on a terminal.
	progress := func(int) {}
	if total := cst.Live + cst.Removed; full && v.cfg.Progress != nil && total > bulkPages {
		progress = func(done int) { v.cfg.Progress(done, total) }
		progress(0)
		defer progress(total)
	}
	queued := 0
	keep := map[string]bool{}
	var nWritten atomic.Int64
	pages := make(chan catalog.Entry, 64)
	g, gctx := errgroup.WithContext(ctx)
	// Rendering and writing pages run on several workers: a cold build of 10,000 pages spends
	// most of its time waiting on file creation in the kernel, and those waits overlap.
	for range max(2, runtime.GOMAXPROCS(0)) {
		g.Go(func() error {
			for e := range pages {
				f, err := v.r.Page(e)
				if err != nil {
					return fmt.Errorf("page %s: %w", e.Path, err)
				}
				changed, err := st.stage(f.Name, f.Body)
				if err != nil {
					return err
				}
				if changed {
					nWritten.Add(1)
				}
				if err := st.commitIfFull(pageBatch); err != nil {
					return err
				}
			}
			return nil
		})
	}
	err = p.cat.Each(ctx, since, func(e catalog.Entry) error {
		queued++
		progress(queued)
		name := "articles/" + e.Slug + ".html"
		if e.Removed && !v.cfg.KeepRemoved {
			delete(keep, name)
			// Only a page feedpub wrote is deleted: the directory may hold hand-made files.
			if ok, err := p.out.Remove(name); err != nil {
				return err
			} else if ok {
				removed++
			}
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
	written = int(nWritten.Load())
	if err == nil {
		err = st.commit()
	}
	if err != nil || !full {
		return written, removed, err
	}
	// Pages no entry owns any more, among those feedpub wrote; other files are left alone.
	for _, name := range p.out.Names("articles/") {
		if keep[name] {
			continue
		}
		ok, err := p.out.Remove(name)
		if err != nil {
			return written, removed, err
		}
		if ok {
			removed++
		}
	}
	return written, removed, nil
}

// bulkPages is the size of a full render above which it reports progress.
const bulkPages = 1000

// pageBatch is how many pages are made durable together: one syncfs per batch bounds both the
// cost of a cold build and the temp files a crash can leave.
const pageBatch = 1000

// writeFeeds replaces the feed files in out whose bytes changed and returns how many did.
func writeFeeds(out *manifest.Manifest, files []feed.File) (int, error) {
	st := newStager(out.Dir(), out)
	n := 0
	for _, f := range files {
		changed, err := st.stage(f.Name, f.Body)
		if err != nil {
			st.abort()
			return 0, err
		}
		if changed {
			n++
		}
	}
	if err := st.commit(); err != nil {
		return 0, err
	}
	return n, nil
}

// writeChannels brings the other feed files up to date: the subscription documents of every
// section, author and tag whose members changed since Seq since, the archive pages holding a
// changed member (and the page before a new one, whose next-archive link appears), and the
// site files. The root's subscription documents are left to writeFeeds. When full, every one
// is rendered and compared. It returns how many files it replaced.
func (p *Publisher) writeChannels(ctx context.Context, v view, since int64, full bool) (int, error) {
	all, err := p.cat.Feeds(ctx)
	if err != nil {
		return 0, err
	}
	st := newStager(v.cfg.Out, p.out)
	defer st.abort()
	n := 0
	stage := func(files []feed.File) error {
		for _, f := range files {
			changed, err := st.stage(f.Name, f.Body)
			if err != nil {
				return err
			}
			if changed {
				n++
			}
		}
		return st.commitIfFull(pageBatch)
	}
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
			if err := stage(files); err != nil {
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
			if err := stage(files); err != nil {
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
		if err := stage(files); err != nil {
			return n, err
		}
	}
	return n, st.commit()
}

// Package publish carries catalog changes to the outputs: it renders the feeds and pages of the
// current catalog once per change and hands them to the HTTP server and the static copy (a
// directory or a bucket).
// It is the only place that knows the order of the pipeline; each stage stays ignorant of the next.
package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/fault"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/manifest"
	"github.com/feedpub/feedpub/internal/server"
	"github.com/feedpub/feedpub/internal/watch"
)

// Swapper receives each new set of rendered feeds; *server.Server is one.
type Swapper interface {
	Swap(*server.Snapshot)
}

var (
	_ Swapper      = (*server.Server)(nil)
	_ server.Pages = (*Publisher)(nil)
)

// RenderReport is what one Render did.
type RenderReport struct {
	Entries      int      // entries in the feeds
	Seq          int64    // the catalog sequence rendered
	Changed      []string // representations (feed.NameRSS, ...) whose bytes differ from the previous render's; all on a Publisher's first
	FeedsWritten int      // the root's feed and index files replaced in the output (written within Render)
	OtherWritten int      // other feeds' files, archive pages and site files replaced in it
	PagesWritten int      // article pages written into the output
	PagesRemoved int      // article pages deleted from it
	Duration     time.Duration
}

// Outcome is what one Reconcile did.
type Outcome struct {
	Catalog  catalog.Report
	Rendered bool         // the catalog changed, or nothing had been rendered yet
	Render   RenderReport // what the render did, when Rendered
}

// Config is what a Publisher needs beyond the catalog.
type Config struct {
	Site        feed.Site
	FeedSize    int
	Out         string   // static output directory; empty writes none
	Force       bool     // write into a non-empty Out feedpub has never written to (see manifest.Claim)
	KeepRemoved bool     // removed entries keep their pages and their place in the feeds
	Sections    Sections // titles sections from their files; nil titles them by folder name
	// Icon is the site icon's file, served as /favicon.ico and named by the feeds; "" for
	// none. It is read by SetConfig, so SIGHUP picks up a new one.
	Icon string
	// Settle is how long to wait before looking again at a file the catalog deferred because
	// it was still being written.
	Settle time.Duration
	Logger *slog.Logger

	// Progress, if set, is told how far a render that writes every page has come (see
	// catalog.Config.Progress for the calls).
	Progress func(done, total int)
	// Now is the wall clock held entries are released by and feed dates are taken from (nil:
	// time.Now); it must be the catalog's. Only New reads it.
	Now func() time.Time

	// Cache-Control max-age of the files in the static copy, for outputs that send headers
	// (a bucket behind a CDN): the feeds and index change with every article, pages rarely.
	MaxAge     time.Duration
	PageMaxAge time.Duration
}

// Publisher renders the catalog. Its methods are safe for concurrent use: the HTTP server asks
// for pages while the ingest loop renders.
type Publisher struct {
	cat *catalog.Catalog
	log *slog.Logger

	// renderMu serializes renders; mu guards the fields below it and is only held briefly, so
	// article pages and /healthz stay responsive during a long render such as a cold build.
	renderMu sync.Mutex
	renders  atomic.Int64
	lastBody map[string][]byte // each representation's bytes at the last render; under renderMu
	// offeredSeq is the catalog Seq up to which the Notifier was offered the feeds beyond the
	// root (their changes are found by the feeds' own Seq); under renderMu. -1 before the
	// first render, which takes the Seq the catalog had when the Publisher was made.
	offeredSeq int64
	startSeq   int64

	// backoff paces the retries of transient failures (retry.go); a field so that tests need
	// not wait for it. dueCheck is the longest sleep while an entry is held.
	backoff  fault.Backoff
	retry    pending
	dueCheck time.Duration
	now      func() time.Time

	mu      sync.Mutex
	view    view
	srv     Swapper
	ntf     Notifier
	obs     Observer
	pages   map[string]cachedPage
	lastErr *server.HealthError // the last failed ingest or render, for /healthz
	out     Output              // the static copy SetOutput gave (a bucket); nil: cfg.Out, if any
	bg      *background         // set when out is written in the background
	dir     *dirOutput          // the claimed output directory cfg.Out; under renderMu

	// outMu serializes writes to an output; repair, under it, says a full write was cut short.
	outMu  sync.Mutex
	repair bool

	files *fileCache // feeds beyond the root's, rendered on demand
}

// view is one consistent set of settings and the renderer made from them.
type view struct {
	cfg      Config
	icon     *feed.File // the site icon as served; nil for none
	iconTime time.Time  // the icon file's mtime, its Last-Modified
	r        *feed.Renderer
	siteKey  string // identifies cfg and the page template; pages on disk made with another are stale
}

type cachedPage struct {
	seq int64
	r   *feed.Renderer // the settings it was made with
	res *server.Resource
}

// maxCachedPages bounds the page cache: article pages are rendered on demand, and a crawler
// walking 100,000 of them must not make the daemon hold them all.
const maxCachedPages = 512

// New returns a Publisher for cat. SetServer adds a server to hand each render to, SetOutput a
// static copy to keep.
func New(cat *catalog.Catalog, cfg Config) (*Publisher, error) {
	p := &Publisher{cat: cat, log: cfg.Logger, backoff: fault.DefaultBackoff,
		retry: pending{paths: map[string]*attempt{}}, files: newFileCache(),
		dueCheck: defaultDueCheck, now: cfg.Now, offeredSeq: -1}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if p.now == nil {
		p.now = time.Now
	}
	// Feeds that the start-up reconcile changes have a Seq above this one, so the first render
	// offers them to the Notifier.
	st, err := cat.Stats(context.Background())
	if err != nil {
		return nil, err
	}
	p.startSeq = st.Seq
	if err := p.SetConfig(cfg); err != nil {
		return nil, err
	}
	return p, nil
}

// claimLocked takes the output directory (cfg.Out) as feedpub's to write, refusing a
// non-empty directory feedpub has never written to unless cfg.Force (manifest.ErrForeign).
// Render calls it, with renderMu held, before it writes anything there.
func (p *Publisher) claimLocked(cfg Config) error {
	if cfg.Out == "" || (p.dir != nil && p.dir.root == cfg.Out) {
		return nil
	}
	m, err := manifest.Claim(cfg.Out, cfg.Force)
	if err != nil {
		return err
	}
	if p.dir != nil {
		p.dir.man.Close()
	}
	p.dir = newDirOutput(cfg.Out, m)
	return nil
}

// Close releases the output directory's manifest.
func (p *Publisher) Close() error {
	p.renderMu.Lock()
	defer p.renderMu.Unlock()
	if p.dir == nil {
		return nil
	}
	err := p.dir.man.Close()
	p.dir = nil
	return err
}

// SetServer makes every later render swap its feeds into srv. It is separate from New because
// the server in turn asks the Publisher for article pages.
func (p *Publisher) SetServer(srv Swapper) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.srv = srv
}

// SetOutput makes every later render keep the static copy in out (a bucket) instead of the
// directory cfg.Out. With background set, Run
// writes it behind the served feeds, retrying failures with backoff, so that a slow or
// unreachable store never holds up ingesting and serving; otherwise Render writes it and
// returns its error. Call it before the first Render.
func (p *Publisher) SetOutput(out Output, background bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.out, p.bg = out, nil
	if background {
		p.bg = newBackground()
	}
}

func (p *Publisher) output() (Output, *background) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out, p.bg
}

// SetConfig replaces the site settings (SIGHUP); the next Render uses them.
func (p *Publisher) SetConfig(cfg Config) error {
	if cfg.FeedSize < 1 {
		return fmt.Errorf("feed size %d: must be at least 1", cfg.FeedSize)
	}
	icon, iconTime, err := readIcon(cfg.Icon)
	if err != nil {
		return fmt.Errorf("site settings: %w", err)
	}
	cfg.Site.Icon = icon != nil
	r, err := feed.New(cfg.Site)
	if err != nil {
		return fmt.Errorf("site settings: %w", err)
	}
	// A canary page stands for the page template: if a new feedpub renders it differently,
	// every page on disk is stale, and the key below makes the next render rewrite them all.
	canary, err := r.Page(catalog.Entry{ID: "tag:feedpub.invalid,2000-01-01:canary", Slug: "canary",
		Title: "canary", ContentHTML: "<p>canary</p>", Published: time.Unix(0, 0), Updated: time.Unix(0, 0)})
	if err != nil {
		return fmt.Errorf("site settings: %w", err)
	}
	key, err := json.Marshal(struct {
		Site               feed.Site
		Zone               string
		KeepRemoved        bool
		Canary             []byte
		MaxAge, PageMaxAge time.Duration
	}{r.Site(), r.Site().Location.String(), cfg.KeepRemoved, canary.Body, cfg.MaxAge, cfg.PageMaxAge})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(key)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.view = view{cfg: cfg, icon: icon, iconTime: iconTime, r: r, siteKey: hex.EncodeToString(sum[:])}
	p.pages = map[string]cachedPage{}
	p.files.reset()
	return nil
}

// Renders reports how many times the feeds were rendered, for tests and the health check.
func (p *Publisher) Renders() int { return int(p.renders.Load()) }

func (p *Publisher) current() (view, Swapper, Notifier) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.view, p.srv, p.ntf
}

func (p *Publisher) cfg() Config {
	v, _, _ := p.current()
	return v.cfg
}

// Render builds every representation of the current catalog once and swaps them into the
// server, then brings the static copy up to date (see writeOut) or, for a background output,
// hands it the render. The server gets the new feeds even if the copy cannot be written.
func (p *Publisher) Render(ctx context.Context) (RenderReport, error) {
	rep, err := p.render(ctx)
	if err != nil {
		p.noteError(err)
	}
	return rep, err
}

func (p *Publisher) render(ctx context.Context) (RenderReport, error) {
	p.renderMu.Lock()
	defer p.renderMu.Unlock()
	v, srv, ntf := p.current()
	start := time.Now()
	var rep RenderReport
	st, err := p.cat.Stats(ctx)
	if err != nil {
		return rep, fmt.Errorf("render: %w", err)
	}
	root, err := p.cat.FeedBySlug(ctx, catalog.KindRoot, "")
	if err != nil {
		return rep, fmt.Errorf("render: %w", err)
	}
	all, err := p.cat.Feeds(ctx)
	if err != nil {
		return rep, fmt.Errorf("render: %w", err)
	}
	rep.Seq = st.Seq
	dated, err := p.renderStamped(ctx, func(updated time.Time) ([]feed.File, error) {
		return p.subscriptionAt(ctx, v, root, all, updated)
	})
	if err != nil {
		return rep, fmt.Errorf("render: %w", err)
	}
	rep.Entries = min(root.Live, v.cfg.FeedSize)
	if v.icon != nil {
		dated = append(dated, stamped{File: *v.icon, modTime: v.iconTime})
	}
	files := make([]feed.File, len(dated))
	for i, d := range dated {
		files[i] = d.File
	}
	last := make(map[string][]byte, len(files))
	for _, f := range files {
		if old, ok := p.lastBody[f.Name]; !ok || !bytes.Equal(old, f.Body) {
			rep.Changed = append(rep.Changed, f.Name)
		}
		last[f.Name] = f.Body
	}
	p.lastBody = last
	if srv != nil {
		srv.Swap(snapshot(dated))
	}
	// Hubs are told once the static copy is written too (a hub may fetch the topic from
	// wherever the base URL points), and also when writing it failed: the served feeds changed.
	defer notify(ntf, files, rep.Changed)
	if ntf != nil {
		defer p.offerFeeds(ctx, v, ntf, all, st.Seq)
	}
	out, bg := p.output()
	if out == nil && v.cfg.Out != "" {
		if err := p.claimLocked(v.cfg); err != nil {
			return rep, err
		}
		out = p.dir
	}
	switch {
	case bg != nil:
		bg.submit(&job{v: v, st: st, files: files})
	case out != nil:
		orep, err := p.writeOut(ctx, out, v, st, files)
		rep.FeedsWritten, rep.OtherWritten = orep.FeedsWritten, orep.OtherWritten
		rep.PagesWritten, rep.PagesRemoved = orep.PagesWritten, orep.PagesRemoved
		if err != nil {
			return rep, err
		}
	}
	n := p.renders.Add(1)
	rep.Duration = time.Since(start)
	p.observer().Rendered(rep.Duration)
	p.log.Info("render", "entries", rep.Entries, "live", st.Live, "seq", st.Seq, "changed", rep.Changed,
		"pages_written", rep.PagesWritten, "pages_removed", rep.PagesRemoved, "other_written", rep.OtherWritten, "render", n,
		"duration_ms", rep.Duration.Milliseconds())
	return rep, nil
}

// snapshot makes the server's view of files. Compressing the four representations in
// parallel halves the time a new article waits between the catalog and the served feed.
func snapshot(files []stamped) *server.Snapshot {
	res := make([]*server.Resource, len(files))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() { res[i] = server.NewResource(f.ContentType, f.Body, f.modTime, server.WithLink(f.Link())) })
	}
	wg.Wait()
	snap := &server.Snapshot{Files: make(map[string]*server.Resource, len(files))}
	for i, f := range files {
		path := "/" + f.Name
		if f.Name == feed.NameIndex {
			path = "/"
		}
		snap.Files[path] = res[i]
	}
	return snap
}

// Page renders one article page for the server; it implements server.Pages.
func (p *Publisher) Page(ctx context.Context, slug string) (*server.Resource, error) {
	e, err := p.cat.BySlug(ctx, slug)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, fmt.Errorf("article %q: %w", slug, server.ErrNotFound)
	}
	if errors.Is(err, catalog.ErrRemoved) {
		return nil, fmt.Errorf("article %q: %w", slug, server.ErrGone)
	}
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	c, ok := p.pages[slug]
	r := p.view.r
	p.mu.Unlock()
	if ok && c.seq == e.Seq && c.r == r {
		return c.res, nil
	}
	f, err := r.Page(e)
	if err != nil {
		return nil, err
	}
	res := server.NewResource(f.ContentType, f.Body, e.Updated)
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pages) >= maxCachedPages {
		clear(p.pages)
	}
	p.pages[slug] = cachedPage{seq: e.Seq, r: r, res: res}
	return res, nil
}

// Health reports the catalog size, held articles and last reconcile for /healthz. Its status
// is "failing" while ingests or renders fail (a full state or output disk, say): the feeds
// are still served, from the last good render, but nothing new reaches them until the
// retries succeed.
func (p *Publisher) Health(ctx context.Context) (server.Health, error) {
	st, err := p.cat.Stats(ctx)
	if err != nil {
		return server.Health{}, err
	}
	status := "ok"
	if n, _ := p.failing(); n > 0 {
		status = "failing"
	}
	h := server.Health{Status: status, Articles: st.Live, Rejected: st.Rejected, Renders: p.Renders(),
		Held: st.Held}
	if !st.NextDue.IsZero() {
		h.NextDue = &st.NextDue
	}
	if !st.LastSync.IsZero() {
		h.LastReconcile = &st.LastSync
	}
	p.mu.Lock()
	if p.lastErr != nil {
		e := *p.lastErr
		h.LastError = &e
	}
	p.mu.Unlock()
	if out, bg := p.output(); bg != nil {
		h.Output = bg.health(out.Key())
		if h.Output.State == "retrying" && h.Status == "ok" {
			h.Status = "degraded" // still serving, but the static copy is behind
		}
	}
	return h, nil
}

// noteError keeps err as the last error /healthz reports.
func (p *Publisher) noteError(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastErr = &server.HealthError{At: time.Now().UTC().Truncate(time.Second), Error: err.Error()}
}

// Reconcile runs a full reconcile of the directory and renders when the catalog changed, or
// when this Publisher has rendered nothing yet (at start-up, where nothing is served). What
// it could not finish (files still being written or unreadable for now, a failed render) is
// retried by Run, or by Finish.
func (p *Publisher) Reconcile(ctx context.Context) (Outcome, error) {
	var out Outcome
	var err error
	out.Catalog, err = p.cat.Reconcile(ctx)
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

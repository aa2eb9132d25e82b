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
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/fault"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/manifest"
	"github.com/feedpub/feedpub/internal/server"
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
	PagesEarly   int      // entries whose pages were offered while the catalog imported (a first build)
	ArchiveEarly int      // archive files written while the catalog imported, counted in OtherWritten
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
	Out         string // static output directory; empty writes none
	Force       bool   // write into a non-empty Out feedpub has never written to (see manifest.Claim)
	KeepRemoved bool   // removed entries keep their pages and their place in the feeds
	// PagesDuringImport writes a first write's pages while the catalog imports (see
	// pagesDuringImport): a build is done sooner, but the import, sharing the cores, takes
	// longer, and with it the first render. A daemon leaves it off so that its first start
	// serves the feeds as soon as it can, and writes the pages after.
	PagesDuringImport bool
	Sections          Sections // titles sections from their files; nil titles them by folder name
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
	backoff    fault.Backoff
	retry      pending
	dueCheck   time.Duration
	importTick time.Duration // how often pages are looked for while the catalog imports
	now        func() time.Time

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
	early  *pageWalk // a first write's page walk, begun during the import; under outMu

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
		dueCheck: defaultDueCheck, importTick: defaultImportTick, now: cfg.Now, offeredSeq: -1}
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

// outputLocked is where a render under v writes: the Output SetOutput gave (bg set when it
// is written in the background), else the directory cfg.Out, claimed on first use, else none.
// Called with renderMu held.
func (p *Publisher) outputLocked(v view) (Output, *background, error) {
	out, bg := p.output()
	if out == nil && v.cfg.Out != "" {
		if err := p.claimLocked(v.cfg); err != nil {
			return nil, nil, err
		}
		out = p.dir
	}
	return out, bg, nil
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
	out, bg, err := p.outputLocked(v)
	if err != nil {
		return rep, err
	}
	switch {
	case bg != nil:
		bg.submit(&job{v: v, st: st, files: files})
	case out != nil:
		orep, err := p.writeOut(ctx, out, v, st, files)
		rep.FeedsWritten, rep.OtherWritten = orep.FeedsWritten, orep.OtherWritten
		rep.PagesWritten, rep.PagesRemoved, rep.PagesEarly = orep.PagesWritten, orep.PagesRemoved, orep.PagesEarly
		rep.ArchiveEarly = orep.ArchiveEarly
		if err != nil {
			return rep, err
		}
	}
	n := p.renders.Add(1)
	rep.Duration = time.Since(start)
	p.observer().Rendered(rep.Duration)
	p.log.Info("render", "entries", rep.Entries, "live", st.Live, "seq", st.Seq, "changed", rep.Changed,
		"pages_written", rep.PagesWritten, "pages_removed", rep.PagesRemoved, "pages_early", rep.PagesEarly, "other_written", rep.OtherWritten, "archive_early", rep.ArchiveEarly, "render", n,
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

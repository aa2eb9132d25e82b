// Package publish carries catalog changes to the outputs: it renders the feeds and pages of the
// current catalog once per change and hands them to the HTTP server and the static directory.
// It is the only place that knows the order of the pipeline; each stage stays ignorant of the next.
package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/server"
	"github.com/feedpub/feedpub/internal/watch"
)

// Swapper receives each new set of rendered feeds; *server.Server is one.
type Swapper interface {
	Swap(*server.Snapshot)
}

// Config is what a Publisher needs beyond the catalog.
type Config struct {
	Site        feed.Site
	FeedSize    int
	Out         string // static output directory; empty writes none
	KeepRemoved bool   // removed entries keep their pages
	Logger      *slog.Logger
}

// Publisher renders the catalog. Its methods are safe for concurrent use: the HTTP server asks
// for pages while the ingest loop renders.
type Publisher struct {
	cat *catalog.Catalog
	srv Swapper
	log *slog.Logger

	mu      sync.Mutex // guards cfg, r, pages and renders
	cfg     Config
	r       *feed.Renderer
	siteKey string
	pages   map[string]cachedPage
	renders int
}

type cachedPage struct {
	seq int64
	res *server.Resource
}

// maxCachedPages bounds the page cache: article pages are rendered on demand, and a crawler
// walking 100,000 of them must not make the daemon hold them all.
const maxCachedPages = 512

// New returns a Publisher for cat. It writes cfg.Out, if set, on every render; SetServer adds a
// server to hand each render to.
func New(cat *catalog.Catalog, cfg Config) (*Publisher, error) {
	p := &Publisher{cat: cat, log: cfg.Logger}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	if err := p.SetConfig(cfg); err != nil {
		return nil, err
	}
	return p, nil
}

// SetServer makes every later render swap its feeds into srv. It is separate from New because
// the server in turn asks the Publisher for article pages.
func (p *Publisher) SetServer(srv Swapper) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.srv = srv
}

// SetConfig replaces the site settings (SIGHUP); the next Render uses them.
func (p *Publisher) SetConfig(cfg Config) error {
	if cfg.FeedSize < 1 {
		return fmt.Errorf("feed size %d: must be at least 1", cfg.FeedSize)
	}
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
		Site        feed.Site
		KeepRemoved bool
		Canary      []byte
	}{r.Site(), cfg.KeepRemoved, canary.Body})
	if err != nil {
		return err
	}
	sum := sha256.Sum256(key)
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cfg, p.r, p.siteKey = cfg, r, hex.EncodeToString(sum[:])
	p.pages = map[string]cachedPage{}
	return nil
}

// Renders reports how many times the feeds were rendered, for tests and the health check.
func (p *Publisher) Renders() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.renders
}

// Render builds every representation of the current catalog once, swaps them into the server
// and writes the static directory. Pages are written before the feeds that link to them.
func (p *Publisher) Render(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	start := time.Now()
	entries, err := p.cat.Latest(ctx, p.cfg.FeedSize)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	st, err := p.cat.Stats(ctx)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	updated := st.LastChange
	if updated.IsZero() {
		updated = st.Created
	}
	files, err := p.r.Feeds(entries, updated)
	if err != nil {
		return fmt.Errorf("render: %w", err)
	}
	var pagesWritten, pagesRemoved int
	if p.cfg.Out != "" {
		pagesWritten, pagesRemoved, err = p.writePages(ctx, st.Seq)
		if err != nil {
			return err
		}
		if err := p.writeFeeds(files); err != nil {
			return err
		}
		if err := p.cat.SetMeta(ctx, p.outKey(), fmt.Sprintf("%d %s", st.Seq, p.siteKey)); err != nil {
			return fmt.Errorf("render: %w", err)
		}
	}
	if p.srv != nil {
		snap := &server.Snapshot{Files: make(map[string]*server.Resource, len(files))}
		for _, f := range files {
			path := "/" + f.Name
			if f.Name == "index.html" {
				path = "/"
			}
			snap.Files[path] = server.NewResource(f.ContentType, f.Body, updated)
		}
		p.srv.Swap(snap)
	}
	p.renders++
	p.log.Info("render", "entries", len(entries), "live", st.Live, "seq", st.Seq,
		"pages_written", pagesWritten, "pages_removed", pagesRemoved, "render", p.renders,
		"duration", time.Since(start).Round(time.Microsecond))
	return nil
}

// Page renders one article page for the server; it implements server.Pages.
func (p *Publisher) Page(ctx context.Context, slug string) (*server.Resource, error) {
	e, err := p.cat.BySlug(ctx, slug)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, fmt.Errorf("article %q: %w", slug, server.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.pages[slug]; ok && c.seq == e.Seq {
		return c.res, nil
	}
	f, err := p.r.Page(e)
	if err != nil {
		return nil, err
	}
	res := server.NewResource(f.ContentType, f.Body, e.Updated)
	if len(p.pages) >= maxCachedPages {
		clear(p.pages)
	}
	p.pages[slug] = cachedPage{seq: e.Seq, res: res}
	return res, nil
}

// Health reports the catalog size and last reconcile for /healthz.
func (p *Publisher) Health(ctx context.Context) (server.Health, error) {
	st, err := p.cat.Stats(ctx)
	if err != nil {
		return server.Health{}, err
	}
	return server.Health{Status: "ok", Articles: st.Live, LastSync: st.LastSync, Renders: p.Renders()}, nil
}

// Sync runs a full reconcile and renders if anything changed (or always, when force is set,
// as at start-up where nothing has been rendered yet).
func (p *Publisher) Sync(ctx context.Context, force bool) (catalog.Report, error) {
	rep, err := p.cat.Sync(ctx)
	if err != nil {
		return rep, err
	}
	if force || rep.Changed() {
		return rep, p.Render(ctx)
	}
	return rep, nil
}

// Run ingests the watcher's batches until ctx is done. Batches that queued up while the previous
// one was ingested are merged, so a burst of thousands of files costs a handful of renders.
func (p *Publisher) Run(ctx context.Context, batches <-chan watch.Batch) error {
	for {
		var b watch.Batch
		select {
		case <-ctx.Done():
			return nil
		case b = <-batches:
		}
		paths := map[string]struct{}{}
		rescan, reason := false, ""
		merge := func(b watch.Batch) {
			for _, path := range b.Paths {
				paths[path] = struct{}{}
			}
			if b.Rescan {
				rescan, reason = true, b.Reason
			}
		}
		merge(b)
	drain:
		for {
			select {
			case b := <-batches:
				merge(b)
			default:
				break drain
			}
		}
		// Ingest with a context that outlives a shutdown request: a batch begun is finished, so
		// the catalog never holds half of a burst that the watcher already let go of.
		ictx := context.WithoutCancel(ctx)
		if err := p.ingest(ictx, paths, rescan, reason); err != nil {
			p.log.Error("ingest failed", "err", err)
		}
	}
}

func (p *Publisher) ingest(ctx context.Context, paths map[string]struct{}, rescan bool, reason string) error {
	var rep catalog.Report
	var err error
	if rescan {
		p.log.Info("reconcile requested", "reason", reason)
		rep, err = p.cat.Sync(ctx)
	} else {
		list := make([]string, 0, len(paths))
		for path := range paths {
			list = append(list, path)
		}
		rep, err = p.cat.SyncPaths(ctx, list)
	}
	if err != nil {
		return err
	}
	if !rep.Changed() {
		return nil
	}
	return p.Render(ctx)
}

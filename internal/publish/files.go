package publish

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/server"
)

var (
	_ server.Files     = (*Publisher)(nil)
	_ server.Validated = (*Publisher)(nil)
)

// archiveMaxAge is how long a full archive page may be cached: it changes only when an entry
// on it is edited or leaves the feed.
const archiveMaxAge = 24 * time.Hour

// maxHotBytes bounds the rendered files the daemon keeps (body and gzip): thousands of feeds
// have tens of thousands of files, of which readers poll a few hundred. The rest are rendered
// when asked for, and their validators are kept so that a poll of an unchanged one still costs
// a 304. A count bound was not enough: 1,024 full-text feeds of 300 KB held 390 MB.
const maxHotBytes = 32 << 20

// fileVersion is what a rendered file was made from: the feed's change Seq (the root's for the
// site files) and the renderer (the settings).
type fileVersion struct {
	seq int64
	r   *feed.Renderer
}

type hotFile struct {
	ver  fileVersion
	res  *server.Resource
	hits int
}

// fileCache holds the hot files and the validators of every file rendered so far.
type fileCache struct {
	mu    sync.Mutex
	hot   map[string]*hotFile
	bytes int                // held by hot
	stubs map[string]hotFile // res is a Stub
}

func resSize(r *server.Resource) int { return len(r.Body()) + len(r.Gzip()) }

func newFileCache() *fileCache {
	return &fileCache{hot: map[string]*hotFile{}, stubs: map[string]hotFile{}}
}

// reset forgets everything: the settings changed.
func (c *fileCache) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.hot)
	clear(c.stubs)
	c.bytes = 0
}

func (c *fileCache) get(name string, ver fileVersion) *server.Resource {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.hot[name]; ok && h.ver == ver {
		h.hits++
		return h.res
	}
	return nil
}

func (c *fileCache) stub(name string, ver fileVersion) *server.Resource {
	c.mu.Lock()
	defer c.mu.Unlock()
	if h, ok := c.stubs[name]; ok && h.ver == ver {
		return h.res
	}
	return nil
}

// put keeps res as name's file, evicting the least polled half when over budget.
func (c *fileCache) put(name string, ver fileVersion, res *server.Resource) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stubs[name] = hotFile{ver: ver, res: res.Stub()}
	if old, ok := c.hot[name]; ok {
		c.bytes -= resSize(old.res)
		delete(c.hot, name)
	}
	size := resSize(res)
	if size > maxHotBytes/8 {
		return // a file this large is rendered each time rather than crowd out the rest
	}
	for c.bytes+size > maxHotBytes && len(c.hot) > 0 {
		hits := make([]int, 0, len(c.hot))
		for _, h := range c.hot {
			hits = append(hits, h.hits)
		}
		median := quickMedian(hits)
		for k, h := range c.hot {
			if h.hits <= median {
				c.bytes -= resSize(h.res)
				delete(c.hot, k)
			} else {
				h.hits /= 2 // what was polled long ago yields to what is polled now
			}
		}
	}
	c.hot[name] = &hotFile{ver: ver, res: res, hits: 1}
	c.bytes += size
}

func quickMedian(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	// A counting pass is enough: hit counts are small, and exactness does not matter.
	lo, hi := xs[0], xs[0]
	for _, x := range xs {
		lo, hi = min(lo, x), max(hi, x)
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		n := 0
		for _, x := range xs {
			if x <= mid {
				n++
			}
		}
		if 2*n >= len(xs) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// resolve finds the feed and version a served name belongs to.
func (p *Publisher) resolve(ctx context.Context, name string) (catalog.Feed, feed.Target, fileVersion, error) {
	v, _, _ := p.current()
	if isSiteFile(name) {
		root, err := p.cat.FeedBySlug(ctx, catalog.KindRoot, "")
		return root, feed.Target{Kind: catalog.KindRoot, Page: -2}, fileVersion{root.Seq, v.r}, err
	}
	t, ok := feed.ParsePath(name)
	if !ok {
		return catalog.Feed{}, t, fileVersion{}, fmt.Errorf("%s: %w", name, server.ErrNotFound)
	}
	f, err := p.cat.FeedBySlug(ctx, t.Kind, t.Slug)
	if errors.Is(err, catalog.ErrNotFound) {
		return f, t, fileVersion{}, fmt.Errorf("%s: %w", name, server.ErrNotFound)
	}
	if err != nil {
		return f, t, fileVersion{}, err
	}
	if t.Page >= feed.Pages(f.Ords) {
		return f, t, fileVersion{}, fmt.Errorf("%s: %w", name, server.ErrNotFound)
	}
	return f, t, fileVersion{f.Seq, v.r}, nil
}

// Stub returns the validators of name's current file, if it was rendered since it last
// changed; it implements server.Validated.
func (p *Publisher) Stub(ctx context.Context, name string) *server.Resource {
	_, _, ver, err := p.resolve(ctx, name)
	if err != nil {
		return nil
	}
	return p.files.stub(name, ver)
}

// File serves a feed file that is not in the Snapshot: a section's, author's or tag's
// documents, any archive page, the sitemaps, robots.txt and feeds.opml. It implements
// server.Files. A file is rendered on demand with the documents made with it (a feed's four
// subscription documents, a page's four formats) and kept while it is polled.
func (p *Publisher) File(ctx context.Context, name string) (*server.Resource, error) {
	f, t, ver, err := p.resolve(ctx, name)
	if err != nil {
		return nil, err
	}
	if res := p.files.get(name, ver); res != nil {
		return res, nil
	}
	v, _, _ := p.current()
	if v.r != ver.r {
		return nil, fmt.Errorf("%s: settings changed while serving", name)
	}
	var all []catalog.Feed
	if t.Page < 0 && needsAll(f) { // the site files (-2) are the root's
		if all, err = p.cat.Feeds(ctx); err != nil {
			return nil, err
		}
	}
	var files []feed.File
	switch {
	case t.Page == -2:
		files, err = p.siteFiles(ctx, v, all, nil)
	case t.Page < 0:
		files, err = p.subscription(ctx, v, f, all)
	default:
		files, err = p.archivePage(ctx, v, f, t.Page)
	}
	if err != nil {
		return nil, err
	}
	var out *server.Resource
	for _, file := range files {
		res := p.resource(f, t, file)
		served := feed.ServedPath(file.Name)
		p.files.put(served, ver, res)
		if served == name {
			out = res
		}
	}
	if out == nil {
		return nil, fmt.Errorf("%s: %w", name, server.ErrNotFound)
	}
	return out, nil
}

// fullArchivePage says whether page k of f's archive is full, so that it changes only when an
// entry on it is edited or leaves the feed: it is cached for archiveMaxAge, served or in a bucket.
func fullArchivePage(f catalog.Feed, k int) bool { return k >= 0 && k < feed.Pages(f.Ords)-1 }

// resource makes the served form of a rendered file: full archive pages get a long max-age.
func (p *Publisher) resource(f catalog.Feed, t feed.Target, file feed.File) *server.Resource {
	mod := f.Changed
	if fullArchivePage(f, t.Page) {
		return server.NewArchiveResource(file.ContentType, file.Body, mod, archiveMaxAge)
	}
	return server.NewResource(file.ContentType, file.Body, mod, server.WithLink(file.Link()))
}

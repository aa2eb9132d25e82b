package publish

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/manifest"
	"github.com/feedpub/feedpub/internal/server"
	"github.com/feedpub/feedpub/internal/testfix"
)

var day0 = time.Date(2024, 7, 9, 10, 0, 0, 0, time.UTC)

// recSwapper records every Snapshot it is handed; it is the consumer-side interface.
type recSwapper struct {
	mu    sync.Mutex
	snaps []*server.Snapshot
}

func (r *recSwapper) Swap(s *server.Snapshot) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.snaps = append(r.snaps, s)
}

func (r *recSwapper) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.snaps)
}

func (r *recSwapper) last() *server.Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.snaps) == 0 {
		return nil
	}
	return r.snaps[len(r.snaps)-1]
}

type env struct {
	t     *testing.T
	ctx   context.Context
	dir   string // article directory
	out   string // static output directory
	cat   *catalog.Catalog
	cfg   Config
	pub   *Publisher
	sw    *recSwapper
	last  RenderReport // what the latest e.render did
	files *testfix.Dir // the article directory dir, each write with a distinct mtime
	clock atomic.Int64 // the publisher's clock, Unix seconds; starts an hour after day0
}

func testSite(title string) feed.Site {
	return feed.Site{
		Title:       title,
		Description: "Test publication",
		BaseURL:     "https://example.org/news/",
		Language:    "en",
		FeedID:      "tag:example.org,2024-07-09:feed",
	}
}

type envOpt func(*catalog.Config, *Config)

func keepRemoved(cc *catalog.Config, pc *Config) { cc.KeepRemoved, pc.KeepRemoved = true, true }
func noOut(_ *catalog.Config, pc *Config)        { pc.Out = "" }

func newEnv(t *testing.T, opts ...envOpt) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{t: t, ctx: context.Background(), dir: filepath.Join(root, "src"),
		out: filepath.Join(root, "out"), sw: &recSwapper{}}
	e.files = testfix.NewDir(t, e.dir, day0.Add(-24*time.Hour))
	cc := catalog.Config{Path: filepath.Join(root, "state", "catalog.db"), Dir: e.dir,
		Authority: "example.org", Now: func() time.Time { return day0 }}
	e.clock.Store(day0.Add(time.Hour).Unix())
	e.cfg = Config{Site: testSite("Test Site"), FeedSize: 20, Out: e.out,
		Now: func() time.Time { return time.Unix(e.clock.Load(), 0) }}
	for _, o := range opts {
		o(&cc, &e.cfg)
	}
	cat, err := catalog.Open(e.ctx, cc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cat.Close() })
	e.cat = cat
	e.pub, err = New(cat, e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.pub.SetServer(e.sw)
	return e
}

// write creates or replaces an article file, giving it a fresh mtime.
func (e *env) write(rel, body string) { e.t.Helper(); e.files.Write(rel, body) }
func (e *env) copySeed(rel string)    { e.t.Helper(); e.files.CopySeed(rel) }
func (e *env) remove(rel string)      { e.t.Helper(); e.files.Remove(rel) }

func (e *env) sync() catalog.Report {
	e.t.Helper()
	rep, err := e.cat.Reconcile(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return rep
}

func (e *env) render() {
	e.t.Helper()
	rep, err := e.pub.Render(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	e.last = rep
}

// std writes three articles (two plain texts and the news seed), syncs and renders them.
func (e *env) std() {
	e.t.Helper()
	e.write("alpha.txt", "Alpha\n\nBody of the alpha article.")
	e.write("beta.txt", "Beta\n\nBody of the beta article.")
	e.copySeed("news/yoon.txt")
	if rep := e.sync(); len(rep.Added) != 3 || len(rep.Rejected) != 0 {
		e.t.Fatalf("sync: added %d, rejected %v", len(rep.Added), rep.Rejected)
	}
	e.render()
}

// entry returns the catalog entry (live or removed) whose source is rel.
func (e *env) entry(rel string) catalog.Entry {
	e.t.Helper()
	var found *catalog.Entry
	err := e.cat.Each(e.ctx, 0, func(en catalog.Entry) error {
		if en.Path == rel {
			found = &en
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if found == nil {
		e.t.Fatalf("no entry for %s", rel)
	}
	return *found
}

// page is the output-relative name of the page of rel's entry.
func (e *env) page(rel string) string { return "articles/" + e.entry(rel).Slug + ".html" }

func (e *env) read(name string) []byte {
	e.t.Helper()
	b, err := os.ReadFile(filepath.Join(e.out, filepath.FromSlash(name)))
	if err != nil {
		e.t.Fatal(err)
	}
	return b
}

func (e *env) exists(name string) bool {
	_, err := os.Stat(filepath.Join(e.out, filepath.FromSlash(name)))
	return err == nil
}

// outFiles maps every regular file below the output directory to its mtime.
func (e *env) outFiles() map[string]time.Time {
	e.t.Helper()
	m := map[string]time.Time{}
	err := filepath.WalkDir(e.out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(e.out, p)
		if rel == manifest.Name {
			return nil // feedpub's record of the others, not output
		}
		m[filepath.ToSlash(rel)] = fi.ModTime()
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// changedFiles lists, sorted, the files added, removed or with a new mtime between two outFiles.
func changedFiles(before, after map[string]time.Time) []string {
	var out []string
	for k, v := range after {
		if w, ok := before[k]; !ok || !w.Equal(v) {
			out = append(out, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// tempFiles lists the stager's temp files left anywhere below dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), tempPrefix) && strings.HasSuffix(d.Name(), tempSuffix) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// wantPerm is the permission a file created with mode 0644 gets under the process umask (0644
// under the usual 022 or 002), which is what the stager's files must have.
func wantPerm(t *testing.T) fs.FileMode {
	t.Helper()
	p := filepath.Join(t.TempDir(), "probe")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

// mtimeTick lets the file system clock move on, so that a rewrite shows as a new mtime.
func mtimeTick() { time.Sleep(20 * time.Millisecond) }

var feedNames = []string{"atom.xml", "feed.json", "index.html", "rss.xml"}

// rootFiles are the files of the root feed in the test catalog: its subscription documents,
// its one archive page, and the sitemap listing its articles.
var rootFiles = append([]string{"archive/0.html", "archive/0.json", "archive/0.rss", "archive/0.xml", "sitemap.xml"}, feedNames...)

// isOtherFeedFile says whether name belongs to a feed other than the root, or the site.
func isOtherFeedFile(name string) bool {
	for _, p := range []string{"archive/", "sections/", "authors/", "tags/", "sitemap", "robots.txt", "feeds.opml"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

package publish

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/fault"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/manifest"
	"github.com/feedpub/feedpub/internal/server"
	"github.com/feedpub/feedpub/internal/watch"
)

func TestNewRejectsBadConfig(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"feed size zero", func(c *Config) { c.FeedSize = 0 }},
		{"no title", func(c *Config) { c.Site.Title = " " }},
		{"relative base URL", func(c *Config) { c.Site.BaseURL = "/news/" }},
		{"feed id is a link", func(c *Config) { c.Site.FeedID = c.Site.BaseURL + "rss.xml" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := e.cfg
			tc.mod(&cfg)
			if _, err := New(e.cat, cfg); err == nil {
				t.Fatal("New accepted the config")
			}
			if err := e.pub.SetConfig(cfg); err == nil {
				t.Fatal("SetConfig accepted the config")
			}
		})
	}
	// The rejected SetConfig calls left the working settings in place.
	e.std()
	if b := e.read("index.html"); !bytes.Contains(b, []byte("Test Site")) {
		t.Fatalf("index.html lost the site title after rejected SetConfig calls")
	}
}

func TestRenderWritesOutput(t *testing.T) {
	e := newEnv(t)
	e.std()

	want := append([]string(nil), feedNames...)
	for _, rel := range []string{"alpha.txt", "beta.txt", "news/yoon.txt"} {
		want = append(want, e.page(rel))
	}
	slices.Sort(want)
	got := slices.Sorted(func(yield func(string) bool) {
		for k := range e.outFiles() {
			if !isOtherFeedFile(k) && !yield(k) {
				return
			}
		}
	})
	for _, other := range []string{"archive/0.xml", "sections/news/atom.xml", "sections/news/archive/0.rss", "authors/na-ri-shin/feed.json",
		"sitemap.xml", "robots.txt", "feeds.opml"} {
		if !e.exists(other) {
			t.Errorf("no %s", other)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("output files:\n got %q\nwant %q", got, want)
	}
	for _, name := range want {
		fi, err := os.Stat(filepath.Join(e.out, name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != wantPerm(t) {
			t.Errorf("%s: mode %v, want %v", name, fi.Mode().Perm(), wantPerm(t))
		}
	}
	if tmps := tempFiles(t, e.out); len(tmps) > 0 {
		t.Errorf("temp files left: %q", tmps)
	}
	yoon := e.read(e.page("news/yoon.txt"))
	if !bytes.Contains(yoon, []byte("Russia Needs to Judge Carefully")) || !bytes.Contains(yoon, []byte("Test Site")) {
		t.Errorf("news page lacks its title or the site title:\n%.400s", yoon)
	}
	for _, name := range feedNames {
		if b := e.read(name); !bytes.Contains(b, []byte("Alpha")) || !bytes.Contains(b, []byte("Beta")) {
			t.Errorf("%s does not list both plain-text articles", name)
		}
	}
	if n := e.pub.Renders(); n != 1 {
		t.Errorf("Renders() = %d, want 1", n)
	}
	if n := e.last.PagesWritten; n != 3 {
		t.Errorf("pages_written = %d, want 3", n)
	}
	if len(e.last.Changed) != 4 || e.last.FeedsWritten != 4 || e.last.Entries != 3 {
		t.Errorf("first render: %+v, want all four representations changed and written", e.last)
	}
}

func TestRenderWithoutOutWritesNothing(t *testing.T) {
	e := newEnv(t, noOut)
	e.std()
	if _, err := os.Stat(e.out); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("output directory created without Out: %v", err)
	}
	if e.sw.count() != 1 || len(e.sw.last().Files) != 4 {
		t.Fatalf("swapper got %d snapshots, want 1 with 4 files", e.sw.count())
	}
}

func TestSecondRenderTouchesNothing(t *testing.T) {
	e := newEnv(t)
	e.std()
	before := e.outFiles()
	mtimeTick()
	if rep := e.sync(); rep.Changed() {
		t.Fatalf("no-op sync reported changes: %+v", rep)
	}
	e.render()
	if ch := changedFiles(before, e.outFiles()); len(ch) > 0 {
		t.Fatalf("no-change render touched %q", ch)
	}
	if w, r := e.last.PagesWritten, e.last.PagesRemoved; w != 0 || r != 0 || e.last.FeedsWritten != 0 || len(e.last.Changed) != 0 {
		t.Fatalf("no-change render: %+v", e.last)
	}

	// A publisher started afresh (a restart) with the same settings remembers the output
	// through the catalog and also skips everything.
	p2, err := New(e.cat, e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	mtimeTick()
	if _, err := p2.Render(e.ctx); err != nil {
		t.Fatal(err)
	}
	if ch := changedFiles(before, e.outFiles()); len(ch) > 0 {
		t.Fatalf("render after restart touched %q", ch)
	}

	// Forgetting the output record forces a full render: every page is rendered and compared,
	// but identical bytes keep their files (and mtimes).
	if err := e.cat.SetMeta(e.ctx, outKey(e.out), ""); err != nil {
		t.Fatal(err)
	}
	mtimeTick()
	e.render()
	if ch := changedFiles(before, e.outFiles()); len(ch) > 0 {
		t.Fatalf("full render of unchanged catalog touched %q", ch)
	}
}

func TestIncrementalRender(t *testing.T) {
	e := newEnv(t)
	e.std()
	before := e.outFiles()
	beta := e.page("beta.txt")

	mtimeTick()
	e.write("beta.txt", "Beta\n\nA rewritten body of the beta article.")
	if rep := e.sync(); len(rep.Updated) != 1 {
		t.Fatalf("edit: %+v", rep)
	}
	e.render()
	after := e.outFiles()
	ch := changedFiles(before, after)
	if !slices.Contains(ch, beta) {
		t.Fatalf("edited page %s not rewritten; changed %q", beta, ch)
	}
	for _, name := range ch {
		if name != beta && !slices.Contains(rootFiles, name) {
			t.Errorf("edit of beta touched %s", name)
		}
	}
	if !bytes.Contains(e.read(beta), []byte("rewritten body")) {
		t.Errorf("%s lacks the new body", beta)
	}
	if n := e.last.PagesWritten; n != 1 {
		t.Errorf("pages_written = %d, want 1", n)
	}
}

func TestRemovedArticlePage(t *testing.T) {
	for _, tc := range []struct {
		name     string
		opts     []envOpt
		wantPage bool
	}{
		{"removed", nil, false},
		{"kept", []envOpt{keepRemoved}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts...)
			e.std()
			alpha, beta := e.page("alpha.txt"), e.page("beta.txt")
			before := e.outFiles()
			mtimeTick()
			e.remove("alpha.txt")
			if rep := e.sync(); len(rep.Removed) != 1 {
				t.Fatalf("remove: %+v", rep)
			}
			e.render()
			if got := e.exists(alpha); got != tc.wantPage {
				t.Fatalf("page of removed article exists = %v, want %v", got, tc.wantPage)
			}
			for _, name := range changedFiles(before, e.outFiles()) {
				if name != alpha && !slices.Contains(rootFiles, name) {
					t.Errorf("removal of alpha touched %s", name)
				}
			}
			if !e.exists(beta) {
				t.Errorf("page %s of a live article vanished", beta)
			}
			// keep_removed: "keep deleted articles in the feeds" (README).
			for _, name := range feedNames {
				if got := bytes.Contains(e.read(name), []byte("Alpha")); got != tc.wantPage {
					t.Errorf("%s lists the removed article = %v, want %v", name, got, tc.wantPage)
				}
			}
			wantRemoved := 1
			if tc.wantPage {
				wantRemoved = 0
			}
			if n := e.last.PagesRemoved; n != wantRemoved {
				t.Errorf("pages_removed = %d, want %d", n, wantRemoved)
			}
			// A later full render agrees with the incremental one.
			if err := e.pub.SetConfig(withTitle(e.cfg, "Another Title")); err != nil {
				t.Fatal(err)
			}
			e.render()
			if got := e.exists(alpha); got != tc.wantPage {
				t.Fatalf("after a full render, page of removed article exists = %v, want %v", got, tc.wantPage)
			}
		})
	}
}

// TestFeedSizeWithRemoved checks that removed entries do not eat into the feed size: before the
// fix, with keep_removed a removed entry took one of the FeedSize places and was then dropped by
// the renderer, so the feeds shrank.
func TestFeedSizeWithRemoved(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []envOpt
		wantBeta  bool
		wantItems int
	}{
		{"removed", nil, false, 2},
		{"kept", []envOpt{keepRemoved}, true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, tc.opts...)
			e.cfg.FeedSize = 2
			if err := e.pub.SetConfig(e.cfg); err != nil {
				t.Fatal(err)
			}
			e.std()
			e.remove("beta.txt")
			e.sync()
			e.render()
			rss := e.read("rss.xml")
			if n := bytes.Count(rss, []byte("<item>")); n != tc.wantItems {
				t.Errorf("rss has %d items, want %d", n, tc.wantItems)
			}
			if got := bytes.Contains(rss, []byte("Beta")); got != tc.wantBeta {
				t.Errorf("rss lists the removed article = %v, want %v", got, tc.wantBeta)
			}
			if n := bytes.Count(e.read("atom.xml"), []byte("<entry>")); n != tc.wantItems {
				t.Errorf("atom has %d entries, want %d", n, tc.wantItems)
			}
		})
	}
}

func withTitle(cfg Config, title string) Config {
	cfg.Site.Title = title
	return cfg
}

func TestFullRewriteOnSiteChange(t *testing.T) {
	e := newEnv(t)
	e.std()
	before := e.outFiles()
	mtimeTick()
	if err := e.pub.SetConfig(withTitle(e.cfg, "Renamed Site")); err != nil {
		t.Fatal(err)
	}
	e.render()
	after := e.outFiles()
	// robots.txt and the sitemap carry no title.
	untitled := []string{"robots.txt", "sitemap.xml"}
	if ch := changedFiles(before, after); len(ch) != len(before)-len(untitled) {
		t.Fatalf("site change rewrote %q of %d files", ch, len(before))
	}
	for name := range after {
		if slices.Contains(untitled, name) {
			continue
		}
		b := e.read(name)
		if !bytes.Contains(b, []byte("Renamed Site")) || bytes.Contains(b, []byte("Test Site")) {
			t.Errorf("%s does not carry the new title only", name)
		}
	}
	if n := e.last.PagesWritten; n != 3 {
		t.Errorf("pages_written = %d, want 3", n)
	}
	// Setting the same settings again is not a change.
	if err := e.pub.SetConfig(withTitle(e.cfg, "Renamed Site")); err != nil {
		t.Fatal(err)
	}
	mtimeTick()
	e.render()
	if ch := changedFiles(after, e.outFiles()); len(ch) > 0 {
		t.Errorf("re-applying the same settings touched %q", ch)
	}
}

func TestRenderRestoresEmptiedOutput(t *testing.T) {
	e := newEnv(t)
	e.std()
	want := map[string][]byte{}
	for name := range e.outFiles() {
		want[name] = e.read(name)
	}
	for name := range want {
		if err := os.Remove(filepath.Join(e.out, name)); err != nil {
			t.Fatal(err)
		}
	}
	e.render()
	got := e.outFiles()
	if len(got) != len(want) {
		t.Fatalf("restored %d files, want %d", len(got), len(want))
	}
	for name, body := range want {
		if !bytes.Equal(e.read(name), body) {
			t.Errorf("%s restored with different bytes", name)
		}
	}
	if n := e.last.PagesWritten; n != 3 {
		t.Errorf("pages_written = %d, want 3", n)
	}

	// The whole directory gone (rm -rf out) is the same.
	if err := os.RemoveAll(e.out); err != nil {
		t.Fatal(err)
	}
	e.render()
	if got := e.outFiles(); len(got) != len(want) {
		t.Fatalf("after rm -rf: restored %d files, want %d", len(got), len(want))
	}
}

// A full render deletes the pages feedpub wrote that no entry owns any more, and nothing else:
// the output directory may be a web root with hand-made files.
func TestStalePagesRemovedOnFullRender(t *testing.T) {
	stray := func(e *env) {
		e.t.Helper()
		for name, body := range map[string]string{"old.html": "<p>old</p>", "hand.html": "<p>hand-made</p>", "notes.txt": "keep me"} {
			if err := os.WriteFile(filepath.Join(e.out, "articles", name), []byte(body), 0o644); err != nil {
				e.t.Fatal(err)
			}
		}
		// old.html stands for a page feedpub wrote for an entry it no longer has.
		if err := e.pub.dir.man.Record("articles/old.html"); err != nil {
			e.t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name    string
		trigger func(e *env) // makes the next render a full one, after std() and stray()
	}{
		{name: "site change", trigger: func(e *env) {
			if err := e.pub.SetConfig(withTitle(e.cfg, "New Title")); err != nil {
				e.t.Fatal(err)
			}
		}},
		{name: "index removed", trigger: func(e *env) {
			if err := os.Remove(filepath.Join(e.out, "index.html")); err != nil {
				e.t.Fatal(err)
			}
		}},
		{name: "keep removed changed", trigger: func(e *env) {
			cfg := e.cfg
			cfg.KeepRemoved = true
			if err := e.pub.SetConfig(cfg); err != nil {
				e.t.Fatal(err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.std()
			stray(e)
			// An incremental render leaves files it does not know about alone.
			e.render()
			if !e.exists("articles/old.html") {
				t.Fatal("incremental render removed a stray page")
			}
			tc.trigger(e)
			e.render()
			if e.exists("articles/old.html") {
				t.Error("feedpub's stale articles/old.html survived a full render")
			}
			for _, keep := range []string{"articles/hand.html", "articles/notes.txt"} {
				if !e.exists(keep) {
					t.Errorf("a full render removed %s, which feedpub did not write", keep)
				}
			}
			for _, rel := range []string{"alpha.txt", "beta.txt", "news/yoon.txt"} {
				if !e.exists(e.page(rel)) {
					t.Errorf("page of %s missing", rel)
				}
			}
		})
	}
}

// A web root feedpub has never written to is refused unless forced; forced, feedpub writes
// beside its files and never overwrites or deletes one it did not write.
func TestOutputSharedGround(t *testing.T) {
	e := newEnv(t)
	if err := os.MkdirAll(e.out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.out, "about.html"), []byte("hand-made"), 0o644); err != nil {
		t.Fatal(err)
	}
	e.write("alpha.txt", "Alpha\n\nBody.")
	e.sync()
	if _, err := e.pub.Render(e.ctx); !errors.Is(err, manifest.ErrForeign) {
		t.Fatalf("render into a foreign web root: %v, want manifest.ErrForeign", err)
	}
	if e.exists("atom.xml") {
		t.Error("a refused render wrote atom.xml")
	}
	cfg := e.cfg
	cfg.Force = true
	pub, err := New(e.cat, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pub.Render(e.ctx); err != nil {
		t.Fatalf("forced render: %v", err)
	}
	defer pub.Close()
	if b := e.read("about.html"); string(b) != "hand-made" {
		t.Errorf("about.html is now %q", b)
	}
	// A hand-made file appearing at a name feedpub is about to write is left alone, loudly.
	e.write("beta.txt", "Beta\n\nBody.")
	e.sync()
	if err := os.WriteFile(filepath.Join(e.out, e.page("beta.txt")), []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	pub2, err := New(e.cat, e.cfg) // not forced
	if err != nil {
		t.Fatal(err)
	}
	defer pub2.Close()
	if _, err := pub2.Render(e.ctx); !errors.Is(err, manifest.ErrForeign) || !strings.Contains(err.Error(), e.page("beta.txt")) {
		t.Errorf("overwriting a hand-made page: %v, want manifest.ErrForeign naming it", err)
	}
	if b := e.read(e.page("beta.txt")); string(b) != "mine" {
		t.Errorf("the hand-made page was overwritten: %q", b)
	}
}

func TestRenderRemovesStaleTemps(t *testing.T) {
	e := newEnv(t)
	e.std()
	for _, p := range []string{".feedpub-rss.xml.tmp", "articles/.feedpub-alpha.html.tmp"} {
		if err := os.WriteFile(filepath.Join(e.out, filepath.FromSlash(p)), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	e.render()
	if tmps := tempFiles(t, e.out); len(tmps) > 0 {
		t.Fatalf("stale temp files survived a render: %q", tmps)
	}
}

func TestSnapshot(t *testing.T) {
	e := newEnv(t)
	e.std()
	if n := e.sw.count(); n != 1 {
		t.Fatalf("swapper got %d snapshots, want 1", n)
	}
	snap := e.sw.last()
	want := map[string]struct{ file, ctype string }{
		"/":          {"index.html", feed.ContentTypeHTML},
		"/rss.xml":   {"rss.xml", feed.ContentTypeRSS},
		"/atom.xml":  {"atom.xml", feed.ContentTypeAtom},
		"/feed.json": {"feed.json", feed.ContentTypeJSON},
	}
	if len(snap.Files) != len(want) {
		t.Errorf("snapshot keys: %v", slices.Sorted(func(y func(string) bool) {
			for k := range snap.Files {
				y(k)
			}
		}))
	}
	// The bytes first appeared at the first render: that is every Last-Modified.
	firstRender := time.Unix(e.clock.Load(), 0)
	for key, w := range want {
		res := snap.Files[key]
		if res == nil {
			t.Errorf("snapshot lacks %s", key)
			continue
		}
		if res.ContentType() != w.ctype {
			t.Errorf("%s: content type %q, want %q", key, res.ContentType(), w.ctype)
		}
		if !bytes.Equal(res.Body(), e.read(w.file)) {
			t.Errorf("%s: body differs from %s on disk", key, w.file)
		}
		if !res.ModTime().Equal(firstRender) {
			t.Errorf("%s: ModTime %v, want the first render's %v", key, res.ModTime(), firstRender)
		}
	}
	// Every render swaps, even one that changes nothing on disk.
	e.render()
	if n := e.sw.count(); n != 2 {
		t.Fatalf("swapper got %d snapshots after second render, want 2", n)
	}
}

func TestPage(t *testing.T) {
	e := newEnv(t)
	e.std()
	alpha, beta := e.entry("alpha.txt").Slug, e.entry("beta.txt").Slug

	r1, err := e.pub.Page(e.ctx, alpha)
	if err != nil {
		t.Fatal(err)
	}
	if r1.ContentType() != feed.ContentTypeHTML {
		t.Errorf("content type %q", r1.ContentType())
	}
	if !bytes.Equal(r1.Body(), e.read("articles/"+alpha+".html")) {
		t.Error("served page differs from the static page")
	}
	if r2, err := e.pub.Page(e.ctx, alpha); err != nil || r2 != r1 {
		t.Fatalf("second Page: %p, %v; want the cached %p", r2, err, r1)
	}

	e.write("alpha.txt", "Alpha\n\nAn edited alpha body.")
	e.sync()
	r3, err := e.pub.Page(e.ctx, alpha)
	if err != nil {
		t.Fatal(err)
	}
	if r3 == r1 || !bytes.Contains(r3.Body(), []byte("edited alpha body")) {
		t.Fatal("Page served the cached page after an edit")
	}

	// New settings drop the cache.
	if err := e.pub.SetConfig(withTitle(e.cfg, "Other")); err != nil {
		t.Fatal(err)
	}
	r4, err := e.pub.Page(e.ctx, alpha)
	if err != nil {
		t.Fatal(err)
	}
	if r4 == r3 || !bytes.Contains(r4.Body(), []byte("Other")) {
		t.Fatal("Page served a page of the old settings")
	}

	e.remove("beta.txt")
	e.sync()
	for _, slug := range []string{"no-such-article", ""} {
		res, err := e.pub.Page(e.ctx, slug)
		if !errors.Is(err, server.ErrNotFound) || res != nil {
			t.Errorf("Page(%q) = %v, %v; want ErrNotFound", slug, res, err)
		}
	}
	// A removed article is remembered: Gone, not unknown.
	if res, err := e.pub.Page(e.ctx, beta); !errors.Is(err, server.ErrGone) || res != nil {
		t.Errorf("Page(removed %q) = %v, %v; want ErrGone", beta, res, err)
	}
}

func TestPageKeepRemoved(t *testing.T) {
	e := newEnv(t, keepRemoved)
	e.std()
	beta := e.entry("beta.txt").Slug
	e.remove("beta.txt")
	e.sync()
	res, err := e.pub.Page(e.ctx, beta)
	if err != nil {
		t.Fatalf("Page of a kept removed article: %v", err)
	}
	if !bytes.Contains(res.Body(), []byte("Beta")) {
		t.Fatal("kept page lacks its title")
	}
}

func TestPageCacheBounded(t *testing.T) {
	e := newEnv(t)
	e.std()
	e.pub.mu.Lock()
	for i := range maxCachedPages {
		e.pub.pages[strings.Repeat("x", i+1)] = cachedPage{}
	}
	e.pub.mu.Unlock()
	if _, err := e.pub.Page(e.ctx, e.entry("alpha.txt").Slug); err != nil {
		t.Fatal(err)
	}
	e.pub.mu.Lock()
	n := len(e.pub.pages)
	e.pub.mu.Unlock()
	if n > maxCachedPages {
		t.Fatalf("page cache holds %d pages, bound is %d", n, maxCachedPages)
	}
}

func TestHealth(t *testing.T) {
	e := newEnv(t)
	h, err := e.pub.Health(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if h.Status != "ok" || h.Articles != 0 || h.Renders != 0 || h.LastReconcile != nil || h.LastError != nil {
		t.Fatalf("empty catalog: %+v", h)
	}
	e.std()
	if h, err = e.pub.Health(e.ctx); err != nil {
		t.Fatal(err)
	}
	if h.Articles != 3 || h.Renders != 1 || h.LastReconcile == nil || !h.LastReconcile.Equal(day0) {
		t.Fatalf("three articles: %+v", h)
	}
	e.remove("alpha.txt")
	if _, err := e.pub.Reconcile(e.ctx); err != nil {
		t.Fatal(err)
	}
	if h, err = e.pub.Health(e.ctx); err != nil {
		t.Fatal(err)
	}
	if h.Articles != 2 || h.Renders != 2 {
		t.Fatalf("after a removal: %+v", h)
	}
}

func TestReconcile(t *testing.T) {
	e := newEnv(t)
	e.write("alpha.txt", "Alpha\n\nBody.")
	out, err := e.pub.Reconcile(e.ctx)
	if err != nil || len(out.Catalog.Added) != 1 || !out.Rendered {
		t.Fatalf("Reconcile: %+v, %v", out, err)
	}
	if n := e.pub.Renders(); n != 1 {
		t.Fatalf("Renders() = %d after a changing Reconcile, want 1", n)
	}
	if _, err := e.pub.Reconcile(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.pub.Renders(); n != 1 {
		t.Fatalf("Renders() = %d after a no-change Reconcile, want 1", n)
	}
	if _, err := e.pub.Render(e.ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.pub.Renders(); n != 2 {
		t.Fatalf("Renders() = %d after a Render, want 2", n)
	}
	// A Publisher that has rendered nothing yet (start-up) renders even when nothing changed.
	fresh := newEnv(t)
	if out, err := fresh.pub.Reconcile(fresh.ctx); err != nil || out.Catalog.Changed() || !out.Rendered || fresh.sw.count() != 1 {
		t.Fatalf("first Reconcile of an empty directory: %+v, %v, %d snapshots", out, err, fresh.sw.count())
	}
}

// runPub starts Run and returns a function that cancels it and returns its result.
func runPub(t *testing.T, e *env, batches chan watch.Batch) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.pub.Run(ctx, batches) }()
	t.Cleanup(cancel)
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after cancel")
			return nil
		}
	}
}

// waitRenders waits until the publisher has rendered n times.
func waitRenders(t *testing.T, p *Publisher, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for p.Renders() < n {
		if time.Now().After(deadline) {
			t.Fatalf("Renders() = %d, waited for %d", p.Renders(), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func (e *env) latestTitles() []string {
	e.t.Helper()
	es, err := e.cat.Latest(e.ctx, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, en := range es {
		out = append(out, en.Title)
	}
	slices.Sort(out)
	return out
}

func TestRunIngestsBatch(t *testing.T) {
	e := newEnv(t)
	e.std()
	batches := make(chan watch.Batch)
	stop := runPub(t, e, batches)

	e.write("gamma.txt", "Gamma\n\nA new article.")
	batches <- watch.Batch{Paths: []string{"gamma.txt"}}
	waitRenders(t, e.pub, 2)
	if !slices.Contains(e.latestTitles(), "Gamma") {
		t.Fatalf("new article not in the catalog: %q", e.latestTitles())
	}
	if !e.exists(e.page("gamma.txt")) || !bytes.Contains(e.read("rss.xml"), []byte("Gamma")) {
		t.Fatal("new article not published")
	}

	// A batch that changes nothing renders nothing: it and the next, changing, one cost one
	// render together, whether or not Run merges them.
	batches <- watch.Batch{Paths: []string{"alpha.txt", "no-such-file.txt"}}
	e.remove("gamma.txt")
	batches <- watch.Batch{Paths: []string{"gamma.txt"}}
	waitRenders(t, e.pub, 3)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := e.pub.Renders(); n != 3 {
		t.Fatalf("Renders() = %d, want 3", n)
	}
	if slices.Contains(e.latestTitles(), "Gamma") {
		t.Fatal("removed article still in the catalog")
	}
}

func TestRunMergesQueuedBatches(t *testing.T) {
	e := newEnv(t)
	batches := make(chan watch.Batch, 8)
	var want []string
	for i := range 5 {
		rel := string(rune('a'+i)) + ".txt"
		title := "Article " + string(rune('A'+i))
		e.write(rel, title+"\n\nBody "+rel)
		want = append(want, title)
		batches <- watch.Batch{Paths: []string{rel}}
	}
	stop := runPub(t, e, batches)
	waitRenders(t, e.pub, 1)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := e.pub.Renders(); n != 1 {
		t.Fatalf("five queued batches cost %d renders, want 1", n)
	}
	if got := e.latestTitles(); !slices.Equal(got, want) {
		t.Fatalf("catalog titles %q, want %q", got, want)
	}
	if len(batches) != 0 {
		t.Fatalf("%d batches left unread", len(batches))
	}
}

func TestRunRescan(t *testing.T) {
	e := newEnv(t)
	e.std()
	batches := make(chan watch.Batch, 4)
	// Changes the watcher never reported: only a full reconcile finds them.
	e.write("delta.txt", "Delta\n\nUnreported.")
	e.remove("beta.txt")
	batches <- watch.Batch{Rescan: true, Reason: "test"}
	stop := runPub(t, e, batches)
	waitRenders(t, e.pub, 2)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	got := e.latestTitles()
	if !slices.Contains(got, "Delta") || slices.Contains(got, "Beta") {
		t.Fatalf("rescan did not reconcile: %q", got)
	}
	if e.exists(e.page("beta.txt")) {
		t.Fatal("page of removed article survived the rescan render")
	}
}

func TestRunStops(t *testing.T) {
	t.Run("cancel", func(t *testing.T) {
		e := newEnv(t)
		stop := runPub(t, e, make(chan watch.Batch))
		if err := stop(); err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		e := newEnv(t)
		ctx, cancel := context.WithCancel(e.ctx)
		cancel()
		if err := e.pub.Run(ctx, make(chan watch.Batch)); err != nil {
			t.Fatalf("Run: %v", err)
		}
	})
	t.Run("closed channel", func(t *testing.T) {
		e := newEnv(t)
		batches := make(chan watch.Batch, 2)
		e.write("a.txt", "A\n\nBody.")
		batches <- watch.Batch{Paths: []string{"a.txt"}}
		close(batches)
		done := make(chan error, 1)
		go func() { done <- e.pub.Run(e.ctx, batches) }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after its channel was closed")
		}
		if n := e.pub.Renders(); n != 1 {
			t.Fatalf("the batch queued before close cost %d renders, want 1", n)
		}
	})
}

// TestConcurrentUse runs renders, page requests, health checks and reconfiguration at once, for
// the race detector.
func TestConcurrentUse(t *testing.T) {
	e := newEnv(t)
	e.std()
	slugs := []string{e.entry("alpha.txt").Slug, e.entry("beta.txt").Slug, e.entry("news/yoon.txt").Slug}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	wg.Go(func() {
		// Not e.write: t.Fatal must not be called off the test goroutine.
		beta := filepath.Join(e.dir, "beta.txt")
		for i := range 5 {
			mt := day0.Add(time.Duration(i+1) * time.Minute)
			if err := os.WriteFile(beta, []byte("Beta\n\nBody version "+strings.Repeat("x", i)), 0o644); err != nil {
				errs <- err
			} else if err := os.Chtimes(beta, mt, mt); err != nil {
				errs <- err
			}
			if _, err := e.pub.Reconcile(e.ctx); err != nil {
				errs <- err
			}
		}
	})
	wg.Go(func() {
		for i := range 3 {
			title := "Test Site"
			if i%2 == 0 {
				title = "Test Site Again"
			}
			if err := e.pub.SetConfig(withTitle(e.cfg, title)); err != nil {
				errs <- err
			}
			if _, err := e.pub.Render(e.ctx); err != nil {
				errs <- err
			}
		}
	})
	for range 2 {
		wg.Go(func() {
			for i := range 30 {
				if _, err := e.pub.Page(e.ctx, slugs[i%len(slugs)]); err != nil {
					errs <- err
				}
				if _, err := e.pub.Health(e.ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// Whatever the interleaving, one more render leaves the output consistent with the catalog.
	e.render()
	for _, s := range slugs {
		res, err := e.pub.Page(e.ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(res.Body(), e.read("articles/"+s+".html")) {
			t.Errorf("page %s on disk differs from the served one", s)
		}
	}
	if tmps := tempFiles(t, e.out); len(tmps) > 0 {
		t.Errorf("temp files left: %q", tmps)
	}
}

// A reconcile that fails (here the article directory is gone, as with an unmounted share) is
// retried until it succeeds, without unpublishing anything meanwhile.
func TestRunRetriesFailedIngest(t *testing.T) {
	e := newEnv(t)
	e.std()
	e.pub.backoff = fault.Backoff{Min: 30 * time.Millisecond, Max: 30 * time.Millisecond}
	away := e.dir + ".away"
	if err := os.Rename(e.dir, away); err != nil {
		t.Fatal(err)
	}
	batches := make(chan watch.Batch, 1)
	batches <- watch.Batch{Rescan: true, Reason: "root vanished"}
	before := e.pub.Renders()
	stop := runPub(t, e, batches)
	time.Sleep(150 * time.Millisecond) // several retries fail meanwhile
	if got := e.latestTitles(); len(got) != 3 {
		t.Fatalf("entries while the directory is gone: %q, want all 3 kept", got)
	}
	if err := os.Rename(away, e.dir); err != nil {
		t.Fatal(err)
	}
	e.write("late.txt", "Late\n\nWritten while nobody was watching.")
	waitRenders(t, e.pub, before+1)
	if err := stop(); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := e.latestTitles(); len(got) != 4 || !slices.Contains(got, "Late") {
		t.Fatalf("after the directory came back: %q", got)
	}
}

package main

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/feedcheck"
	"github.com/feedpub/feedpub/internal/testgen"
)

func mdArticle(front string) []byte {
	return []byte("---\n" + front + "\n---\nThe body of the article.\n")
}

// titles returns the sorted item titles of the feed at path, checked by gofeed.
func titles(t *testing.T, d *daemon, path string) []string {
	t.Helper()
	var out []string
	for _, it := range d.feed(path).Items {
		out = append(out, it.Title)
	}
	slices.Sort(out)
	return out
}

// TestFeedsPerSectionAuthorTag: each section, author and tag feed holds exactly its articles,
// in every format, valid for the outside checkers; the OPML lists them all and newsboat
// imports it; a move between folders keeps the id and moves the entry.
func TestFeedsPerSectionAuthorTag(t *testing.T) {
	dir := t.TempDir()
	drop(t, dir, "politics/korea/a.md", mdArticle("title: Alpha\ndate: 2024-07-01T10:00:00Z\nauthor: Kim Jae <kim@example.org>\ntags: [Economy]"))
	drop(t, dir, "politics/b.md", mdArticle("title: Beta\ndate: 2024-07-02T10:00:00Z\nauthors: [\"Lee <lee@example.org>\", \"KIM JAE <Kim@Example.org>\"]\ntags: [economy, Seoul]"))
	drop(t, dir, "sports/c.html", []byte(`<!DOCTYPE html><html><head><title>Charlie</title>
<meta property="article:published_time" content="2024-07-03T10:00:00Z"><meta name="author" content="Park">
<meta property="article:section" content="Baseball"></head><body><article><p>Charlie's body.</p></article></body></html>`))
	drop(t, dir, "d.md", mdArticle("title: Delta\ndate: 2024-07-04T10:00:00Z\ntags: [Seoul]"))
	drop(t, dir, "politics/_section.toml", []byte("title = \"Politics & Power\"\ndescription = \"Parliament\"\n"))
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))

	want := map[string][]string{
		"":                         {"Alpha", "Beta", "Charlie", "Delta"},
		"sections/politics/":       {"Alpha", "Beta"},
		"sections/politics/korea/": {"Alpha"},
		"sections/sports/":         {"Charlie"},
		"authors/kim-jae/":         {"Alpha", "Beta"}, // one person by e-mail, whatever the spelling
		"authors/lee/":             {"Beta"},
		"authors/park/":            {"Charlie"},
		"tags/economy/":            {"Alpha", "Beta"}, // one tag whatever the case
		"tags/seoul/":              {"Beta", "Delta"},
		"tags/baseball/":           {"Charlie"}, // from article:section
	}
	for dirPath, titlesWant := range want {
		for _, name := range []string{"rss.xml", "atom.xml", "feed.json"} {
			path := "/" + dirPath + name
			if got := titles(t, d, path); !slices.Equal(got, titlesWant) {
				t.Errorf("%s: %q, want %q", path, got, titlesWant)
			}
			_, body := d.get(path)
			switch name {
			case "atom.xml":
				feedcheck.Jing(t, body)
			case "feed.json":
				feedcheck.JSONSchema(t, body)
			case "rss.xml":
				feedcheck.Feedparser(t, body, func(t *testing.T, p feedcheck.Parsed) {
					if p.Bozo != 0 || len(p.Entries) != len(titlesWant) {
						t.Errorf("%s: feedparser bozo %d %s, %d entries", path, p.Bozo, p.BozoException, len(p.Entries))
					}
				})
			}
		}
		if dirPath == "" {
			continue
		}
		resp, page := d.get("/" + dirPath)
		if resp.StatusCode != http.StatusOK || !bytes.Contains(page, []byte(`<link rel="alternate" type="application/atom+xml"`)) ||
			!bytes.Contains(page, []byte(d.base+"/"+dirPath+"atom.xml")) {
			t.Errorf("/%s: %s, no autodiscovery of its own feeds", dirPath, resp.Status)
		}
	}
	if f := d.feed("/sections/politics/atom.xml"); !strings.HasPrefix(f.Title, "Politics & Power — ") || f.Description != "Parliament" {
		t.Errorf("section file: title %q description %q", f.Title, f.Description)
	}
	if _, root := d.get("/"); !bytes.Contains(root, []byte(`href="`+d.base+`/sections/politics/">Politics &amp; Power</a>`)) {
		t.Errorf("the root index does not link to the sections:\n%s", root)
	}
	for _, p := range []string{"/sections/nope/rss.xml", "/sections/politics/archive/9.xml", "/authors/kim-jae", "/tags/seoul/index.html"} {
		if resp, _ := d.get(p); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", p, resp.Status)
		}
	}

	// feeds.opml lists every feed; newsboat imports it.
	_, opml := d.get("/feeds.opml")
	var doc struct {
		Version string `xml:"version,attr"`
	}
	if err := xml.Unmarshal(opml, &doc); err != nil || doc.Version != "2.0" {
		t.Fatalf("feeds.opml: %v version %q\n%s", err, doc.Version, opml)
	}
	urls := regexp.MustCompile(`xmlUrl="([^"]+)"`).FindAllSubmatch(opml, -1)
	var listed []string
	for _, u := range urls {
		listed = append(listed, string(u[1]))
	}
	var wantURLs []string
	for dirPath := range want {
		wantURLs = append(wantURLs, d.base+"/"+dirPath+"rss.xml")
	}
	slices.Sort(listed)
	slices.Sort(wantURLs)
	if !slices.Equal(listed, wantURLs) {
		t.Errorf("feeds.opml lists %q, want %q", listed, wantURLs)
	}
	feedcheck.Newsboat(t, func(t *testing.T, nb string) {
		home := t.TempDir()
		file := filepath.Join(home, "feeds.opml")
		os.WriteFile(file, opml, 0o644)
		urlsFile := filepath.Join(home, "urls")
		cmd := exec.Command(nb, "-i", file, "-u", urlsFile, "-c", filepath.Join(home, "cache.db"))
		cmd.Env = append(os.Environ(), "HOME="+home)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("newsboat -i: %v\n%s", err, out)
		}
		b, _ := os.ReadFile(urlsFile)
		for _, u := range wantURLs {
			if !bytes.Contains(b, []byte(u)) {
				t.Errorf("newsboat did not import %s:\n%s", u, b)
			}
		}
	})

	// A move between folders keeps the id and moves the entry between section feeds.
	id := entryIDs(d.feed("/atom.xml"))["Alpha"]
	if err := os.Rename(filepath.Join(dir, "politics/korea/a.md"), filepath.Join(dir, "sports/a.md")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "Alpha in sports", func() bool { return hasTitle(d.feed("/sections/sports/atom.xml"), "Alpha") })
	if got := entryIDs(d.feed("/sections/sports/atom.xml"))["Alpha"]; got != id {
		t.Errorf("moved entry id %q, was %q", got, id)
	}
	if got := titles(t, d, "/sections/politics/rss.xml"); !slices.Equal(got, []string{"Beta"}) {
		t.Errorf("politics after the move: %q", got)
	}
	if got := titles(t, d, "/sections/politics/korea/feed.json"); len(got) != 0 {
		t.Errorf("politics/korea after the move: %q", got)
	}
	if got := titles(t, d, "/rss.xml"); len(got) != 4 {
		t.Errorf("root after the move: %q", got)
	}
}

// moveAll moves every file under src into dst, keeping relative paths, each by a rename.
func moveAll(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if err := os.MkdirAll(filepath.Join(dst, filepath.Dir(rel)), 0o755); err != nil {
			return err
		}
		return os.Rename(p, filepath.Join(dst, rel))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestArchives is an RFC 5005 client: following prev-archive from each subscription document
// yields every entry exactly once; 1,000 new articles change no full archive page; editing an
// old article changes exactly one. Every article is reachable by links from /, and the sitemap
// lists every one within sitemaps.org's limits.
func TestArchives(t *testing.T) {
	dir := t.TempDir()
	if _, err := testgen.WriteDir(dir, 7, 250, 800, 100); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))

	root := walkArchive(t, d, "/atom.xml")
	if len(root.ids) != 250 || len(root.order) != 3 {
		t.Fatalf("root archive: %d entries on %d pages, want 250 on 3", len(root.ids), len(root.order))
	}
	if rss := walkArchive(t, d, "/rss.xml"); len(rss.ids) != 250 {
		t.Errorf("rss archive: %d entries", len(rss.ids))
	}
	if ids := walkJSONPages(t, d, "/feed.json"); len(ids) != 250 {
		t.Errorf("json pages: %d entries", len(ids))
	}
	for id, n := range walkJSONPages(t, d, "/feed.json") {
		if n != 1 {
			t.Errorf("json pages: %s seen %d times", id, n)
		}
	}
	if sec := walkArchive(t, d, "/sections/d0001/atom.xml"); len(sec.ids) != 100 {
		t.Errorf("section d0001 archive: %d entries", len(sec.ids))
	}
	for _, p := range root.order {
		feedcheck.Jing(t, root.pages[p])
	}

	// A full archive page is cached long and revalidated cheaply.
	oldest := root.order[len(root.order)-1]
	resp, _ := d.get(oldest)
	if cc := resp.Header.Get("Cache-Control"); cc != "public, max-age=86400" {
		t.Errorf("%s: Cache-Control %q", oldest, cc)
	}
	req, _ := http.NewRequest("GET", d.base+oldest, nil)
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	if r, err := http.DefaultClient.Do(req); err != nil || r.StatusCode != http.StatusNotModified {
		t.Errorf("conditional GET %s: %v %v", oldest, err, r)
	} else {
		r.Body.Close()
	}

	checkReachable(t, d, 250)

	// 1,000 more articles: no full archive page changes.
	staging := t.TempDir()
	if _, err := testgen.WriteDir(staging, 8, 1000, 800, 100); err != nil {
		t.Fatal(err)
	}
	moveAll(t, staging, dir)
	// 1,250 entries fill 13 pages: the subscription document links to page 12 once all are in.
	waitFor(t, 30*time.Second, "1,250 articles in the feed", func() bool {
		_, b := d.get("/atom.xml")
		if parseArchiveDoc(t, b).links["prev-archive"] != d.base+"/archive/12.xml" {
			return false
		}
		_, b = d.get("/archive/12.xml")
		return len(parseArchiveDoc(t, b).ids) == 50
	})
	after := walkArchive(t, d, "/atom.xml")
	if len(after.ids) != 1250 {
		t.Fatalf("root archive after adding: %d entries", len(after.ids))
	}
	for _, p := range root.order[1:] {
		if !bytes.Equal(after.pages[p], root.pages[p]) {
			t.Errorf("adding articles changed the full archive page %s", p)
		}
	}

	// Editing an old article changes exactly the archive page that holds it.
	drop(t, dir, filepath.Join("d0000", testgen.Name(7, 0)), append(testgen.Article(7, 0, 800), []byte("\n\nA correction was appended.")...))
	var changed []string
	waitFor(t, 5*time.Second, "the edit in the archive", func() bool {
		changed = changed[:0]
		for _, p := range after.order {
			if _, b := d.get(p); !bytes.Equal(b, after.pages[p]) {
				changed = append(changed, p)
			}
		}
		return len(changed) > 0
	})
	if len(changed) != 1 || changed[0] != "/archive/0.xml" {
		t.Errorf("the edit changed archive pages %q, want only /archive/0.xml", changed)
	}
}

var hrefRE = regexp.MustCompile(`href="([^"]+)"`)

// checkReachable crawls the HTML pages from / and checks that every article the sitemap lists
// is linked from some page, and that the sitemap keeps to sitemaps.org's limits.
func checkReachable(t *testing.T, d *daemon, n int) {
	t.Helper()
	resp, sm := d.get("/sitemap.xml")
	if resp.StatusCode != 200 || len(sm) > 50<<20 {
		t.Fatalf("sitemap.xml: %s, %d bytes", resp.Status, len(sm))
	}
	var set struct {
		XMLName xml.Name
		URLs    []struct {
			Loc     string `xml:"loc"`
			LastMod string `xml:"lastmod"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal(sm, &set); err != nil || set.XMLName.Local != "urlset" || len(set.URLs) > 50_000 {
		t.Fatalf("sitemap.xml: %v %s with %d urls", err, set.XMLName.Local, len(set.URLs))
	}
	articles := map[string]bool{}
	for _, u := range set.URLs {
		if _, err := time.Parse(time.RFC3339, u.LastMod); err != nil {
			t.Errorf("sitemap lastmod %q: %v", u.LastMod, err)
		}
		if strings.Contains(u.Loc, "/articles/") {
			articles[strings.TrimPrefix(u.Loc, d.base)] = false
		}
	}
	if len(articles) != n {
		t.Fatalf("sitemap lists %d articles, want %d", len(articles), n)
	}
	if _, robots := d.get("/robots.txt"); !bytes.Contains(robots, []byte("Sitemap: "+d.base+"/sitemap.xml")) {
		t.Errorf("robots.txt does not name the sitemap:\n%s", robots)
	}
	seen := map[string]bool{"/": true}
	queue := []string{"/"}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		_, body := d.get(p)
		for _, m := range hrefRE.FindAllSubmatch(body, -1) {
			u := strings.TrimPrefix(string(m[1]), d.base)
			if !strings.HasPrefix(u, "/") || seen[u] {
				continue
			}
			seen[u] = true
			if _, ok := articles[u]; ok {
				articles[u] = true
				continue
			}
			// Index and archive pages; feeds and article pages are not crawled.
			if strings.HasSuffix(u, "/") || strings.HasSuffix(u, ".html") && !strings.HasPrefix(u, "/articles/") {
				queue = append(queue, u)
			}
		}
	}
	for u, ok := range articles {
		if !ok {
			t.Errorf("%s is not reachable from /", u)
		}
	}
}

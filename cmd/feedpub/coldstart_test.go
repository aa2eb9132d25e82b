package main

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/article"
	"github.com/feedpub/feedpub/internal/feedcheck"
	"github.com/feedpub/feedpub/internal/testgen"
)

// TestColdStartServesFeedsBeforePages: on a first start with --out over a large directory the
// root feeds answer 200, valid and holding the newest entries, as soon as the catalog holds
// the articles, while the article pages are still being written; a page not yet on disk is
// rendered on demand.
func TestColdStartServesFeedsBeforePages(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 5,000 articles")
	}
	const n, feedSize = 5000, 20
	dir, out := t.TempDir(), t.TempDir()
	if _, err := testgen.WriteDir(dir, 12, n, 1500, 1000); err != nil {
		t.Fatal(err)
	}
	d := launch(t, launchOpts{dir: dir, state: filepath.Join(t.TempDir(), "state.db"), noWait: true,
		args: []string{"--out", out, "--feed-size", "20"}})

	var atom []byte
	var onDisk int
	for deadline := time.Now().Add(120 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no 200 for /atom.xml within 120 s")
		}
		resp, err := http.Get(d.base + "/atom.xml")
		if err != nil {
			continue // not listening yet
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			continue
		}
		// Counted at once: the pages of a first start appear together when all are written.
		onDisk = countPages(t, out)
		_, atom = d.get("/atom.xml")
		break
	}
	if onDisk == n {
		t.Fatalf("all %d pages were on disk when the feed was first served; want the feed first", n)
	}
	t.Logf("atom.xml served with %d of %d pages on disk", onDisk, n)

	// Complete for the newest entries: the feed holds exactly the feedSize newest articles.
	f := feedcheck.Gofeed(t, atom)
	var got []string
	for _, it := range f.Items {
		got = append(got, it.Title)
	}
	if want := newestTitles(t, dir, feedSize); !slices.Equal(sorted(got), sorted(want)) {
		t.Errorf("feed holds %q,\nwant the newest %q", got, want)
	}

	// A page not yet written is served on demand.
	link := f.Items[0].Link
	slug := strings.TrimSuffix(link[strings.LastIndex(link, "/")+1:], ".html")
	_, statErr := os.Stat(filepath.Join(out, "articles", slug+".html"))
	resp, body := d.get("/articles/" + slug + ".html")
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "<h1>") {
		t.Errorf("GET the page of %s during the first start: %s", slug, resp.Status)
	}
	if statErr == nil {
		t.Logf("(the page of %s was already on disk)", slug)
	}
	feedcheck.Jing(t, atom)
	waitFor(t, 120*time.Second, "every page on disk", func() bool { return countPages(t, out) == n })
}

func countPages(t *testing.T, out string) int {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(out, "articles", "*.html"))
	if err != nil {
		t.Fatal(err)
	}
	return len(pages)
}

// newestTitles parses every article in dir and returns the titles of the k newest.
func newestTitles(t *testing.T, dir string, k int) []string {
	t.Helper()
	type art struct {
		title string
		at    time.Time
	}
	var all []art
	err := filepath.WalkDir(dir, func(p string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		a, err := article.ParseFile(p, article.Options{})
		if err != nil {
			return err
		}
		all = append(all, art{a.Title, a.Published})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(all, func(a, b art) int { return b.at.Compare(a.at) })
	var out []string
	for _, a := range all[:k] {
		out = append(out, a.title)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

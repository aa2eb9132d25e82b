package catalog

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/testfix"
)

// copyTree copies testdata/v2 (the old catalog and its articles) into a temp dir, so the test
// never writes to the repository.
func copyTree(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if fi.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// TestOldCatalogKeepsSlugs opens a catalog minted by feedpub 535e9b7, whose slug rule kept only
// ASCII letters and digits: the migration and the new rule must leave every minted id and slug
// as it was (readers and links know them), and only entries minted from now on get the new rule.
func TestOldCatalogKeepsSlugs(t *testing.T) {
	root := copyTree(t, filepath.Join("testdata", "v2"))
	e := newEnv(t, func(c *Config) {
		c.Path = filepath.Join(root, "catalog.db")
		c.Dir = filepath.Join(root, "articles")
		c.Authority = "news.example.org"
	})
	e.dir = filepath.Join(root, "articles")
	e.files = testfix.NewDir(t, e.dir, time.Unix(1_800_000_000, 0))
	old := map[string][2]string{ // path -> id, slug as 535e9b7 minted them
		"cafe.txt":  {"tag:news.example.org,2026-12-01:cafe-au-lait", "cafe-au-lait"},
		"fare.txt":  {"tag:news.example.org,2026-12-01:150", "150"},
		"hello.txt": {"tag:news.example.org,2026-12-01:hello-world", "hello-world"},
		"tokyo.txt": {"tag:news.example.org,2026-12-01:tokyo", "tokyo"},
		"日本.txt":    {"tag:news.example.org,2026-12-01:article", "article"},
		"gone.txt":  {"tag:news.example.org,2026-12-01:gone-article", "gone-article"},
	}
	check := func(when string) {
		t.Helper()
		for path, want := range old {
			en := e.entry(path)
			if en.ID != want[0] || en.Slug != want[1] {
				t.Errorf("%s: %s has id %q slug %q, want %q %q", when, path, en.ID, en.Slug, want[0], want[1])
			}
		}
	}
	check("after the migration")
	// The checkout gave every file a new mtime: each is read, found to have the same bytes,
	// and left alone.
	r := e.reconcile()
	if r.Changed() || len(r.Rejected) > 0 {
		t.Fatalf("first reconcile after the migration changed something: %+v", r)
	}
	check("after a reconcile")
	// An edit keeps the old slug even though the new rule would name the title otherwise.
	e.write("fare.txt", plain("서울시, 지하철 요금 150원 인상", "요금이 오른다. 수정됨."))
	wantCounts(t, e.reconcile(), "a0 u1 r0 m0 x0")
	check("after an edit")

	// New articles get the new rule; a slug held by a removed entry is still never reused.
	e.write("new/fare.txt", plain("서울시, 지하철 요금 150원 인상", "다른 기사."))
	e.write("new/cafe.txt", plain("Café au lait", "Another breakfast."))
	e.write("new/gone.txt", plain("Gone Article", "A new article with the old title."))
	wantCounts(t, e.reconcile(), "a3 u0 r0 m0 x0")
	for path, want := range map[string]string{
		"new/fare.txt": "서울시-지하철-요금-150원-인상",
		"new/cafe.txt": "café-au-lait",
		"new/gone.txt": "gone-article-2",
	} {
		if got := e.entry(path).Slug; got != want {
			t.Errorf("new %s: slug %q, want %q", path, got, want)
		}
	}
	e.reopen()
	check("after a restart")
}

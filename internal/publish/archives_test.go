package publish

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/manifest"
)

// The list of sections is on the root's index page only: an incremental write rewrites just
// the archive pages whose members changed, so an archive page that listed the sections would
// keep the list it was written with when a section is added later.
func TestArchivePagesListNoSections(t *testing.T) {
	e := newEnv(t)
	for i := range 250 {
		e.write(fmt.Sprintf("early/a%03d.txt", i), fmt.Sprintf("Headline %d\n\nBody %d.", i, i))
	}
	e.sync()
	e.render()
	e.write("later/b.txt", "Later headline\n\nA new section's first article.")
	e.sync()
	e.render()
	idx := string(e.read("index.html"))
	for _, want := range []string{`<nav class="sections">`, `sections/early/">early</a>`, `sections/later/">later</a>`} {
		if !strings.Contains(idx, want) {
			t.Errorf("index.html lacks %s:\n%s", want, idx)
		}
	}
	for _, name := range []string{"archive/0.html", "archive/1.html", "archive/2.html", "sections/early/archive/0.html"} {
		if body := string(e.read(name)); strings.Contains(body, `class="sections"`) {
			t.Errorf("%s lists sections:\n%s", name, body)
		}
	}
}

// newsroom writes n articles in nested sections, by three authors (one of them co-writing
// every fifth), with two tags each: every kind of feed gets archive pages.
func newsroom(e *env, n int) {
	e.t.Helper()
	authors := []string{"Kim Jae <kim@example.org>", "Lee Na <lee@example.org>", "Park Min"}
	for i := range n {
		by := `"` + authors[i%3] + `"`
		if i%5 == 0 {
			by += `, "` + authors[(i+1)%3] + `"`
		}
		e.write(fmt.Sprintf("desk%d/beat%d/a%05d.md", i%3, i%2, i), fmt.Sprintf(
			"---\ntitle: Headline %d\nauthors: [%s]\ntags: [topic-%d, Topic-%d]\n---\nBody of article %d.\n",
			i, by, i%4, i%7, i))
	}
}

// treeOf maps every file below dir, but feedpub's manifest, to its bytes.
func treeOf(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == manifest.Name {
			return nil // its lines are in the order the files were recorded
		}
		b, err := os.ReadFile(p)
		m[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// A first build writes the archive pages that are final during the import, and the output is
// byte for byte the one a build that writes them all after the import makes.
func TestFirstBuildWritesArchivesDuringImport(t *testing.T) {
	const n = 2600
	early := newEnv(t, func(_ *catalog.Config, pc *Config) { pc.PagesDuringImport = true })
	early.pub.importTick = time.Millisecond
	late := newEnv(t)
	var reps [2]RenderReport
	for i, e := range []*env{early, late} {
		newsroom(e, n)
		out, err := e.pub.Reconcile(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		reps[i] = out.Render
	}
	feeds, err := early.cat.Feeds(early.ctx)
	if err != nil {
		t.Fatal(err)
	}
	final := 0
	for _, f := range feeds {
		final += finalPages(f.Ords)
	}
	// The import commits 2,000 files at a time, so pages final after the first commits are
	// there to be written before it ends; four files a page.
	if reps[0].ArchiveEarly == 0 || reps[0].ArchiveEarly > 4*final || reps[0].ArchiveEarly%4 != 0 {
		t.Errorf("archive files written during the import: %d, want a multiple of 4 in 4..%d", reps[0].ArchiveEarly, 4*final)
	}
	if reps[1].ArchiveEarly != 0 {
		t.Errorf("a build without pages during the import wrote %d archive files early", reps[1].ArchiveEarly)
	}
	if reps[0].OtherWritten != reps[1].OtherWritten {
		t.Errorf("feed files written: %d, %d without early pages", reps[0].OtherWritten, reps[1].OtherWritten)
	}
	t.Logf("%d of %d final archive pages written during the import", reps[0].ArchiveEarly/4, final)
	if tmps := tempFiles(t, early.out); len(tmps) > 0 {
		t.Errorf("temp files left: %q", tmps)
	}
	if _, err := os.Stat(freshTreePath(early.out)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("hidden tree left: %v", err)
	}
	out, err := early.pub.Reconcile(early.ctx) // nothing to do: the write was recorded complete
	if err != nil {
		t.Fatal(err)
	}
	if out.Rendered && out.Render.OtherWritten != 0 {
		t.Errorf("second build wrote %d feed files", out.Render.OtherWritten)
	}
	got, want := treeOf(t, early.out), treeOf(t, late.out)
	for name, body := range want {
		if !bytes.Equal(got[name], body) {
			t.Errorf("%s differs from the build without early pages:\n%.400s\nwant:\n%.400s", name, got[name], body)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: only in the build with early pages", name)
		}
	}
	t.Logf("%d files compared", len(got))
}

// An archive page written during the import whose member changes before the render is
// written again by it: what was written early is checked, not assumed final.
func TestEarlyArchivePageRewrittenAfterChange(t *testing.T) {
	e := newEnv(t, func(_ *catalog.Config, pc *Config) { pc.PagesDuringImport = true })
	e.pub.importTick = time.Millisecond
	for i := range 250 {
		e.write(fmt.Sprintf("a%03d.txt", i), fmt.Sprintf("Headline %d\n\nBody %d.", i, i))
	}
	e.sync()
	stop := e.pub.pagesDuringImport(e.ctx) // as if the import were still going on
	hidden := filepath.Join(freshTreePath(e.out), "archive")
	waitFile(t, filepath.Join(hidden, "1.html"))
	if e.exists("archive/0.html") {
		t.Error("an archive page written during the import is visible before the render")
	}
	page0, err := os.ReadFile(filepath.Join(hidden, "0.html"))
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	for !bytes.Contains(page0, fmt.Appendf(nil, ">Headline %d</a>", i)) {
		if i++; i == 250 {
			t.Fatalf("no headline on archive page 0:\n%s", page0)
		}
	}
	e.write(fmt.Sprintf("a%03d.txt", i), fmt.Sprintf("Edited headline\n\nBody %d.", i))
	e.sync()
	stop(true)
	e.render()
	if e.last.ArchiveEarly == 0 {
		t.Error("no archive file counted as written during the import")
	}
	body := e.read("archive/0.html")
	if !bytes.Contains(body, []byte(">Edited headline</a>")) || bytes.Contains(body, fmt.Appendf(nil, ">Headline %d</a>", i)) {
		t.Errorf("archive/0.html kept the headline it was written with during the import:\n%s", body)
	}
}

// waitFile waits for p to exist, as a walk during the import writes it.
func waitFile(t *testing.T, p string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for _, err := os.Stat(p); err != nil; _, err = os.Stat(p) {
		if time.Now().After(deadline) {
			t.Fatalf("not written during the import: %v", err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A first build cut short after writing archive pages during the import leaves only hidden
// directories; the next build, by a new process, deletes them and writes the output whole.
func TestFirstBuildCutShortLeavesHiddenArchives(t *testing.T) {
	e := newEnv(t, func(_ *catalog.Config, pc *Config) { pc.PagesDuringImport = true })
	e.pub.importTick = time.Millisecond
	for i := range 250 {
		e.write(fmt.Sprintf("a%03d.txt", i), fmt.Sprintf("Headline %d\n\nBody %d.", i, i))
	}
	e.sync()
	stop := e.pub.pagesDuringImport(e.ctx)
	waitFile(t, filepath.Join(freshTreePath(e.out), "archive", "1.html"))
	stop(false) // the import failed; what it wrote stays on disk as a crash would leave it
	if e.exists("archive/0.html") || e.exists(e.page("a000.txt")) {
		t.Fatal("files of the cut-short build are visible")
	}
	if err := e.pub.Close(); err != nil {
		t.Fatal(err)
	}
	pub, err := New(e.cat, e.cfg) // the next process
	if err != nil {
		t.Fatal(err)
	}
	defer pub.Close()
	rep, err := pub.Render(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rep.ArchiveEarly != 0 || rep.PagesWritten != 250 {
		t.Errorf("render wrote %d pages, %d archive files early; want 250 and none", rep.PagesWritten, rep.ArchiveEarly)
	}
	for _, p := range []string{freshTreePath(e.out), freshPath(filepath.Join(e.out, "articles"))} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s left: %v", p, err)
		}
	}
	for _, name := range []string{"archive/0.html", "archive/1.xml", "archive/2.json", e.page("a249.txt")} {
		if !e.exists(name) {
			t.Errorf("%s missing", name)
		}
	}
}

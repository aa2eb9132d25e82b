package publish

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
)

// A first build writes its pages while the catalog imports (the import commits 2,000 files at
// a time and the walk takes each commit's entries), and the result is the same static copy:
// every page once, none visible before the render's flush, nothing left behind.
func TestFirstBuildWritesPagesDuringImport(t *testing.T) {
	const n = 2600
	e := newEnv(t, func(_ *catalog.Config, pc *Config) { pc.PagesDuringImport = true })
	e.pub.importTick = time.Millisecond
	for i := range n {
		e.write(fmt.Sprintf("d%d/a%04d.txt", i/1000, i), fmt.Sprintf("Headline number %d\n\nBody of article %d.", i, i))
	}
	out, err := e.pub.Reconcile(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(out.Catalog.Added); got != n {
		t.Fatalf("added %d, want %d", got, n)
	}
	r := out.Render
	if r.PagesEarly == 0 || r.PagesEarly > n {
		t.Errorf("pages offered during the import = %d, want between 1 and %d", r.PagesEarly, n)
	}
	t.Logf("%d of %d pages offered during the import", r.PagesEarly, n)
	if r.PagesWritten != n {
		t.Errorf("pages written = %d, want %d", r.PagesWritten, n)
	}
	pages, err := os.ReadDir(filepath.Join(e.out, feed.PagesDir))
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != n {
		t.Errorf("%d files in %s, want %d", len(pages), feed.PagesDir, n)
	}
	if tmps := tempFiles(t, e.out); len(tmps) > 0 {
		t.Errorf("temp files left: %q", tmps)
	}
	for _, i := range []int{0, 1999, 2000, n - 1} {
		body := e.read(e.page(fmt.Sprintf("d%d/a%04d.txt", i/1000, i)))
		if !bytes.Contains(body, fmt.Appendf(nil, "Headline number %d<", i)) {
			t.Errorf("page of article %d lacks its headline:\n%.300s", i, body)
		}
	}
	// The write was recorded as complete: a rebuild has nothing to do.
	out, err = e.pub.Reconcile(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if out.Rendered && (out.Render.PagesWritten != 0 || out.Render.PagesEarly != 0) {
		t.Errorf("second reconcile wrote %d pages (%d early), want none", out.Render.PagesWritten, out.Render.PagesEarly)
	}
}

// A daemon (PagesDuringImport off) writes a first start's pages only after its first render,
// which serves the feeds as soon as the import is done.
func TestFirstStartPagesAfterRender(t *testing.T) {
	e := newEnv(t)
	e.pub.importTick = time.Millisecond
	for i := range 30 {
		e.write(fmt.Sprintf("a%02d.txt", i), fmt.Sprintf("Headline %d\n\nBody %d.", i, i))
	}
	out, err := e.pub.Reconcile(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if out.Render.PagesEarly != 0 || out.Render.PagesWritten != 30 {
		t.Errorf("pages: %d written, %d of them during the import; want 30 and 0", out.Render.PagesWritten, out.Render.PagesEarly)
	}
}

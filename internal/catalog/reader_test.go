package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReader(t *testing.T) {
	e := newEnv(t)
	e.write("live.txt", plain("Live", "Body."))
	e.write("gone.txt", plain("Gone", "Body."))
	e.write("sub/broken.md", "---\ntitle: [unclosed\n---\nBody.\n")
	e.write("draft.md", md("title: Draft\ndraft: true", "Body."))
	e.reconcile()
	e.clock.Add(3600e9)
	e.rm("gone.txt")
	e.reconcile()

	// The daemon holds the catalog (and its lock) while the reader reads.
	r, err := OpenReader(e.ctx, e.db, e.dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	rec := func(rel string) PathRecord {
		t.Helper()
		p, err := r.Path(e.ctx, rel)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := rec("live.txt"); p.Entry == nil || p.Entry.Slug != "live" || p.Entry.Removed || p.Reject != nil ||
		p.Size == 0 || p.ModTime.IsZero() {
		t.Errorf("live: %+v", p)
	}
	if p := rec("gone.txt"); p.Entry == nil || !p.Entry.Removed || p.RemovedWhy != "deleted" ||
		!p.RemovedAt.Equal(day0.Add(3600e9)) {
		t.Errorf("gone: %+v", p)
	}
	if p := rec("sub/broken.md"); p.Entry != nil || p.Reject == nil || !strings.Contains(p.Reject.Reason, "front matter") ||
		!p.Reject.At.Equal(day0) {
		t.Errorf("broken: %+v %+v", p, p.Reject)
	}
	if p := rec("draft.md"); p.Reject == nil || p.Reject.Reason != "draft" {
		t.Errorf("draft: %+v", p)
	}
	if p := rec("never.txt"); p.Entry != nil || p.Reject != nil {
		t.Errorf("never seen: %+v", p)
	}

	for name, want := range map[string]string{
		filepath.Join(e.dir, "live.txt"):        "live.txt",
		filepath.Join(e.dir, "sub", "x.md"):     "sub/x.md",
		filepath.Join(e.dir, "gone.txt"):        "gone.txt", // deleted, still answerable
		filepath.Join(e.dir, "..", "out.txt"):   "",
		filepath.Join(e.dir):                    "",
		filepath.Join(t.TempDir(), "other.txt"): "",
	} {
		got, ok := r.Rel(name)
		if got != want || ok != (want != "") {
			t.Errorf("Rel(%s) = %q, %v; want %q", name, got, ok, want)
		}
	}
	// Through a symbolic link to the article directory.
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(e.dir, link); err != nil {
		t.Fatal(err)
	}
	if got, ok := r.Rel(filepath.Join(link, "live.txt")); got != "live.txt" || !ok {
		t.Errorf("through a link: %q %v", got, ok)
	}

	if _, err := OpenReader(e.ctx, filepath.Join(t.TempDir(), "none.db"), e.dir); !errors.Is(err, ErrNoCatalog) {
		t.Errorf("missing catalog: %v", err)
	}
	old := filepath.Join(t.TempDir(), "old.db")
	oldCatalog(t, old, 2, "")
	if _, err := OpenReader(e.ctx, old, e.dir); err == nil || !strings.Contains(err.Error(), "schema version 2") {
		t.Errorf("old schema: %v", err)
	}
}

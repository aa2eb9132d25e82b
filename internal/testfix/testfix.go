// Package testfix holds the fixtures that several packages' tests share: the repository's seed
// article and a directory of articles whose every write gets a distinct mtime. It is for tests
// only; no product code imports it.
package testfix

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// SeedName is the file name of the real news article in the repository's seeds/ directory.
const SeedName = "000_3a90daa9eccd1bea.txt"

// SeedPath returns the path of the seed article, found from the working directory (a package
// directory under go test) by walking up to the folder holding go.mod.
func SeedPath(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "seeds", SeedName)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal(errors.New("testfix: no go.mod above the working directory"))
		}
		dir = parent
	}
}

// Seed returns the bytes of the seed article.
func Seed(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(SeedPath(t))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// WriteFile writes data to path, creating its parent directories, and sets its mtime.
func WriteFile(t testing.TB, path string, data []byte, mtime time.Time) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

// Dir is a directory of articles that a test writes into by slash-separated relative names.
// Each write or touch moves the mtime one second past the previous one, so a stat-based check
// sees every edit even within one tick of the file system's clock.
type Dir struct {
	t     testing.TB
	Root  string
	mtime time.Time
}

// NewDir creates root (if needed) and returns a Dir whose first write gets mtime start+1s.
func NewDir(t testing.TB, root string, start time.Time) *Dir {
	t.Helper()
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	return &Dir{t: t, Root: root, mtime: start}
}

// Path is the file path of rel.
func (d *Dir) Path(rel string) string { return filepath.Join(d.Root, filepath.FromSlash(rel)) }

func (d *Dir) next() time.Time {
	d.mtime = d.mtime.Add(time.Second)
	return d.mtime
}

// Write creates or replaces rel with content and a fresh mtime.
func (d *Dir) Write(rel, content string) {
	d.t.Helper()
	WriteFile(d.t, d.Path(rel), []byte(content), d.next())
}

// Touch gives rel a fresh mtime without changing its bytes.
func (d *Dir) Touch(rel string) {
	d.t.Helper()
	m := d.next()
	if err := os.Chtimes(d.Path(rel), m, m); err != nil {
		d.t.Fatal(err)
	}
}

// CopySeed writes the seed article as rel.
func (d *Dir) CopySeed(rel string) {
	d.t.Helper()
	d.Write(rel, string(Seed(d.t)))
}

// Remove deletes rel, a file or a whole directory.
func (d *Dir) Remove(rel string) {
	d.t.Helper()
	if err := os.RemoveAll(d.Path(rel)); err != nil {
		d.t.Fatal(err)
	}
}

// Move renames from to to, creating to's parent directories.
func (d *Dir) Move(from, to string) {
	d.t.Helper()
	dst := d.Path(to)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		d.t.Fatal(err)
	}
	if err := os.Rename(d.Path(from), dst); err != nil {
		d.t.Fatal(err)
	}
}

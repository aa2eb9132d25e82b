package realdir

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResolve(t *testing.T) {
	real := t.TempDir()
	link := filepath.Join(t.TempDir(), "articles")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	want, err := filepath.EvalSymlinks(real)
	if err != nil {
		t.Fatal(err)
	}
	if got := Resolve(link); got != want {
		t.Errorf("Resolve(link) = %q, want %q", got, want)
	}
	missing := filepath.Join(real, "nope")
	if got := Resolve(missing); got != missing {
		t.Errorf("Resolve(missing) = %q, want it unchanged", got)
	}
}

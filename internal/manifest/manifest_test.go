package manifest

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestClaimNewAndEmpty(t *testing.T) {
	for _, dir := range []string{filepath.Join(t.TempDir(), "new", "out"), t.TempDir()} {
		m, err := Claim(dir, false)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		m.Close()
		if _, err := os.Stat(filepath.Join(dir, Name)); err != nil {
			t.Errorf("no manifest after Claim: %v", err)
		}
	}
}

func TestClaimForeignRefused(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "about.html"), "hand-made")
	_, err := Claim(dir, false)
	if !errors.Is(err, ErrForeign) {
		t.Fatalf("Claim of a non-empty foreign directory: %v, want ErrForeign", err)
	}
	for _, want := range []string{dir, "not empty", "--force"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("refusal %q does not say %q", err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, Name)); err == nil {
		t.Error("a refused Claim wrote a manifest")
	}
	m, err := Claim(dir, true)
	if err != nil {
		t.Fatalf("forced Claim: %v", err)
	}
	defer m.Close()
	if m.Owns("about.html") {
		t.Error("force made a foreign file feedpub's")
	}
	if err := m.MayWrite("about.html"); err != nil {
		t.Errorf("forced: MayWrite of an existing file: %v", err)
	}
	if ok, err := m.Remove("about.html"); ok || err != nil {
		t.Errorf("Remove of a foreign file: %v %v", ok, err)
	}
	if _, err := os.Stat(filepath.Join(dir, "about.html")); err != nil {
		t.Errorf("the foreign file is gone: %v", err)
	}
}

func TestRecordRemoveReopen(t *testing.T) {
	dir := t.TempDir()
	m, err := Claim(dir, false)
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "notes.txt"), "hand-made, added after the claim")
	if err := m.MayWrite("notes.txt"); !errors.Is(err, ErrForeign) {
		t.Errorf("MayWrite of a foreign file: %v, want ErrForeign", err)
	}
	if err := m.MayWrite("rss.xml"); err != nil {
		t.Errorf("MayWrite of a new file: %v", err)
	}
	if err := m.Record("rss.xml", "articles/a.html", "articles/b.html"); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"rss.xml", "articles/a.html", "articles/b.html"} {
		write(t, filepath.Join(dir, n), n)
	}
	if err := m.Record("rss.xml"); err != nil { // already recorded: nothing appended
		t.Fatal(err)
	}
	if ok, err := m.Remove("articles/a.html"); !ok || err != nil {
		t.Errorf("Remove of an own file: %v %v", ok, err)
	}
	if err := m.Record("../escape", "/abs"); err == nil {
		t.Error("Record took a path outside the directory")
	}
	m.Close()

	// The appended lines are read back as the same set, before and after compaction.
	for _, compact := range []bool{false, true} {
		m, err := Claim(dir, false)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := m.Names(""), []string{"articles/b.html", "rss.xml"}; !slices.Equal(got, want) {
			t.Errorf("compacted=%v: names %v, want %v", compact, got, want)
		}
		if got := m.Names("articles/"); !slices.Equal(got, []string{"articles/b.html"}) {
			t.Errorf("names under articles/: %v", got)
		}
		if m.Owns("notes.txt") {
			t.Error("a foreign file was recorded")
		}
		if !compact {
			if err := m.Compact(); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(filepath.Join(dir, Name))
			if got := string(data); got != header+"articles/b.html\nrss.xml\n" {
				t.Errorf("compacted manifest:\n%s", got)
			}
		}
		m.Close()
	}
	if _, err := os.Stat(filepath.Join(dir, "notes.txt")); err != nil {
		t.Errorf("the hand-made file is gone: %v", err)
	}
}

func TestCorruptManifest(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, Name), header+"../../etc/passwd\n")
	if _, err := Claim(dir, false); err == nil || !strings.Contains(err.Error(), "bad line") {
		t.Errorf("a manifest naming a path outside the directory: %v", err)
	}
}

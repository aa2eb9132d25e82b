package testfix

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSeed(t *testing.T) {
	if b := Seed(t); !bytes.HasPrefix(b, []byte("Go to contents")) {
		t.Errorf("seed starts %q", b[:min(len(b), 40)])
	}
}

func TestDirMtimes(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	d := NewDir(t, filepath.Join(t.TempDir(), "a"), start)
	d.Write("x/one.txt", "1")
	d.Write("x/one.txt", "2") // the same content size, within one clock tick: a new mtime
	d.Touch("x/one.txt")
	fi, err := os.Stat(d.Path("x/one.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if want := start.Add(3 * time.Second); !fi.ModTime().Equal(want) {
		t.Errorf("mtime %v, want %v", fi.ModTime(), want)
	}
	d.Move("x/one.txt", "y/z/two.txt")
	if b, err := os.ReadFile(d.Path("y/z/two.txt")); err != nil || string(b) != "2" {
		t.Errorf("moved file: %q, %v", b, err)
	}
	d.Remove("y")
	if _, err := os.Stat(d.Path("y")); !os.IsNotExist(err) {
		t.Errorf("removed directory still there: %v", err)
	}
}

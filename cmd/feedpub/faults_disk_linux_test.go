//go:build linux

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/testfix"
	"github.com/feedpub/feedpub/internal/testgen"
)

// TestFaultOutputDiskFull (issue 7, item 4): a full disk on --out is transient: once there is
// room again the static site catches up by itself, without waiting for another article.
func TestFaultOutputDiskFull(t *testing.T) {
	needRoot(t, "mount a tmpfs")
	dir, out := t.TempDir(), t.TempDir()
	mountTmpfs(t, out, "1m")
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"), "--out", out)
	filler := filepath.Join(out, "filler")
	fill(t, filler)
	drop(t, dir, "second.txt", []byte("A second article\n\nIt arrives while the output disk is full."))
	waitFor(t, 5*time.Second, "the render that cannot write", func() bool { return hasTitle(d.feed("/atom.xml"), "A second") })
	time.Sleep(500 * time.Millisecond)
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	caught := true
	for start := time.Now(); ; time.Sleep(50 * time.Millisecond) {
		b, _ := os.ReadFile(filepath.Join(out, "atom.xml"))
		if bytes.Contains(b, []byte("A second article")) {
			break
		}
		if time.Since(start) > 15*time.Second {
			caught = false
			break
		}
	}
	t.Logf("--out caught up after the disk had room again, without another article: %v", caught)
	if !caught {
		t.Error("the static site did not catch up after the full disk was freed")
	}
}

// fill writes into path until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 64<<10)
	for {
		if _, err := f.Write(buf); err != nil {
			break
		}
	}
	// Small writes take the last blocks.
	for {
		if _, err := f.Write(buf[:512]); err != nil {
			break
		}
	}
}

// TestFaultStateDiskFullHealth (issue 7, item 7): /healthz does not say ok while every ingest
// fails, and says ok again once they succeed.
func TestFaultStateDiskFullHealth(t *testing.T) {
	needRoot(t, "mount a tmpfs")
	dir, stateDir := t.TempDir(), t.TempDir()
	mountTmpfs(t, stateDir, "4m")
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	d := startDaemon(t, dir, filepath.Join(stateDir, "state.db"))
	filler := filepath.Join(stateDir, "filler")
	fill(t, filler)
	staging := t.TempDir()
	testgen.WriteDir(staging, 71, 30, 20000, 0)
	ents, _ := os.ReadDir(staging)
	for _, e := range ents {
		os.Rename(filepath.Join(staging, e.Name()), filepath.Join(dir, e.Name()))
	}
	var status string
	failing := false
	for start := time.Now(); time.Since(start) < 15*time.Second; time.Sleep(100 * time.Millisecond) {
		_, h := d.health()
		status = h.Status
		if status != "ok" {
			failing = true
			break
		}
	}
	errs := d.count("ingest failed; full reconcile scheduled", "")
	t.Logf("state disk full: %d failed ingests logged, /healthz status %q", errs, status)
	if errs == 0 {
		t.Fatal("no ingest failed: the test proves nothing")
	}
	if !failing {
		t.Errorf("/healthz still says ok while every ingest fails")
	}
	os.Remove(filler)
	waitFor(t, 30*time.Second, "health ok and every article in", func() bool {
		_, h := d.health()
		return h.Status == "ok" && h.Articles == 31
	})
}

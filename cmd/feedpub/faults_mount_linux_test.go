//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/testgen"
)

// TestFaultUnmountedDir (issue 7, item 2): with --dir on a mount point, an unmount leaves an
// empty directory: nothing is unpublished on that evidence, and after the remount the daemon
// watches the new file system at once.
func TestFaultUnmountedDir(t *testing.T) {
	needRoot(t, "mount a tmpfs")
	const n = 20
	dir, out := t.TempDir(), t.TempDir()
	unmount := mountTmpfs(t, dir, "8m")
	if _, err := testgen.WriteDir(dir, 61, n, 1500, 0); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"), "--out", out, "--rescan", "0")
	waitFor(t, 10*time.Second, "20 articles", func() bool { return len(d.feed("/atom.xml").Items) == n })
	pages := func() int { p, _ := filepath.Glob(filepath.Join(out, "articles", "*.html")); return len(p) }

	unmount()
	time.Sleep(1500 * time.Millisecond)  // the daemon may notice the new root by itself
	d.cmd.Process.Signal(syscall.SIGHUP) // and a full reconcile runs on the empty directory
	waitFor(t, 5*time.Second, "the SIGHUP reconcile", func() bool { return d.count("reconcile requested", "") > 0 })
	time.Sleep(time.Second)
	left := len(d.feed("/atom.xml").Items)
	t.Logf("unmounted --dir: %d of %d entries unpublished, %d of %d pages left", n-left, n, pages(), n)
	if left != n || pages() != n {
		t.Errorf("an unmount unpublished %d of %d entries (%d pages left)", n-left, n, pages())
	}
	if !d.logHas("removal") {
		t.Errorf("the held removals are not logged as such:\n%s", d.log())
	}

	// Remount the share, with one article more: it is published from its events.
	unmount = mountTmpfs(t, dir, "8m")
	if _, err := testgen.WriteDir(dir, 61, n, 1500, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second) // the watcher's look at its root
	// Written beside its place on the same file system and renamed in, as drop does elsewhere.
	tmp := filepath.Join(dir, ".after-remount.tmp")
	if err := os.WriteFile(tmp, []byte("After the remount\n\nA new article on the remounted share."), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "after-remount.txt")); err != nil {
		t.Fatal(err)
	}
	seen := true
	for start := time.Now(); !hasTitle(d.feed("/atom.xml"), "After the remount"); time.Sleep(50 * time.Millisecond) {
		if time.Since(start) > 5*time.Second {
			seen = false
			break
		}
	}
	t.Logf("article dropped after the remount published from its event: %v", seen)
	if !seen {
		t.Error("after the remount the watcher is blind: a new article was not published")
	}
	if got := len(d.feed("/atom.xml").Items); got != n+1 {
		t.Errorf("after the remount the feed has %d entries, want %d", got, n+1)
	}

	// An operator who means it confirms the removals: unmount again and say so.
	unmount()
	waitFor(t, 10*time.Second, "removals held after the second unmount", func() bool {
		return strings.Count(d.log(), "removals held") >= 2
	})
	d.cmd.Process.Signal(syscall.SIGUSR1)
	waitFor(t, 10*time.Second, "confirmed removals applied", func() bool { return len(d.feed("/atom.xml").Items) == 0 })
}

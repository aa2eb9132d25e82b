package catalog

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// A file whose mtime is younger than Settle is in flight as far as any reconcile can tell: it
// is deferred, not read, until it is quiet; the same rule holds on the event path.
func TestYoungFileDeferredByEveryReconcile(t *testing.T) {
	// Long enough that no slow machine makes the file old before the reconciles look at it.
	const settle = time.Minute
	e := newEnv(t, func(c *Config) { c.Settle = settle })
	path := filepath.Join(e.dir, "copy.txt")
	if err := os.WriteFile(path, []byte(plain("A copy in flight", "Half of it")), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]Report{"full": e.reconcile(), "paths": e.reconcilePaths("copy.txt")} {
		if counts(r) != "a0 u0 r0 m0 x0" || !slices.Equal(r.Deferred, []string{"copy.txt"}) {
			t.Fatalf("%s reconcile of a young file: %s, deferred %v", name, counts(r), r.Deferred)
		}
	}
	// Quiet for settle, as far as its mtime says.
	quiet := time.Now().Add(-settle)
	os.Chtimes(path, quiet, quiet)
	r := e.reconcile()
	wantCounts(t, r, "a1 u0 r0 m0 x0")
	if len(r.Deferred) != 0 {
		t.Fatalf("still deferred once quiet: %v", r.Deferred)
	}
}

// A file whose mtime says nothing (set in the future, a skewed clock) is published once two
// looks Settle apart saw the same size and mtime.
func TestFutureMtimeSettlesByTwoLooks(t *testing.T) {
	const settle = 200 * time.Millisecond
	e := newEnv(t, func(c *Config) { c.Settle = settle })
	future := time.Now().Add(time.Hour)
	path := filepath.Join(e.dir, "skewed.txt")
	os.WriteFile(path, []byte(plain("From a skewed clock", "Body")), 0o644)
	os.Chtimes(path, future, future)
	if r := e.reconcile(); len(r.Deferred) != 1 {
		t.Fatalf("first look: %s deferred %v", counts(r), r.Deferred)
	}
	time.Sleep(settle)
	wantCounts(t, e.reconcile(), "a1 u0 r0 m0 x0")
}

// An event names a file: it is read even when an edit kept its size and mtime, which a full
// reconcile (stat only) cannot see.
func TestNamedPathHashedDespiteSameStat(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Same size", "version one"))
	e.reconcile()
	fi, _ := os.Stat(filepath.Join(e.dir, "a.txt"))
	os.WriteFile(filepath.Join(e.dir, "a.txt"), []byte(plain("Same size", "version two")), 0o644)
	os.Chtimes(filepath.Join(e.dir, "a.txt"), fi.ModTime(), fi.ModTime())
	if r := e.reconcile(); r.Read != 0 || r.Changed() {
		t.Fatalf("a full reconcile read a file whose stat did not change: %s read %d", counts(r), r.Read)
	}
	wantCounts(t, e.reconcilePaths("a.txt"), "a0 u1 r0 m0 x0")
	if !strings.Contains(e.entry("a.txt").ContentHTML, "version two") {
		t.Fatal("the edit was not stored")
	}
	// Named again with nothing changed: read, found identical, nothing reported.
	if r := e.reconcilePaths("a.txt"); r.Changed() || r.Read != 1 {
		t.Fatalf("unchanged named file: %s read %d", counts(r), r.Read)
	}
}

// A symbolic link that resolves outside the article directory is refused with a reason that
// names where it leads; links inside (relative or absolute) are followed; a setting allows the
// outside ones.
func TestLinksOutsideRefused(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "passwd.txt")
	os.WriteFile(outside, []byte(plain("Outside", "root:x:0:0")), 0o644)
	e := newEnv(t)
	e.write("real.txt", plain("Inside", "a real article"))
	os.Symlink(outside, filepath.Join(e.dir, "leak.txt"))
	os.Symlink(filepath.Join(e.dir, "real.txt"), filepath.Join(e.dir, "abs-alias.txt"))
	os.Symlink("real.txt", filepath.Join(e.dir, "rel-alias.txt"))
	r := e.reconcile()
	if len(r.Rejected) != 1 || r.Rejected[0].Path != "leak.txt" || !errors.Is(r.Rejected[0].Err, ErrOutside) ||
		!strings.Contains(r.Rejected[0].Err.Error(), outside) || !strings.Contains(r.Rejected[0].Err.Error(), "allow_outside_links") {
		t.Fatalf("rejected %v, want leak.txt refused naming %s and the setting", r.Rejected, outside)
	}
	if len(r.Added) != 3 {
		t.Fatalf("added %v, want the real file and both links inside", r.Added)
	}
	// The event path refuses it too.
	os.Symlink(outside, filepath.Join(e.dir, "leak2.txt"))
	if r := e.reconcilePaths("leak2.txt"); len(r.Rejected) != 1 || !errors.Is(r.Rejected[0].Err, ErrOutside) {
		t.Fatalf("event path: rejected %v", r.Rejected)
	}

	e2 := newEnv(t, func(c *Config) { c.AllowOutsideLinks = true })
	os.Symlink(outside, filepath.Join(e2.dir, "leak.txt"))
	wantCounts(t, e2.reconcile(), "a1 u0 r0 m0 x0")
}

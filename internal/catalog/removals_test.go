package catalog

import (
	"fmt"
	"testing"
)

// More removals at once than MaxRemovals are held; a later full reconcile that finds the same
// files still gone makes them. Removals the watcher reports are made at once.
func TestMassRemovalHeldUntilConfirmed(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxRemovals = 2 })
	for i := range 5 {
		e.write(fmt.Sprintf("a%d.txt", i), plain(fmt.Sprintf("Article %d", i), "body"))
	}
	e.reconcile()
	for i := range 3 {
		e.rm(fmt.Sprintf("a%d.txt", i))
	}
	r := e.reconcile()
	if len(r.Removed) != 0 || len(r.PendingRemovals) != 3 {
		t.Fatalf("3 removals over a limit of 2: removed %v, held %v", r.Removed, r.PendingRemovals)
	}
	if got := liveCount(e); got != 5 {
		t.Fatalf("%d live entries while removals are held, want 5", got)
	}
	if r := e.reconcile(); len(r.Removed) != 3 || len(r.PendingRemovals) != 0 {
		t.Fatalf("second reconcile: removed %v, held %v, want the 3 confirmed", r.Removed, r.PendingRemovals)
	}
	// The watcher's evidence is a deletion, not an absence.
	e.write("b.txt", plain("B", "body"))
	e.reconcile()
	e.rm("a3.txt")
	e.rm("a4.txt")
	e.rm("b.txt")
	if r := e.reconcilePaths("a3.txt", "a4.txt", "b.txt"); len(r.Removed) != 3 {
		t.Fatalf("removals reported by events: %v", r.Removed)
	}
}

// A directory that is another file system than at the last reconcile (a share unmounted or
// mounted on it) holds every removal until an operator confirms; once every article is back,
// nothing is pending.
func TestReplacedRootHoldsRemovals(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("A", "body"))
	e.write("b.txt", plain("B", "body"))
	e.reconcile()
	// The identity the catalog trusts is not the directory's any more.
	if _, err := e.cat.db.Exec(`UPDATE state SET value = '0:0' WHERE key = ?`, stateRoot); err != nil {
		t.Fatal(err)
	}
	e.rm("a.txt")
	for range 2 {
		if r := e.reconcile(); len(r.Removed) != 0 || len(r.PendingRemovals) != 1 {
			t.Fatalf("removal on a replaced directory: removed %v, held %v", r.Removed, r.PendingRemovals)
		}
	}
	e.cat.ConfirmRemovals()
	if r := e.reconcile(); len(r.Removed) != 1 {
		t.Fatalf("after ConfirmRemovals: removed %v", r.Removed)
	}
	// The directory is trusted again: a single removal is just a removal.
	e.rm("b.txt")
	if r := e.reconcile(); len(r.Removed) != 1 {
		t.Fatalf("removal on the trusted directory: %v held %v", r.Removed, r.PendingRemovals)
	}
}

func liveCount(e *env) int {
	n := 0
	for _, en := range e.all() {
		if !en.Removed {
			n++
		}
	}
	return n
}

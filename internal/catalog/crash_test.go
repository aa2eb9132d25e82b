package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// TestCrashMidReconcile kills (SIGKILL) a process in the middle of a cold Reconcile, then
// checks that Open+Reconcile yields every file exactly once and that no committed entry
// changed its id.
func TestCrashMidReconcile(t *testing.T) {
	if db := os.Getenv("CATALOG_CRASH_DB"); db != "" {
		// Helper process: reconcile until killed.
		now := day0
		c, err := Open(context.Background(), Config{Path: db, Dir: os.Getenv("CATALOG_CRASH_DIR"),
			Authority: "example.org", Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		c.Reconcile(context.Background())
		return
	}
	if testing.Short() {
		t.Skip("spawns a process")
	}
	// bench/run.sh crash runs it at newsroom scale through FEEDPUB_CRASH_FILES.
	n := 3000
	if v, err := strconv.Atoi(os.Getenv("FEEDPUB_CRASH_FILES")); err == nil && v > 0 {
		n = v
	}
	e := newEnv(t)
	e.cat.Close()
	e.cat = nil
	for i := range n {
		e.write(fmt.Sprintf("d%d/f%04d.txt", i%10, i), plain(fmt.Sprintf("Crash test %d", i%700), "Body."))
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashMidReconcile$")
	cmd.Env = append(os.Environ(), "CATALOG_CRASH_DB="+e.db, "CATALOG_CRASH_DIR="+e.dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ro, err := sql.Open("sqlite", e.db+"?_pragma=busy_timeout(1000)")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	deadline := time.Now().Add(60 * time.Second)
	var committed int
	for time.Now().Before(deadline) {
		ro.QueryRow(`SELECT count(*) FROM entries`).Scan(&committed)
		if committed >= batchSize {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Kill()
	cmd.Wait()
	seen := map[string]string{}
	rows, err := ro.Query(`SELECT path, id FROM entries`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p, id string
		rows.Scan(&p, &id)
		seen[p] = id
	}
	rows.Close()
	t.Logf("killed with %d of %d rows committed", len(seen), n)
	// Killed mid-import, the catalog has its deferred indexes dropped, and the record of them
	// committed with the drop; Open makes them again before anything reads the catalog.
	missing, recorded := deferredMissing(t, ro)
	if len(seen) < n && (!reflect.DeepEqual(missing, deferredIndexes) || !recorded) {
		t.Fatalf("killed mid-import: %v of the deferred indexes missing (recorded %v), want %v", missing, recorded, deferredIndexes)
	}

	e.open()
	wantWholeSchema(t, e.cat.db, "after Open")
	e.reconcile()
	all := e.all()
	if len(all) != n {
		t.Fatalf("%d entries after crash recovery, want %d", len(all), n)
	}
	paths := map[string]bool{}
	for _, en := range all {
		if paths[en.Path] || en.Removed {
			t.Fatalf("path %s twice or removed", en.Path)
		}
		paths[en.Path] = true
		if id, ok := seen[en.Path]; ok && id != en.ID {
			t.Fatalf("%s: id %s changed to %s across the crash", en.Path, id, en.ID)
		}
	}
	// Memberships commit with their entries: every entry is in its feeds once, with an
	// ordinal of its own, none skipped or given twice.
	for _, f := range []struct {
		kind FeedKind
		slug string
		n    int
	}{{KindRoot, "", n}, {KindSection, "d0", (n + 9) / 10}, {KindSection, "d9", n / 10}} {
		feed, err := e.cat.FeedBySlug(e.ctx, f.kind, f.slug)
		if err != nil {
			t.Fatal(err)
		}
		if feed.Live != f.n || feed.Ords != int64(f.n) {
			t.Errorf("feed %q after crash recovery: %d live, %d ordinals, want %d", f.slug, feed.Live, feed.Ords, f.n)
		}
		members, err := e.cat.FeedRange(e.ctx, feed.Key, 0, feed.Ords)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]bool{}
		for _, m := range members {
			ids[m.ID] = true
		}
		if len(members) != f.n || len(ids) != f.n {
			t.Errorf("feed %q after crash recovery: %d members, %d distinct, want %d", f.slug, len(members), len(ids), f.n)
		}
	}
}

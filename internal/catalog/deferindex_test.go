package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// wantWholeSchema fails unless the catalog at db has exactly the schema today's migrations
// build (every index, each with the SQL its step made it with) and nothing waits to be made.
func wantWholeSchema(t *testing.T, db *sql.DB, when string) {
	t.Helper()
	fresh := filepath.Join(t.TempDir(), "fresh.db")
	oldCatalog(t, fresh, len(migrations), "")
	want := takeSnapshot(t, fresh).schema
	got := queryStrings(t, db, `SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name`)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s: schema\n%q\nwant\n%q", when, got, want)
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM state WHERE key = ?`, stateDeferredIndexes).Scan(&n); err != nil || n != 0 {
		t.Fatalf("%s: %d %s rows (%v)", when, n, stateDeferredIndexes, err)
	}
}

// deferredMissing reports which deferred indexes the committed schema lacks, and whether the
// record of them is committed with the drop.
func deferredMissing(t *testing.T, db *sql.DB) (missing []string, recorded bool) {
	t.Helper()
	for _, name := range deferredIndexes {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = ?`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			missing = append(missing, name)
		}
	}
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM state WHERE key = ?`, stateDeferredIndexes).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return missing, n == 1
}

// A first import builds the deferred indexes in its last transaction: the catalog it leaves has
// the schema the migrations made, to the byte.
func TestFirstImportBuildsDeferredIndexes(t *testing.T) {
	var buf bytes.Buffer
	e := newEnv(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&buf, nil)) })
	e.cat.deferMin = 1
	for i := range 30 {
		e.write(fmt.Sprintf("s%d/a%02d.md", i%3, i), md(fmt.Sprintf("title: Article %d\nauthor: Ann\ntags: [x]", i), "Body."))
	}
	wantCounts(t, e.reconcile(), "a30 u0 r0 m0 x0")
	if !strings.Contains(buf.String(), "catalog indexes built") {
		t.Fatalf("a first import did not defer its indexes:\n%s", buf.String())
	}
	wantWholeSchema(t, e.cat.db, "after a first import")
	// The next reconcile's catalog is not empty: it writes with every index in place.
	buf.Reset()
	e.write("s0/new.md", md("title: New", "Body."))
	wantCounts(t, e.reconcile(), "a1 u0 r0 m0 x0")
	if strings.Contains(buf.String(), "indexes") {
		t.Fatalf("a reconcile of a catalog with entries touched its indexes:\n%s", buf.String())
	}
	if l, err := e.cat.FeedLatest(e.ctx, RootKey, 100, 0); err != nil || len(l) != 31 {
		t.Fatalf("root feed: %d entries, %v", len(l), err)
	}
}

// An import that stops after a commit (here its context is cancelled; a crash is
// TestCrashMidReconcile) leaves the deferred indexes dropped, with the record that says so
// committed with the drop; the next write makes them again before it writes anything, and no
// id changes.
func TestUnfinishedImportRestoresIndexes(t *testing.T) {
	if testing.Short() {
		t.Skip("imports more than a transaction of files")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var e *env
	var midImport []string
	var midRecorded bool
	e = newEnv(t, func(c *Config) {
		c.Progress = func(done, total int) {
			// The first transaction has committed: what readers see now is the import's state.
			if done == batchSize+1 && ctx.Err() == nil {
				midImport, midRecorded = deferredMissing(t, e.cat.db)
				cancel()
			}
		}
	})
	n := deferMinJobs + 100
	for i := range n {
		e.write(fmt.Sprintf("d%d/f%05d.txt", i%7, i), plain(fmt.Sprintf("Unfinished %d", i), "Body."))
	}
	if _, err := e.cat.Reconcile(ctx); err == nil {
		t.Fatal("a cancelled import succeeded")
	}
	if !reflect.DeepEqual(midImport, deferredIndexes) || !midRecorded {
		t.Fatalf("during the import: %v missing (recorded %v), want %v", midImport, midRecorded, deferredIndexes)
	}
	if missing, recorded := deferredMissing(t, e.cat.db); !reflect.DeepEqual(missing, deferredIndexes) || !recorded {
		t.Fatalf("after the failed import: %v missing (recorded %v)", missing, recorded)
	}
	before := map[string]string{}
	for _, en := range e.all() {
		before[en.Path] = en.ID
	}
	if len(before) < batchSize {
		t.Fatalf("%d entries committed before the cancel, want %d", len(before), batchSize)
	}
	r := e.reconcile()
	if len(r.Added) != n-len(before) {
		t.Fatalf("second reconcile added %d, want %d", len(r.Added), n-len(before))
	}
	wantWholeSchema(t, e.cat.db, "after the next reconcile")
	for _, en := range e.all() {
		if id, ok := before[en.Path]; ok && id != en.ID {
			t.Fatalf("%s: id %s became %s", en.Path, id, en.ID)
		}
	}
	root, err := e.cat.FeedBySlug(e.ctx, KindRoot, "")
	if err != nil || root.Live != n || root.Ords != int64(n) {
		t.Fatalf("root feed: %+v %v, want %d members", root, err, n)
	}
}

// The queries that run while a first import has its indexes dropped (its own lookups, the
// feed indexer's, and the readers': the page walk's Each, pages by slug, archive pages, the
// sitemap, Stats) each use an index: none reads the whole table, which every batch would
// repeat. The newest members of a feed, which read feed_entries_latest once the import is
// done, walk the feed's rows in feed_entries meanwhile.
func TestQueryPlansWithDeferredIndexes(t *testing.T) {
	e := newEnv(t)
	e.write("s/a.md", md("title: A\nauthor: Ann", "Body."))
	e.reconcile()
	latest := `SELECT ` + memberCols + ` FROM feed_entries fe JOIN entries e ON e.row = fe.row
	WHERE fe.feed = ? AND fe.gone = 0 ORDER BY fe.published DESC, fe.id LIMIT ?`
	if p := queryPlan(t, e, latest); !strings.Contains(p, "feed_entries_latest") || strings.Contains(p, "TEMP B-TREE") {
		t.Fatalf("FeedLatest not served by feed_entries_latest: %s", p)
	}
	tx, err := e.cat.db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if err := dropDeferred(e.ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`SELECT ` + storedCols + ` FROM entries WHERE id = ?`,
		`SELECT ` + indexCols + ` FROM entries WHERE seq > ? ORDER BY seq LIMIT ?`,
		`SELECT ` + indexCols + ` FROM entries WHERE row = ?`,
		`SELECT next_ord, live FROM feeds WHERE key = ?`,
		`SELECT ` + entryCols + ` FROM entries WHERE seq > ? AND ` + visible + ` ORDER BY seq`,
		`SELECT ` + entryCols + ` FROM entries WHERE slug = ? AND ` + visible,
		`SELECT ` + stubCols + ` FROM feed_entries fe JOIN entries e ON e.row = fe.row
	WHERE fe.feed = ? AND fe.ord >= ? AND fe.ord < ? AND fe.gone = 0 ORDER BY fe.ord DESC`,
		`SELECT e.slug, e.updated FROM feed_entries fe JOIN entries e ON e.row = fe.row
	WHERE fe.feed = ? AND fe.ord >= ? AND fe.ord < ? AND fe.gone = 0 ORDER BY fe.ord`,
		`SELECT ord / ?, max(seq) FROM feed_entries WHERE feed = ? GROUP BY 1 ORDER BY 1`,
		`SELECT count(*) FROM entries WHERE removed = 0`,
		`SELECT count(*) FROM entries`,
		`SELECT count(*), min(held_until) FROM entries WHERE removed = 0 AND held_until IS NOT NULL`,
		latest,
	} {
		p := queryPlan(t, e, q)
		for _, step := range strings.Split(p, "; ") {
			if strings.HasPrefix(step, "SCAN ") && !strings.Contains(step, " USING ") {
				t.Errorf("%s\nreads a whole table: %s", q, p)
			}
		}
	}
}

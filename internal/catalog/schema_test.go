package catalog

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// frozenStep is the SQL schema step v ran when it was released, kept in testdata so that an
// old catalog is built from the old text rather than from today's code. Each step added to
// migrations needs its file.
func frozenStep(t *testing.T, v int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", fmt.Sprintf("schema-v%d.sql", v)))
	if err != nil {
		t.Fatalf("schema step %d is not frozen in testdata: %v", v, err)
	}
	return string(b)
}

// oldCatalog writes at path a catalog as a feedpub at schema version v left it: the frozen
// steps 1..v, then, if src is not empty, every row of the catalog at src (the columns that
// version had; later steps' columns are left out).
func oldCatalog(t *testing.T, path string, v int, src string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1) // ATTACH is per connection
	for i := 1; i <= v; i++ {
		if _, err := db.Exec(frozenStep(t, i)); err != nil {
			t.Fatalf("schema step %d: %v", i, err)
		}
	}
	if _, err := db.Exec("PRAGMA user_version = " + strconv.Itoa(v)); err != nil {
		t.Fatal(err)
	}
	if src == "" {
		return
	}
	if _, err := db.Exec(`ATTACH DATABASE ? AS src`, src); err != nil {
		t.Fatal(err)
	}
	tables := []string{"state", "meta", "entries", "rejects"}
	if v >= 3 {
		tables = append(tables, "feeds", "feed_entries")
	}
	for _, table := range tables {
		// Only the columns version v has: later steps add columns the old file never had.
		cols := columns(t, db, table)
		if _, err := db.Exec(`INSERT INTO main.` + table + `(` + cols + `) SELECT ` + cols + ` FROM src.` + table); err != nil {
			t.Fatalf("copy %s: %v", table, err)
		}
	}
	if v < 3 {
		// A catalog from before step 3 never indexed feeds.
		if _, err := db.Exec(`DELETE FROM main.state WHERE key = ?`, stateFeedsSeq); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`DETACH DATABASE src`); err != nil {
		t.Fatal(err)
	}
}

// columns lists table's columns in the main database, comma-separated.
func columns(t *testing.T, db *sql.DB, table string) string {
	t.Helper()
	rows, err := db.Query(`SELECT name FROM main.pragma_table_info(?)`, table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return strings.Join(names, ", ")
}

// frozenUpgrade applies the frozen steps after v to the catalog at path, as released.
func frozenUpgrade(t *testing.T, path string, v int) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := v + 1; i <= len(migrations); i++ {
		if _, err := db.Exec(frozenStep(t, i)); err != nil {
			t.Fatalf("schema step %d: %v", i, err)
		}
	}
	if _, err := db.Exec("PRAGMA user_version = " + strconv.Itoa(len(migrations))); err != nil {
		t.Fatal(err)
	}
}

// snapshot is what a catalog file holds, as far as feedpub can tell.
type snapshot struct {
	version int
	schema  []string            // sqlite_master, in name order
	rows    map[string][]string // every row of every table, in key order
}

func takeSnapshot(t *testing.T, path string) snapshot {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := snapshot{rows: map[string][]string{}}
	if err := db.QueryRow("PRAGMA user_version").Scan(&s.version); err != nil {
		t.Fatal(err)
	}
	s.schema = queryStrings(t, db, `SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name`)
	for _, table := range []string{"state", "meta", "entries", "rejects"} {
		s.rows[table] = queryStrings(t, db, `SELECT * FROM `+table+` ORDER BY 1`)
	}
	return s
}

// queryStrings returns each row of q as one string.
func queryStrings(t *testing.T, db *sql.DB, q string) []string {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%q", vals))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// Today's steps build exactly the schema the released steps built.
func TestSchemaIsItsHistory(t *testing.T) {
	e := newEnv(t)
	e.cat.Close()
	e.cat = nil
	old := filepath.Join(t.TempDir(), "old.db")
	oldCatalog(t, old, len(migrations), "")
	got, want := takeSnapshot(t, e.db), takeSnapshot(t, old)
	if got.version != len(migrations) || !reflect.DeepEqual(got.schema, want.schema) {
		t.Fatalf("fresh catalog at version %d with schema\n%q\nwant version %d with\n%q",
			got.version, got.schema, want.version, want.schema)
	}
}

// A catalog left by any released version opens with every row as it was and the current
// schema; one already current opens unchanged.
func TestOpenOldCatalog(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Alpha", "Body."))
	e.write("sub/b.md", md("title: Beta\nid: urn:x:beta", "Body."))
	e.write("c.txt", plain("Gamma", "Body."))
	e.write("broken.md", "---\ntitle: [unclosed\n---\nBody.\n")
	e.reconcile()
	e.rm("c.txt")
	e.write("a.txt", plain("Alpha", "Edited."))
	e.reconcile()
	e.cat.Close()
	e.cat = nil
	current := takeSnapshot(t, e.db)
	if len(current.rows["rejects"]) != 1 || len(current.rows["entries"]) != 3 {
		t.Fatalf("setup: %d rejects, %d entries", len(current.rows["rejects"]), len(current.rows["entries"]))
	}
	for v := 1; v <= len(migrations); v++ {
		t.Run(fmt.Sprintf("v%d", v), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "old.db")
			oldCatalog(t, path, v, e.db)
			cfg := e.cfg
			cfg.Path = path
			c, err := Open(e.ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			c.Close()
			got := takeSnapshot(t, path)
			if got.version != current.version || !reflect.DeepEqual(got.schema, current.schema) {
				t.Fatalf("opened at version %d with schema\n%q\nwant version %d with\n%q",
					got.version, got.schema, current.version, current.schema)
			}
			// The rows are those the frozen steps after v leave: every old value kept, each
			// later column at its default.
			wantPath := filepath.Join(t.TempDir(), "want.db")
			oldCatalog(t, wantPath, v, e.db)
			frozenUpgrade(t, wantPath, v)
			want := takeSnapshot(t, wantPath).rows
			if v < 3 {
				// Feeds are indexed by the first reconcile, checked below.
				want["state"] = slices.DeleteFunc(slices.Clone(want["state"]), func(r string) bool {
					return strings.Contains(r, stateFeedsSeq)
				})
			}
			if !reflect.DeepEqual(got.rows, want) {
				t.Fatalf("rows changed on open:\n%q\nwant\n%q", got.rows, want)
			}
			// The migrated catalog knows every file: nothing is read, nothing changes.
			c, err = Open(e.ctx, cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			r, err := c.Reconcile(e.ctx)
			if err != nil || r.Changed() || r.Read != 0 || len(r.Rejected) != 0 {
				t.Fatalf("reconcile after open: %v %s read %d", err, counts(r), r.Read)
			}
			// Every feed holds its live members, whether indexed now or all along.
			latest, err := c.FeedLatest(e.ctx, RootKey, 10, 0)
			if err != nil || len(latest) != 2 {
				t.Fatalf("root feed after migration: %v %d entries", err, len(latest))
			}
			if _, err := c.FeedBySlug(e.ctx, KindSection, "sub"); err != nil {
				t.Fatalf("section sub after migration: %v", err)
			}
		})
	}
}

// A new catalog has pageSize pages, in WAL mode; an older one keeps the page size it has.
func TestPageSize(t *testing.T) {
	e := newEnv(t)
	e.cat.Close()
	e.cat = nil
	old := filepath.Join(t.TempDir(), "old.db")
	oldCatalog(t, old, len(migrations)-1, "")
	cfg := e.cfg
	cfg.Path = old
	c, err := Open(e.ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	for path, want := range map[string]int{e.db: pageSize, old: 4096} {
		db, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		var size int
		var mode string
		if err := db.QueryRow("PRAGMA page_size").Scan(&size); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if size != want || mode != "wal" {
			t.Errorf("%s: page size %d in %s mode, want %d in wal", filepath.Base(path), size, mode, want)
		}
	}
}

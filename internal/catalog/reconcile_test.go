package catalog

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/article"
)

func TestReconcileTwiceNoChange(t *testing.T) {
	e := newEnv(t)
	for i := range 20 {
		e.write(fmt.Sprintf("d%d/a%02d.txt", i%3, i), plain(fmt.Sprintf("Article %d", i), "Body."))
	}
	e.write(".hidden/x.txt", plain("Hidden", "Body."))
	e.write("notes.rtf", "ignored extension")
	e.write("a.txt~", "editor backup")
	r := e.reconcile()
	if len(r.Added) != 20 || r.Read != 20 {
		t.Fatalf("first reconcile %+v", counts(r))
	}
	r = e.reconcile()
	if r.Read != 0 || r.Changed() || r.Unchanged != 20 {
		t.Fatalf("second reconcile: read %d changed %v unchanged %d", r.Read, r.Changed(), r.Unchanged)
	}
}

func TestRejectedFileReportedOnce(t *testing.T) {
	e := newEnv(t)
	e.write("empty.txt", "")
	e.write("bin.txt", "abc\x00\x00\x00def")
	r := e.reconcile()
	if len(r.Rejected) != 2 || len(e.all()) != 0 {
		t.Fatalf("%+v", r)
	}
	for _, rj := range r.Rejected {
		if !errors.Is(rj.Err, article.ErrEmpty) && !errors.Is(rj.Err, article.ErrBinary) {
			t.Fatalf("rejection %v does not wrap the article sentinel", rj.Err)
		}
		if !strings.Contains(rj.Err.Error(), rj.Path) {
			t.Fatalf("rejection %v does not name %s", rj.Err, rj.Path)
		}
	}
	if r := e.reconcile(); r.Read != 0 || len(r.Rejected) != 0 {
		t.Fatalf("unchanged rejected files re-read: %+v", r)
	}
	e.write("empty.txt", plain("Now real", "Body."))
	if r := e.reconcile(); len(r.Added) != 1 {
		t.Fatalf("fixed file not added: %+v", r)
	}
}

func TestTooLargeRejectedWithoutReading(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.Article.MaxSize = 64 })
	e.write("big.txt", plain("Big", strings.Repeat("x", 200)))
	r := e.reconcile()
	if len(r.Rejected) != 1 || !errors.Is(r.Rejected[0].Err, article.ErrTooLarge) || r.Read != 0 {
		t.Fatalf("%+v", r)
	}
}

func TestLatestOrderAndLimit(t *testing.T) {
	e := newEnv(t)
	e.write("old.md", md("title: Old\ndate: 2020-01-01", "b"))
	e.write("new.md", md("title: New\ndate: 2024-01-01", "b"))
	e.write("tie-b.md", md("title: Tie B\nid: urn:b\ndate: 2022-06-01", "b"))
	e.write("tie-a.md", md("title: Tie A\nid: urn:a\ndate: 2022-06-01", "b"))
	e.write("undated.txt", plain("Undated", "b")) // published = first seen = day0 (2024-07-09)
	e.reconcile()
	l, err := e.cat.Latest(e.ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range l {
		got = append(got, en.Slug)
	}
	if want := "undated new tie-a tie-b old"; strings.Join(got, " ") != want {
		t.Fatalf("order %v, want %s", got, want)
	}
	if l, _ := e.cat.Latest(e.ctx, 2); len(l) != 2 || l[1].Slug != "new" {
		t.Fatalf("limit 2: %+v", l)
	}
	if l, _ := e.cat.Latest(e.ctx, 0); len(l) != 0 {
		t.Fatal("limit 0 returned entries")
	}
}

// The reconcile's stat scan must not read the table rows, which hold the articles' content:
// that is what keeps a no-change reconcile of 100,000 articles under a second.
func TestStatScansUseCoveringIndex(t *testing.T) {
	e := newEnv(t)
	q := `SELECT row, path, size, mtime, hash FROM entries WHERE removed = 0`
	if p := queryPlan(t, e, q); !strings.Contains(p, "COVERING INDEX entries_live_stat") {
		t.Errorf("%s: plan %s", q, p)
	}
}

func queryPlan(t *testing.T, e *env, q string) string {
	t.Helper()
	args := make([]any, strings.Count(q, "?")) // the driver wants every parameter bound
	for i := range args {
		args[i] = 1
	}
	rows, err := e.cat.db.Query("EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		rows.Scan(&id, &parent, &notused, &detail)
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}

// ReconcilePaths sees a rename as two watcher events, in either order or together.
func TestReconcilePathsRenameEitherOrder(t *testing.T) {
	for _, order := range []string{"new-first", "old-first", "together"} {
		t.Run(order, func(t *testing.T) {
			e := newEnv(t)
			e.write("a.txt", plain("Renamed", "Body."))
			e.reconcilePaths("a.txt")
			before := e.entry("a.txt")
			e.mv("a.txt", "sub/b.txt")
			var r1, r2 Report
			switch order {
			case "new-first":
				r1, r2 = e.reconcilePaths("sub/b.txt"), e.reconcilePaths("a.txt")
				wantCounts(t, r1, "a0 u0 r0 m1 x0")
				wantCounts(t, r2, "a0 u0 r0 m0 x0")
			case "old-first":
				r1, r2 = e.reconcilePaths("a.txt"), e.reconcilePaths("sub/b.txt")
				wantCounts(t, r1, "a0 u0 r1 m0 x0")
				wantCounts(t, r2, "a0 u0 r0 m1 x0")
			case "together":
				r1 = e.reconcilePaths("a.txt", "sub/b.txt")
				wantCounts(t, r1, "a0 u0 r0 m1 x0")
			}
			after := e.entry("sub/b.txt")
			if after.ID != before.ID || after.Slug != before.Slug || after.Removed {
				t.Fatalf("%+v -> %+v", before, after)
			}
			if r := e.reconcile(); r.Changed() || r.Read != 0 {
				t.Fatalf("full reconcile after ReconcilePaths: %+v", r)
			}
		})
	}
}

func TestCopyIsNewArticle(t *testing.T) {
	e := newEnv(t)
	content := plain("Copied", "Body.")
	e.write("a.txt", content)
	e.reconcile()
	e.write("b.txt", content)
	r := e.reconcilePaths("b.txt")
	wantCounts(t, r, "a1 u0 r0 m0 x0")
	a, b := e.entry("a.txt"), e.entry("b.txt")
	if a.ID == b.ID || a.Slug == b.Slug {
		t.Fatalf("copy shares identity: %q %q", a.ID, b.ID)
	}
	// And in a full Reconcile.
	e.write("c.txt", content)
	wantCounts(t, e.reconcile(), "a1 u0 r0 m0 x0")
}

func TestReconcilePathsRemovedDirectoryAndIgnored(t *testing.T) {
	e := newEnv(t)
	e.write("dir/a.txt", plain("A", "Body."))
	e.write("dir/sub/b.txt", plain("B", "Body."))
	e.write("dirx.txt", plain("Dirx", "Body."))
	e.reconcile()
	// A directory path that exists is left to the watcher's scan.
	if r := e.reconcilePaths("dir", ".hidden/x.txt", "../escape.txt", "/abs.txt"); r.Changed() || r.Read != 0 {
		t.Fatalf("dir path: %+v", r)
	}
	e.rm("dir")
	r := e.reconcilePaths("dir")
	wantCounts(t, r, "a0 u0 r2 m0 x0")
	if e.entry("dirx.txt").Removed {
		t.Fatal("prefix sibling removed")
	}
	// Renamed to an ignored name: gone from the feed, as a full Reconcile would decide.
	e.mv("dirx.txt", "dirx.txt~")
	wantCounts(t, e.reconcilePaths("dirx.txt", "dirx.txt~"), "a0 u0 r1 m0 x0")
	if r := e.reconcile(); r.Changed() {
		t.Fatalf("full reconcile disagrees: %+v", r)
	}
}

func TestReconcilePathsEditAndNew(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("A", "Body."))
	wantCounts(t, e.reconcilePaths("a.txt"), "a1 u0 r0 m0 x0")
	e.clock.Add(time.Minute)
	e.write("a.txt", plain("A", "Edited."))
	wantCounts(t, e.reconcilePaths("a.txt", "a.txt"), "a0 u1 r0 m0 x0")
	e.touch("a.txt")
	if r := e.reconcilePaths("a.txt"); r.Changed() || r.Read != 1 {
		t.Fatalf("touch %+v", r)
	}
}

func TestMissingRootDoesNotEmptyFeed(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("A", "Body."))
	e.reconcile()
	if err := os.Rename(e.dir, e.dir+".gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.cat.Reconcile(e.ctx); err == nil {
		t.Fatal("Reconcile of a missing root succeeded")
	}
	if e.entry("a.txt").Removed {
		t.Fatal("entry removed because the root vanished")
	}
}

func TestEachStatsMeta(t *testing.T) {
	e := newEnv(t)
	st, err := e.cat.Stats(e.ctx)
	if err != nil || st.Seq != 0 || !st.LastSync.IsZero() || !st.Created.Equal(day0) {
		t.Fatalf("fresh stats %+v %v", st, err)
	}
	e.write("a.txt", plain("A", "Body."))
	e.write("b.txt", plain("B", "Body."))
	e.reconcile()
	e.clock.Add(time.Hour)
	e.rm("a.txt")
	e.reconcile()
	var seqs []int64
	var removed []bool
	err = e.cat.Each(e.ctx, 1, func(en Entry) error {
		seqs, removed = append(seqs, en.Seq), append(removed, en.Removed)
		return nil
	})
	if err != nil || fmt.Sprint(seqs, removed) != "[2 3] [false true]" {
		t.Fatalf("Each since 1: %v %v %v", seqs, removed, err)
	}
	stop := errors.New("stop")
	if err := e.cat.Each(e.ctx, 0, func(Entry) error { return stop }); err != stop {
		t.Fatalf("Each error %v", err)
	}
	st, _ = e.cat.Stats(e.ctx)
	if st.Live != 1 || st.Removed != 1 || st.Seq != 3 || !st.LastChange.Equal(day0.Add(time.Hour)) || !st.LastSync.Equal(day0.Add(time.Hour)) {
		t.Fatalf("stats %+v", st)
	}
	if v, err := e.cat.Meta(e.ctx, "static.seq"); v != "" || err != nil {
		t.Fatalf("absent meta %q %v", v, err)
	}
	if err := e.cat.SetMeta(e.ctx, "static.seq", "3"); err != nil {
		t.Fatal(err)
	}
	e.reopen()
	if v, _ := e.cat.Meta(e.ctx, "static.seq"); v != "3" {
		t.Fatalf("meta after reopen %q", v)
	}
}

func TestSecondOpenLocked(t *testing.T) {
	e := newEnv(t)
	_, err := Open(e.ctx, e.cfg)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), e.db) {
		t.Fatalf("second Open: %v", err)
	}
	// The lock is the database file's own: no file beside it can be deleted to get around it.
	os.Remove(e.db + ".lock")
	if _, err := Open(e.ctx, e.cfg); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Open after deleting the files beside the catalog: %v", err)
	}
	e.reopen() // released by Close
}

func TestMigrations(t *testing.T) {
	e := newEnv(t)
	version := func() int {
		var v int
		if err := e.cat.db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := version(); v != len(migrations) {
		t.Fatalf("fresh db at version %d, want %d", v, len(migrations))
	}
	var mode string
	e.cat.db.QueryRow("PRAGMA journal_mode").Scan(&mode)
	if mode != "wal" {
		t.Fatalf("journal_mode %s", mode)
	}
	e.write("a.txt", plain("A", "Body."))
	e.reconcile()
	e.reopen()
	if v := version(); v != len(migrations) || len(e.all()) != 1 {
		t.Fatalf("reopen at version %d", v)
	}
	// A database from a newer feedpub is refused rather than misread.
	e.cat.Close()
	e.cat = nil
	db, err := sql.Open("sqlite", e.db)
	if err != nil {
		t.Fatal(err)
	}
	db.Exec(fmt.Sprintf("PRAGMA user_version = %d", len(migrations)+1))
	db.Close()
	if _, err := Open(e.ctx, e.cfg); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("newer schema: %v", err)
	}
}

func TestOpenCreatesDirectory(t *testing.T) {
	e := newEnv(t)
	cfg := e.cfg
	cfg.Path = filepath.Join(t.TempDir(), "deep", "er", "c.db")
	c, err := Open(e.ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

// An article published despite a finding (here: Windows-1252 bytes) says so in the log, since
// the daemon's log is where its author looks.
func TestReconcileLogsArticleWarnings(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	e := newEnv(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
	})
	e.write("legacy.txt", "Caf\xe9 news\n\nA \x93quoted\x94 paragraph.")
	e.reconcile()
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(buf.String(), `msg="catalog article warning" path=legacy.txt warning="not valid UTF-8; decoded as Windows-1252"`) {
		t.Errorf("no warning logged:\n%s", buf.String())
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// A symlinked article directory is read through; a walk that stopped at the link would see an
// empty directory and remove every entry.
func TestReconcileSymlinkedDir(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Through a link", "Body."))
	e.write("sub/b.txt", plain("Below the link", "Body."))
	e.cat.Close()
	link := filepath.Join(t.TempDir(), "articles")
	if err := os.Symlink(e.dir, link); err != nil {
		t.Fatal(err)
	}
	e.cfg.Dir = link
	e.open()
	if rep := e.reconcile(); len(rep.Added) != 2 {
		t.Fatalf("added %d through the link, want 2: %+v", len(rep.Added), rep)
	}
}

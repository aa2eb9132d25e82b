package catalog

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/testfix"
)

// clock is an injectable Now that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var day0 = time.Date(2024, 7, 9, 10, 0, 0, 0, time.UTC)

type env struct {
	t     *testing.T
	ctx   context.Context
	dir   string
	db    string
	clock *clock
	cfg   Config
	cat   *Catalog
	files *testfix.Dir // the article directory dir, each write with a distinct mtime
}

func newEnv(t *testing.T, mod ...func(*Config)) *env {
	t.Helper()
	root := t.TempDir()
	e := &env{t: t, ctx: context.Background(), dir: filepath.Join(root, "articles"),
		db: filepath.Join(root, "state", "catalog.db"), clock: &clock{t: day0}}
	e.files = testfix.NewDir(t, e.dir, time.Unix(1_700_000_000, 0))
	e.cfg = Config{Path: e.db, Dir: e.dir, Authority: "example.org", Now: e.clock.Now}
	for _, m := range mod {
		m(&e.cfg)
	}
	e.open()
	t.Cleanup(func() {
		if e.cat != nil {
			e.cat.Close()
		}
	})
	return e
}

func (e *env) open() {
	e.t.Helper()
	c, err := Open(e.ctx, e.cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	e.cat = c
}

func (e *env) reopen() {
	e.t.Helper()
	if err := e.cat.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.cat = nil
	e.open()
}

func (e *env) write(rel, content string) { e.t.Helper(); e.files.Write(rel, content) }
func (e *env) touch(rel string)          { e.t.Helper(); e.files.Touch(rel) }
func (e *env) rm(rel string)             { e.t.Helper(); e.files.Remove(rel) }
func (e *env) mv(from, to string)        { e.t.Helper(); e.files.Move(from, to) }

func (e *env) reconcile() Report {
	e.t.Helper()
	r, err := e.cat.Reconcile(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) reconcilePaths(rel ...string) Report {
	e.t.Helper()
	r, err := e.cat.ReconcilePaths(e.ctx, rel)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// entry returns the one entry whose path is rel, live or removed (the newest if several).
func (e *env) entry(rel string) Entry {
	e.t.Helper()
	var found Entry
	ok := false
	err := e.cat.Each(e.ctx, 0, func(en Entry) error {
		if en.Path == rel {
			found, ok = en, true
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	if !ok {
		e.t.Fatalf("no entry for %s", rel)
	}
	return found
}

func (e *env) all() []Entry {
	e.t.Helper()
	var out []Entry
	if err := e.cat.Each(e.ctx, 0, func(en Entry) error { out = append(out, en); return nil }); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func plain(title, body string) string { return title + "\n\n" + body + "\n" }

func md(front, body string) string { return "---\n" + front + "\n---\n" + body + "\n" }

// counts renders a report's sizes for compact assertions.
func counts(r Report) string {
	return fmt.Sprintf("a%d u%d r%d m%d x%d", len(r.Added), len(r.Updated), len(r.Removed), len(r.Moved), len(r.Rejected))
}

func wantCounts(t *testing.T, r Report, want string) {
	t.Helper()
	if got := counts(r); got != want {
		t.Fatalf("report %s, want %s (%+v)", got, want, r)
	}
}

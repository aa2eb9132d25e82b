package catalog

import (
	"bytes"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// dated is a Markdown article with a publication date.
func dated(title string, date time.Time) string {
	return md("title: "+title+"\ndate: "+date.Format(time.RFC3339), "Body of "+title+".")
}

func (e *env) release() Report {
	e.t.Helper()
	r, err := e.cat.Release(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

func (e *env) stats() Stats {
	e.t.Helper()
	st, err := e.cat.Stats(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	return st
}

// visibleTitles lists what every output is made from: Latest, and whether BySlug and Each see
// the entry with slug.
func (e *env) visibleIn(slug string) (latest, bySlug, each bool) {
	e.t.Helper()
	es, err := e.cat.Latest(e.ctx, 100)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, en := range es {
		latest = latest || en.Slug == slug
	}
	_, err = e.cat.BySlug(e.ctx, slug)
	if err != nil && !errors.Is(err, ErrNotFound) {
		e.t.Fatal(err)
	}
	bySlug = err == nil
	for _, en := range e.all() {
		each = each || en.Slug == slug
	}
	return latest, bySlug, each
}

func (e *env) wantVisible(slug string, want bool) {
	e.t.Helper()
	l, b, ea := e.visibleIn(slug)
	if l != want || b != want || ea != want {
		e.t.Fatalf("%s: in Latest %v, BySlug %v, Each %v; want all %v", slug, l, b, ea, want)
	}
}

// An article dated in the future is in the catalog with its id minted at first sight, in no
// lookup until its time, then released once, with a new Seq, as if it had just arrived.
func TestHeldUntilItsDate(t *testing.T) {
	e := newEnv(t)
	e.write("old.md", dated("Old news", day0.Add(-time.Hour)))
	e.reconcile()
	lastChange := e.stats().LastChange
	due := day0.Add(2 * time.Hour)
	e.clock.Add(time.Minute)
	e.write("embargo.md", dated("Embargoed interview", due))
	r := e.reconcile()
	if r.Changed() || len(r.Held) != 1 || len(r.Added) != 0 {
		t.Fatalf("held article reported as %s held %d (changed %v)", counts(r), len(r.Held), r.Changed())
	}
	id, slug := r.Held[0].ID, r.Held[0].Slug
	if id != "tag:example.org,2024-07-09:embargoed-interview" {
		t.Fatalf("held id %q", id)
	}
	e.wantVisible(slug, false)
	st := e.stats()
	if st.Held != 1 || st.Live != 1 || !st.NextDue.Equal(due) || !st.LastChange.Equal(lastChange) {
		t.Fatalf("stats %+v; want 1 held due %v, 1 live, last change still %v", st, due, lastChange)
	}

	// A reconcile with nothing to do keeps it held, and does not read it again.
	if r := e.reconcile(); r.Changed() || r.Read != 0 || len(r.Held) != 0 {
		t.Fatalf("second reconcile: %s read %d held %d", counts(r), r.Read, len(r.Held))
	}
	e.clock.Set(due.Add(-time.Second))
	if r := e.release(); r.Changed() {
		t.Fatalf("released a second early: %+v", r)
	}
	e.clock.Set(due)
	seqBefore := e.stats().Seq
	r = e.release()
	if len(r.Released) != 1 || r.Released[0].ID != id || !r.Changed() {
		t.Fatalf("release at the due time: %+v", r)
	}
	e.wantVisible(slug, true)
	en := e.entry("embargo.md")
	if en.ID != id || en.Seq <= seqBefore || !en.Published.Equal(due) || !en.Updated.Equal(due) {
		t.Fatalf("released entry %+v; want id %s, seq > %d, published and updated %v", en, id, seqBefore, due)
	}
	st = e.stats()
	if st.Held != 0 || !st.NextDue.IsZero() || st.Live != 2 || !st.LastChange.Equal(due) {
		t.Fatalf("stats after release %+v", st)
	}
	// Exactly once: neither another release nor a reconcile nor a restart releases it again.
	if r := e.release(); r.Changed() {
		t.Fatalf("released twice: %+v", r)
	}
	e.reopen()
	if r := e.reconcile(); r.Changed() || len(r.Released) != 0 {
		t.Fatalf("reconcile after release: %s released %d", counts(r), len(r.Released))
	}
}

// A daemon down at the due time, or a wall clock that jumped past it, publishes the entry at
// the first reconcile after, of either kind.
func TestReconcileReleasesWhatIsDue(t *testing.T) {
	for _, kind := range []string{"full", "paths"} {
		t.Run(kind, func(t *testing.T) {
			e := newEnv(t)
			e.write("a.md", dated("Alpha", day0.Add(time.Hour)))
			e.write("b.md", dated("Beta", day0.Add(3*time.Hour)))
			if r := e.reconcile(); len(r.Held) != 2 {
				t.Fatalf("held %d, want 2", len(r.Held))
			}
			e.reopen()
			e.clock.Add(2 * time.Hour) // a restart after a's time, before b's
			var r Report
			if kind == "full" {
				r = e.reconcile()
			} else {
				r = e.reconcilePaths("unrelated.txt")
			}
			if len(r.Released) != 1 || r.Released[0].Path != "a.md" {
				t.Fatalf("released %+v, want a.md", r.Released)
			}
			if st := e.stats(); st.Held != 1 || !st.NextDue.Equal(day0.Add(3*time.Hour)) {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

// An edit moving a held article's date later holds it again; one moving it into the past
// releases it; once released, a later date is an update and never an unpublish.
func TestEditOfHeldArticle(t *testing.T) {
	e := newEnv(t)
	e.write("a.md", dated("Alpha", day0.Add(time.Hour)))
	id := e.reconcile().Held[0].ID
	e.clock.Add(30 * time.Minute)
	e.write("a.md", dated("Alpha", day0.Add(5*time.Hour)))
	r := e.reconcile()
	if len(r.Held) != 1 || r.Changed() {
		t.Fatalf("date moved later: %s held %d", counts(r), len(r.Held))
	}
	e.clock.Set(day0.Add(time.Hour))
	if r := e.release(); r.Changed() {
		t.Fatalf("released at the old date: %+v", r)
	}
	if st := e.stats(); !st.NextDue.Equal(day0.Add(5 * time.Hour)) {
		t.Fatalf("next due %v", st.NextDue)
	}
	// Moved into the past: released by the edit itself.
	e.write("a.md", dated("Alpha", day0.Add(-time.Hour)))
	r = e.reconcile()
	if len(r.Released) != 1 || r.Released[0].ID != id || len(r.Updated) != 0 {
		t.Fatalf("date moved to the past: %s released %+v", counts(r), r.Released)
	}
	e.wantVisible(r.Released[0].Slug, true)
	// Visible now: a future date is an update.
	e.write("a.md", dated("Alpha", day0.Add(48*time.Hour)))
	r = e.reconcile()
	if len(r.Updated) != 1 || len(r.Held) != 0 {
		t.Fatalf("published article dated later: %s held %d", counts(r), len(r.Held))
	}
	e.wantVisible(r.Updated[0].Slug, true)
}

// A held article keeps its hold through a rename, and its removal changes nothing readers see.
func TestHeldArticleMovedAndRemoved(t *testing.T) {
	e := newEnv(t)
	e.write("a.md", dated("Alpha", day0.Add(time.Hour)))
	id := e.reconcile().Held[0].ID
	e.mv("a.md", "sub/a.md")
	r := e.reconcile()
	if len(r.Held) != 1 || r.Held[0].ID != id || len(r.Added) != 0 || len(r.Moved) != 0 {
		t.Fatalf("held article moved: %s held %+v", counts(r), r.Held)
	}
	last := e.stats().LastChange
	e.clock.Add(time.Minute)
	e.rm("sub/a.md")
	if r := e.reconcile(); len(r.Removed) != 1 {
		t.Fatalf("removal: %s", counts(r))
	}
	if st := e.stats(); st.Held != 0 || !st.LastChange.Equal(last) {
		t.Fatalf("stats after removing a held article %+v (last change was %v)", st, last)
	}
	e.clock.Add(2 * time.Hour)
	if r := e.release(); r.Changed() {
		t.Fatalf("a removed held article was released: %+v", r)
	}
	e.wantVisible("alpha", false)
}

// A draft is never published whatever its date, and a held article turned draft never is.
func TestDraftWithFutureDate(t *testing.T) {
	e := newEnv(t)
	e.write("d.md", md("title: Draft\ndraft: true\ndate: "+day0.Add(time.Hour).Format(time.RFC3339), "Body."))
	e.write("a.md", dated("Alpha", day0.Add(time.Hour)))
	r := e.reconcile()
	if len(r.Held) != 1 || r.Held[0].Path != "a.md" {
		t.Fatalf("held %+v, want only a.md", r.Held)
	}
	e.write("a.md", md("title: Alpha\ndraft: true\ndate: "+day0.Add(time.Hour).Format(time.RFC3339), "Body."))
	e.reconcile()
	e.clock.Add(2 * time.Hour)
	if r := e.reconcile(); r.Changed() || len(r.Released) != 0 {
		t.Fatalf("after the due time: %s released %d", counts(r), len(r.Released))
	}
	if st := e.stats(); st.Live != 0 || st.Held != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// With holding turned off an article dated in the future is published at once, with a warning
// beyond the tolerance, and entries held before are released at the first reconcile.
func TestPublishFuture(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	logTo := func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil)) }
	e := newEnv(t, logTo)
	e.write("held.md", dated("Held", day0.Add(time.Hour)))
	if r := e.reconcile(); len(r.Held) != 1 {
		t.Fatalf("held %d", len(r.Held))
	}
	e.cat.Close()
	e.cfg.PublishFuture, e.cfg.FutureTolerance = true, 30*time.Minute
	e.open()
	e.write("near.md", dated("Near", day0.Add(10*time.Minute)))
	e.write("far.md", dated("Far", day0.Add(2*time.Hour)))
	r := e.reconcile()
	if len(r.Added) != 2 || len(r.Held) != 0 || len(r.Released) != 1 {
		t.Fatalf("publish_future: %s held %d released %d", counts(r), len(r.Held), len(r.Released))
	}
	mu.Lock()
	defer mu.Unlock()
	log := buf.String()
	if n := strings.Count(log, "catalog publishes an article dated in the future"); n != 1 || !strings.Contains(log, "path=far.md published=2024-07-09T12:00:00Z") {
		t.Fatalf("%d future warnings, want 1 for far.md:\n%s", n, log)
	}
}

// One log line when an article is held and one when it is released, times in the configured zone.
func TestEmbargoLogLines(t *testing.T) {
	var buf bytes.Buffer
	var mu sync.Mutex
	seoul, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&lockedWriter{w: &buf, mu: &mu}, nil))
		c.Article.Location = seoul
	})
	e.write("a.md", dated("Alpha", day0.Add(time.Hour)))
	e.reconcile()
	e.clock.Add(time.Hour)
	e.release()
	mu.Lock()
	defer mu.Unlock()
	log := buf.String()
	if strings.Count(log, `msg="catalog held" path=a.md`) != 1 || !strings.Contains(log, "until=2024-07-09T20:00:00+09:00") {
		t.Errorf("want one held line until 20:00 KST:\n%s", log)
	}
	if strings.Count(log, `msg="catalog released" path=a.md`) != 1 || !strings.Contains(log, "due=2024-07-09T20:00:00+09:00") {
		t.Errorf("want one released line:\n%s", log)
	}
	if strings.Contains(log, "catalog added") {
		t.Errorf("a held article was logged as added:\n%s", log)
	}
}

// The next due time and the held count come from an index, not a scan of the table.
func TestHeldQueryUsesIndex(t *testing.T) {
	e := newEnv(t)
	q := `SELECT count(*), min(held_until) FROM entries WHERE removed = 0 AND held_until IS NOT NULL`
	if p := queryPlan(t, e, q); !strings.Contains(p, "entries_held") {
		t.Errorf("%s: plan %s", q, p)
	}
}

func TestHeldUntilRule(t *testing.T) {
	now := day0
	for _, c := range []struct {
		published time.Time
		off, want bool
	}{
		{now.Add(time.Second), false, true},
		{now.Add(999 * time.Millisecond), false, false}, // whole seconds: the same second as now
		{now, false, false},
		{now.Add(-time.Hour), false, false},
		{time.Time{}, false, false},
		{now.Add(time.Hour), true, false},
	} {
		until, held := HeldUntil(c.published, now, c.off)
		if held != c.want || held && !until.Equal(c.published.Truncate(time.Second)) {
			t.Errorf("HeldUntil(%v, off=%v) = %v, %v", c.published, c.off, until, held)
		}
	}
}

// A held article belongs to no feed (root archive, section, author, tag) and creates none, so
// no archive, sitemap or feed list shows it; released, it joins them as a new member.
func TestHeldArticleInNoFeed(t *testing.T) {
	e := newEnv(t)
	e.write("world/old.md", md("title: Old\ndate: 2024-07-01", "Body."))
	e.write("world/embargo.md", md("title: Embargo\ndate: "+day0.Add(time.Hour).Format(time.RFC3339)+
		"\nauthor: Secret Source\ntags: [Scoop]", "Body."))
	e.reconcile()
	feeds, err := e.cat.Feeds(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range feeds {
		if f.Kind == KindTag || f.Kind == KindAuthor {
			t.Errorf("feed %s %q created by a held article", f.Kind, f.Slug)
		}
	}
	if _, ids := e.members(KindSection, "world"); len(ids) != 1 || ids[0] != "world/old.md" {
		t.Fatalf("section members while held: %q", ids)
	}
	if _, ids := e.members(KindRoot, ""); len(ids) != 1 {
		t.Fatalf("root archive while held: %q", ids)
	}
	e.clock.Add(time.Hour)
	if r := e.release(); len(r.Released) != 1 {
		t.Fatalf("released %d", len(r.Released))
	}
	for _, c := range []struct {
		kind FeedKind
		slug string
	}{{KindRoot, ""}, {KindSection, "world"}, {KindTag, "scoop"}, {KindAuthor, "secret-source"}} {
		if _, ids := e.members(c.kind, c.slug); !slices.Contains(ids, "world/embargo.md") {
			t.Errorf("%s %q after release: %q", c.kind, c.slug, ids)
		}
	}
}

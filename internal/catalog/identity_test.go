package catalog

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/article"
)

// TestMintsSlugsInEveryScript: new entries are named by the slug rule (internal/slug), their
// tag: ids carry the slug percent-encoded, and a front matter slug wins over the title.
func TestMintsSlugsInEveryScript(t *testing.T) {
	e := newEnv(t)
	e.write("ko.txt", plain("서울시, 지하철 요금 150원 인상", "본문."))
	e.write("ja.txt", plain("東京で桜が満開に", "本文。"))
	e.write("fr.txt", plain("Crème brûlée", "Dessert."))
	e.write("symbols.txt", plain("★★★", "Only symbols."))
	e.write("declared.md", md("title: Anything\nslug: My Own Slug", "Body."))
	e.write("dup.md", md("title: Other\nslug: my-own-slug", "Body."))
	wantCounts(t, e.reconcile(), "a6 u0 r0 m0 x0")
	for path, want := range map[string][2]string{
		"ko.txt":      {"서울시-지하철-요금-150원-인상", "tag:example.org,2024-07-09:%EC%84%9C%EC%9A%B8%EC%8B%9C-%EC%A7%80%ED%95%98%EC%B2%A0-%EC%9A%94%EA%B8%88-150%EC%9B%90-%EC%9D%B8%EC%83%81"},
		"ja.txt":      {"東京で桜が満開に", "tag:example.org,2024-07-09:%E6%9D%B1%E4%BA%AC%E3%81%A7%E6%A1%9C%E3%81%8C%E6%BA%80%E9%96%8B%E3%81%AB"},
		"fr.txt":      {"crème-brûlée", "tag:example.org,2024-07-09:cr%C3%A8me-br%C3%BBl%C3%A9e"},
		"symbols.txt": {"symbols", "tag:example.org,2024-07-09:symbols"},
		"declared.md": {"my-own-slug", "tag:example.org,2024-07-09:my-own-slug"},
		"dup.md":      {"my-own-slug-2", "tag:example.org,2024-07-09:my-own-slug-2"},
	} {
		en := e.entry(path)
		if en.Slug != want[0] || en.ID != want[1] {
			t.Errorf("%s: slug %q id %q, want %q %q", path, en.Slug, en.ID, want[0], want[1])
		}
	}
	if en := e.entry("ko.txt"); en.Language != "ko" || en.PublishedZone != nil {
		t.Errorf("ko.txt: language %q zone %v", en.Language, en.PublishedZone)
	}
}

// TestStoresOwnOffset: a date written with its own offset keeps it for the pages.
func TestStoresOwnOffset(t *testing.T) {
	e := newEnv(t)
	e.write("a.md", md("title: A\ndate: 2024-07-09T07:56:00+09:00", "x"))
	e.write("b.md", md("title: B\ndate: 2024-07-09 07:56", "x"))
	e.reconcile()
	a, b := e.entry("a.md"), e.entry("b.md")
	if a.PublishedZone == nil || b.PublishedZone != nil {
		t.Fatalf("zones %v %v", a.PublishedZone, b.PublishedZone)
	}
	if _, off := a.Published.In(a.PublishedZone).Zone(); off != 9*3600 || a.Published.Location() != time.UTC {
		t.Errorf("offset %d, published %v", off, a.Published)
	}
	e.reopen()
	if a := e.entry("a.md"); a.PublishedZone == nil {
		t.Error("offset lost on reopen")
	}
}

func TestAuthority(t *testing.T) {
	for _, bad := range []string{"", "example.org:8080", "http://x", "ex ample.org", ".org", "a..b"} {
		if _, err := CheckAuthority(bad); err == nil {
			t.Errorf("authority %q accepted", bad)
		}
	}
	for in, want := range map[string]string{"Example.ORG": "example.org", "me@example.org": "me@example.org"} {
		if got, err := CheckAuthority(in); err != nil || got != want {
			t.Errorf("authority %q = %q, %v", in, got, err)
		}
	}
	e := newEnv(t)
	cfg := e.cfg
	cfg.Path = filepath.Join(t.TempDir(), "x.db")
	cfg.Authority = "example.org:80"
	if _, err := Open(e.ctx, cfg); err == nil {
		t.Fatal("Open accepted an authority with a port")
	}
}

func TestAddMintsTagURI(t *testing.T) {
	e := newEnv(t)
	e.write("hello.txt", plain("Hello, World", "First paragraph."))
	r := e.reconcile()
	wantCounts(t, r, "a1 u0 r0 m0 x0")
	en := e.entry("hello.txt")
	if en.ID != "tag:example.org,2024-07-09:hello-world" || en.Slug != "hello-world" {
		t.Fatalf("id %q slug %q", en.ID, en.Slug)
	}
	if !en.Published.Equal(day0) || !en.Updated.Equal(day0) || !en.FirstSeen.Equal(day0) {
		t.Fatalf("dates %v %v %v, want first-seen %v", en.Published, en.Updated, en.FirstSeen, day0)
	}
	if en.Published.Location() != time.UTC || en.Seq != 1 {
		t.Fatalf("published zone %v seq %d", en.Published.Location(), en.Seq)
	}
}

func TestEditKeepsIDAndBumpsUpdated(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Original title", "Body one."))
	e.reconcile()
	before := e.entry("a.txt")
	e.clock.Add(3 * time.Hour)
	e.write("a.txt", plain("Edited title", "Body two, longer."))
	r := e.reconcile()
	wantCounts(t, r, "a0 u1 r0 m0 x0")
	after := e.entry("a.txt")
	if after.ID != before.ID || after.Slug != before.Slug {
		t.Fatalf("edit changed identity: %q/%q -> %q/%q", before.ID, before.Slug, after.ID, after.Slug)
	}
	if after.Title != "Edited title" || !after.Updated.Equal(day0.Add(3*time.Hour)) || !after.Published.Equal(before.Published) {
		t.Fatalf("after edit: title %q updated %v published %v", after.Title, after.Updated, after.Published)
	}
	if after.Seq <= before.Seq {
		t.Fatalf("seq %d not after %d", after.Seq, before.Seq)
	}
}

func TestTouchChangesNothing(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Title", "Body."))
	e.reconcile()
	before := e.entry("a.txt")
	e.clock.Add(time.Hour)
	e.touch("a.txt")
	r := e.reconcile()
	if r.Read != 1 || r.Changed() || r.Unchanged != 1 {
		t.Fatalf("touch: %+v", r)
	}
	if after := e.entry("a.txt"); !entriesEqual(after, before) {
		t.Fatalf("touch changed entry: %+v -> %+v", before, after)
	}
	// The new mtime was stored, so the next reconcile does not read the file again.
	if r := e.reconcile(); r.Read != 0 || r.Changed() {
		t.Fatalf("after touch: %+v", r)
	}
}

func entriesEqual(a, b Entry) bool {
	return a.ID == b.ID && a.Slug == b.Slug && a.Path == b.Path && a.Title == b.Title &&
		a.Published.Equal(b.Published) && a.Updated.Equal(b.Updated) && a.Seq == b.Seq && a.Removed == b.Removed
}

func TestRenameKeepsIdentity(t *testing.T) {
	e := newEnv(t)
	e.write("old-name.txt", plain("Stable", "Body."))
	e.reconcile()
	before := e.entry("old-name.txt")
	e.clock.Add(48 * time.Hour) // a new day: a re-mint would give a different tag
	e.mv("old-name.txt", "new-name.txt")
	r := e.reconcile()
	wantCounts(t, r, "a0 u0 r0 m1 x0")
	after := e.entry("new-name.txt")
	if after.ID != before.ID || after.Slug != before.Slug || after.Removed || !after.Updated.Equal(before.Updated) {
		t.Fatalf("rename: %+v -> %+v", before, after)
	}
	if len(e.all()) != 1 {
		t.Fatal("rename left a second row")
	}
}

func TestMoveToSubfolderKeepsIdentity(t *testing.T) {
	e := newEnv(t)
	e.write("post.md", md("title: Moving day\ndate: 2024-01-02", "Body."))
	e.reconcile()
	before := e.entry("post.md")
	e.mv("post.md", "2024/01/post.md")
	r := e.reconcile()
	wantCounts(t, r, "a0 u0 r0 m1 x0")
	if r.Moved[0].Path != "2024/01/post.md" || r.Moved[0].ID != before.ID {
		t.Fatalf("moved %+v", r.Moved)
	}
	if after := e.entry("2024/01/post.md"); after.ID != before.ID || after.Slug != before.Slug {
		t.Fatalf("move: %+v -> %+v", before, after)
	}
}

func TestRestartKeepsIdentity(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Alpha", "Body."))
	e.write("b.md", md("title: Beta", "Body."))
	e.reconcile()
	before := e.all()
	e.reopen()
	e.clock.Add(72 * time.Hour)
	r := e.reconcile()
	if r.Read != 0 || r.Changed() {
		t.Fatalf("restart reconcile: %+v", r)
	}
	after := e.all()
	for i := range before {
		if !entriesEqual(before[i], after[i]) {
			t.Fatalf("restart changed %+v -> %+v", before[i], after[i])
		}
	}
	st, err := e.cat.Stats(e.ctx)
	if err != nil || st.Seq != 2 || !st.Created.Equal(day0) || st.Live != 2 {
		t.Fatalf("stats after restart %+v %v", st, err)
	}
}

func TestAuthorityChangeKeepsIDs(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Alpha", "Body."))
	e.reconcile()
	before := e.entry("a.txt")
	e.cat.Close()
	e.cat = nil
	e.cfg.Authority = "new.example.net"
	e.open()
	e.write("a.txt", plain("Alpha", "Edited body."))
	e.write("b.txt", plain("Beta", "Body."))
	e.reconcile()
	if got := e.entry("a.txt").ID; got != before.ID {
		t.Fatalf("authority change moved id %q -> %q", before.ID, got)
	}
	if got := e.entry("b.txt").ID; got != "tag:new.example.net,2024-07-09:beta" {
		t.Fatalf("new article id %q", got)
	}
}

func TestClockChangeKeepsIDs(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Alpha", "Body."))
	e.reconcile()
	before := e.entry("a.txt")
	// Clock set back a year: ids stay, and an edit still moves updated forward.
	e.clock.Add(-365 * 24 * time.Hour)
	e.write("a.txt", plain("Alpha", "Edited."))
	e.reconcile()
	back := e.entry("a.txt")
	if back.ID != before.ID || !back.Updated.After(before.Updated) || !back.Published.Equal(before.Published) {
		t.Fatalf("clock back: %+v -> %+v", before, back)
	}
	// Forward a year, full reconcile and restart: nothing changes.
	e.clock.Add(2 * 365 * 24 * time.Hour)
	e.reopen()
	if r := e.reconcile(); r.Changed() {
		t.Fatalf("clock forward reconcile changed: %+v", r)
	}
	if fwd := e.entry("a.txt"); fwd.ID != before.ID || !fwd.FirstSeen.Equal(before.FirstSeen) {
		t.Fatalf("clock forward: %+v", fwd)
	}
}

func TestSameTitleTwice(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Weekly notes", "One."))
	e.write("b.txt", plain("Weekly notes", "Two."))
	e.reconcile()
	a, b := e.entry("a.txt"), e.entry("b.txt")
	// Files are applied in walk order, so the suffix goes to the later path.
	if a.Slug != "weekly-notes" || b.Slug != "weekly-notes-2" || a.ID == b.ID {
		t.Fatalf("a %q %q, b %q %q", a.ID, a.Slug, b.ID, b.Slug)
	}
}

func TestDeleteThenReaddRestoresIdentity(t *testing.T) {
	e := newEnv(t)
	content := plain("Come back", "Same bytes.")
	e.write("a.txt", content)
	e.reconcile()
	before := e.entry("a.txt")
	e.rm("a.txt")
	e.clock.Add(24 * time.Hour)
	wantCounts(t, e.reconcile(), "a0 u0 r1 m0 x0")
	if !e.entry("a.txt").Removed {
		t.Fatal("not marked removed")
	}
	e.clock.Add(24 * time.Hour)
	e.write("a.txt", content)
	r := e.reconcile()
	wantCounts(t, r, "a1 u0 r0 m0 x0")
	after := e.entry("a.txt")
	if after.ID != before.ID || after.Slug != before.Slug || after.Removed || !after.Updated.Equal(before.Updated) {
		t.Fatalf("re-add: %+v -> %+v", before, after)
	}
	// Delete again and re-add under another name: a move of the removed entry.
	e.rm("a.txt")
	e.reconcile()
	e.write("elsewhere/b.txt", content)
	r = e.reconcile()
	wantCounts(t, r, "a0 u0 r0 m1 x0")
	if got := e.entry("elsewhere/b.txt"); got.ID != before.ID {
		t.Fatalf("re-add elsewhere got id %q", got.ID)
	}
	if n := len(e.all()); n != 1 {
		t.Fatalf("%d rows", n)
	}
}

func TestRemovedIdentityNeverReused(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Announcement", "First version."))
	e.reconcile()
	old := e.entry("a.txt")
	e.rm("a.txt")
	e.reconcile()
	e.write("a.txt", plain("Announcement", "A different article with the same title."))
	r := e.reconcile()
	wantCounts(t, r, "a1 u0 r0 m0 x0")
	now := r.Added[0]
	if now.ID == old.ID || now.Slug == old.Slug || now.Slug != "announcement-2" {
		t.Fatalf("new article reused identity: old %q/%q new %q/%q", old.ID, old.Slug, now.ID, now.Slug)
	}
}

func TestDeclaredID(t *testing.T) {
	e := newEnv(t)
	e.write("p.md", md("title: Declared\nid: urn:uuid:1234\ndate: 2024-01-02T03:04:05Z\nlastmod: 2024-02-03T00:00:00Z", "Body."))
	e.reconcile()
	en := e.entry("p.md")
	if en.ID != "urn:uuid:1234" || en.Slug != "declared" {
		t.Fatalf("id %q slug %q", en.ID, en.Slug)
	}
	if !en.Published.Equal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)) || !en.Updated.Equal(time.Date(2024, 2, 3, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("dates %v %v", en.Published, en.Updated)
	}
	// Moved and edited at once: the declared id still finds the entry.
	e.clock.Add(time.Hour)
	e.rm("p.md")
	e.write("sub/p.md", md("title: Declared, edited\nid: urn:uuid:1234\ndate: 2024-01-02T03:04:05Z", "New body."))
	r := e.reconcile()
	wantCounts(t, r, "a0 u0 r0 m1 x0")
	got := e.entry("sub/p.md")
	if got.ID != en.ID || got.Slug != en.Slug || got.Title != "Declared, edited" || !got.Updated.Equal(day0.Add(time.Hour)) {
		t.Fatalf("after move+edit %+v", got)
	}
}

func TestDuplicateDeclaredIDRejected(t *testing.T) {
	e := newEnv(t)
	e.write("a.md", md("title: First\nid: urn:x:1", "Body."))
	e.reconcile()
	e.write("b.md", md("title: Second\nid: urn:x:1", "Other body."))
	r := e.reconcile()
	wantCounts(t, r, "a0 u0 r0 m0 x1")
	rej := r.Rejected[0]
	if rej.Path != "b.md" || !errors.Is(rej.Err, ErrDuplicateID) ||
		!strings.Contains(rej.Err.Error(), "a.md") || !strings.Contains(rej.Err.Error(), "b.md") {
		t.Fatalf("rejection %+v", rej)
	}
	if n := len(e.all()); n != 1 {
		t.Fatalf("%d rows", n)
	}
	// Once the holder is gone the newcomer takes the id over (the same article, moved).
	e.rm("a.md")
	r = e.reconcile()
	wantCounts(t, r, "a0 u0 r0 m1 x0")
	if got := e.entry("b.md"); got.ID != "urn:x:1" || got.Title != "Second" {
		t.Fatalf("after holder removed %+v", got)
	}
}

func TestDraftRemoves(t *testing.T) {
	e := newEnv(t)
	e.write("d.md", md("title: Soon", "Body."))
	e.write("never.md", md("title: Never\ndraft: true", "Body."))
	r := e.reconcile()
	wantCounts(t, r, "a1 u0 r0 m0 x0")
	id := e.entry("d.md").ID
	e.write("d.md", md("title: Soon\ndraft: true", "Body."))
	r = e.reconcile()
	wantCounts(t, r, "a0 u0 r1 m0 x0")
	if latest, _ := e.cat.Latest(e.ctx, 10); len(latest) != 0 {
		t.Fatalf("draft still listed: %+v", latest)
	}
	if r := e.reconcile(); r.Read != 0 {
		t.Fatalf("unchanged draft re-read: %+v", r)
	}
	e.write("d.md", md("title: Soon", "Body, published again."))
	r = e.reconcile()
	if len(r.Added)+len(r.Updated) != 1 || e.entry("d.md").ID != id {
		t.Fatalf("republish: %+v %+v", r, e.entry("d.md"))
	}
}

func TestBrokenEditKeepsLastGood(t *testing.T) {
	e := newEnv(t)
	good := md("title: Good\ndate: 2024-01-01", "Good body.")
	e.write("g.md", good)
	e.reconcile()
	before := e.entry("g.md")
	e.write("g.md", "") // an editor truncated it mid-save
	r := e.reconcile()
	wantCounts(t, r, "a0 u0 r0 m0 x1")
	if !strings.Contains(r.Rejected[0].Err.Error(), "g.md") {
		t.Fatalf("rejection does not name the file: %v", r.Rejected[0].Err)
	}
	if got := e.entry("g.md"); !entriesEqual(got, before) {
		t.Fatalf("broken edit changed the entry: %+v", got)
	}
	if r := e.reconcile(); r.Read != 0 || len(r.Rejected) != 0 {
		t.Fatalf("unchanged broken file re-read: %+v", r)
	}
	// Restored to the same bytes: nothing to publish.
	e.write("g.md", good)
	if r := e.reconcile(); r.Changed() || r.Read != 1 {
		t.Fatalf("restore: %+v", r)
	}
	e.write("g.md", md("title: Bad date\ndate: yesterday-ish", "Body."))
	r = e.reconcile()
	if len(r.Rejected) != 1 || !errors.Is(r.Rejected[0].Err, article.ErrInvalid) {
		t.Fatalf("bad date: %+v", r)
	}
}

func TestKeepRemovedListing(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.KeepRemoved = true })
	e.write("a.txt", plain("Alpha", "Body."))
	e.write("b.txt", plain("Beta", "Body."))
	e.reconcile()
	e.rm("a.txt")
	e.reconcile()
	l, err := e.cat.Latest(e.ctx, 10)
	if err != nil || len(l) != 2 {
		t.Fatalf("latest %+v %v", l, err)
	}
	var removed int
	for _, en := range l {
		if en.Removed {
			removed++
		}
	}
	if removed != 1 {
		t.Fatalf("%d removed entries listed", removed)
	}
	if en, err := e.cat.BySlug(e.ctx, "alpha"); err != nil || !en.Removed {
		t.Fatalf("BySlug removed: %+v %v", en, err)
	}
	st, _ := e.cat.Stats(e.ctx)
	if st.Live != 1 || st.Removed != 1 {
		t.Fatalf("stats %+v", st)
	}

	// The same catalog without KeepRemoved hides it.
	e.cat.Close()
	e.cat = nil
	e.cfg.KeepRemoved = false
	e.open()
	if l, _ := e.cat.Latest(e.ctx, 10); len(l) != 1 || l[0].Slug != "beta" {
		t.Fatalf("latest %+v", l)
	}
	// Removed, not unknown: its page answers 410 Gone.
	if _, err := e.cat.BySlug(e.ctx, "alpha"); !errors.Is(err, ErrRemoved) || errors.Is(err, ErrNotFound) {
		t.Fatalf("BySlug removed without KeepRemoved: %v", err)
	}
	if _, err := e.cat.BySlug(e.ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("BySlug missing: %v", err)
	}
}

func TestNewsTextSeed(t *testing.T) {
	e := newEnv(t)
	e.files.CopySeed("news/yoon.txt")
	r := e.reconcile()
	wantCounts(t, r, "a1 u0 r0 m0 x0")
	en := e.entry("news/yoon.txt")
	if !strings.HasPrefix(en.Slug, "yoon-russia-needs-to-judge-carefully") || en.ContentHTML == "" {
		t.Fatalf("seed entry %q %q", en.Slug, en.Title)
	}
	if !strings.HasPrefix(en.ID, "tag:example.org,2024-07-09:yoon-") {
		t.Fatalf("seed id %q", en.ID)
	}
}

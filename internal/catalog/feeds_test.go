package catalog

import (
	"slices"
	"testing"
)

// members returns the ids of feed kind/slug's live members, newest first, and its feed.
func (e *env) members(kind FeedKind, slug string) (Feed, []string) {
	e.t.Helper()
	f, err := e.cat.FeedBySlug(e.ctx, kind, slug)
	if err != nil {
		e.t.Fatal(err)
	}
	es, err := e.cat.FeedRange(e.ctx, f.Key, 0, f.Ords)
	if err != nil {
		e.t.Fatal(err)
	}
	var ids []string
	for _, en := range es {
		ids = append(ids, en.Path)
		if en.ContentHTML != "" {
			e.t.Errorf("FeedRange read the content of %s", en.Path)
		}
	}
	slices.Sort(ids)
	return f, ids
}

func TestFeedMemberships(t *testing.T) {
	e := newEnv(t)
	e.write("politics/korea/a.md", md("title: A\ndate: 2024-07-01\nauthor: Na-Ri Shin <nari@example.com>\ntags: [Economy, Seoul]", "a"))
	e.write("politics/b.md", md("title: B\ndate: 2024-07-02\nauthors: [\"NARI  shin <NaRi@Example.com>\", \"Kim\"]\ncategories: [economy]", "b"))
	e.write("c.md", md("title: C\ndate: 2024-07-03\nauthor: kim", "c"))
	e.write("sports/d.html", `<html><head><title>D</title><meta property="article:section" content="Sports"><meta property="article:tag" content="Seoul"></head><body><p>d</p></body></html>`)
	e.reconcile()

	for _, tc := range []struct {
		kind FeedKind
		slug string
		want []string
	}{
		{KindRoot, "", []string{"c.md", "politics/b.md", "politics/korea/a.md", "sports/d.html"}},
		{KindSection, "politics", []string{"politics/b.md", "politics/korea/a.md"}},
		{KindSection, "politics/korea", []string{"politics/korea/a.md"}},
		{KindSection, "sports", []string{"sports/d.html"}},
		{KindAuthor, "nari-shin", []string{"politics/b.md", "politics/korea/a.md"}}, // one person by e-mail
		{KindAuthor, "kim", []string{"c.md", "politics/b.md"}},                      // by name, any case
		{KindTag, "economy", []string{"politics/b.md", "politics/korea/a.md"}},
		{KindTag, "seoul", []string{"politics/korea/a.md", "sports/d.html"}},
		{KindTag, "sports", []string{"sports/d.html"}},
	} {
		f, got := e.members(tc.kind, tc.slug)
		if !slices.Equal(got, tc.want) || f.Live != len(tc.want) {
			t.Errorf("%s %q: %v (live %d), want %v", tc.kind, tc.slug, got, f.Live, tc.want)
		}
	}
	// politics/b.md is read first (walk order), so its spelling names the person.
	if f, _ := e.members(KindAuthor, "nari-shin"); f.Name != "NARI shin" {
		t.Errorf("author name %q: the first spelling seen is kept", f.Name)
	}

	// A move keeps the id and moves the entry between sections; the old ordinal stays taken.
	id := e.entry("politics/korea/a.md").ID
	before, _ := e.members(KindSection, "politics")
	e.mv("politics/korea/a.md", "sports/a.md")
	e.reconcile()
	if got := e.entry("sports/a.md").ID; got != id {
		t.Fatalf("move changed the id: %s -> %s", id, got)
	}
	if _, got := e.members(KindSection, "politics/korea"); len(got) != 0 {
		t.Errorf("politics/korea still holds %v", got)
	}
	if _, got := e.members(KindSection, "sports"); !slices.Equal(got, []string{"sports/a.md", "sports/d.html"}) {
		t.Errorf("sports: %v", got)
	}
	after, got := e.members(KindSection, "politics")
	if !slices.Equal(got, []string{"politics/b.md"}) || after.Ords != before.Ords || after.Seq <= before.Seq {
		t.Errorf("politics after the move: %v, %+v (before %+v)", got, after, before)
	}

	// A removed article leaves every feed; changed feeds are reported by Seq.
	st, _ := e.cat.Stats(e.ctx)
	e.rm("c.md")
	e.reconcile()
	changed, err := e.cat.FeedsChanged(e.ctx, st.Seq)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, f := range changed {
		keys = append(keys, f.Key)
	}
	if !slices.Equal(keys, []string{"", "a:~kim"}) {
		t.Errorf("changed feeds after removing c.md: %q", keys)
	}
	if _, got := e.members(KindAuthor, "kim"); !slices.Equal(got, []string{"politics/b.md"}) {
		t.Errorf("kim after removal: %v", got)
	}

	// Indexing survives a reopen and is not redone.
	e.reopen()
	e.reconcile()
	if f, got := e.members(KindRoot, ""); len(got) != 3 || f.Ords != 4 {
		t.Errorf("root after reopen: %v, %+v", got, f)
	}
}

func TestFeedPagesStable(t *testing.T) {
	e := newEnv(t)
	for i := range 25 {
		e.write("s/"+string(rune('a'+i))+".txt", plain("Title "+string(rune('a'+i)), "body"))
		e.reconcile()
	}
	f, _ := e.members(KindSection, "s")
	seqs, err := e.cat.FeedPageSeqs(e.ctx, f.Key, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 3 {
		t.Fatalf("pages %v", seqs)
	}
	e.write("s/z.txt", plain("Title z", "body"))
	e.reconcile()
	seqs2, _ := e.cat.FeedPageSeqs(e.ctx, f.Key, 10)
	if seqs2[0] != seqs[0] || seqs2[1] != seqs[1] || seqs2[2] <= seqs[2] {
		t.Errorf("an addition changed an old page: %v -> %v", seqs, seqs2)
	}
	e.write("s/c.txt", plain("Title c", "edited"))
	e.reconcile()
	seqs3, _ := e.cat.FeedPageSeqs(e.ctx, f.Key, 10)
	if seqs3[0] <= seqs2[0] || seqs3[1] != seqs2[1] || seqs3[2] != seqs2[2] {
		t.Errorf("an edit of page 0 changed %v -> %v", seqs2, seqs3)
	}
}

// A rename within a folder, or a touch, changes nothing a reader of any feed sees: no feed
// changes. An edit changes exactly the feeds the article is in.
func TestFeedsUnchangedByRename(t *testing.T) {
	e := newEnv(t)
	e.write("news/a.md", md("title: A\ndate: 2024-07-01\nauthor: Kim\ntags: [x]", "a"))
	e.write("other/b.md", md("title: B\ndate: 2024-07-02", "b"))
	e.reconcile()
	st, _ := e.cat.Stats(e.ctx)
	e.mv("news/a.md", "news/a-renamed.md")
	e.touch("other/b.md")
	e.reconcile()
	if changed, _ := e.cat.FeedsChanged(e.ctx, st.Seq); len(changed) != 0 {
		t.Errorf("a rename and a touch changed feeds %+v", changed)
	}
	st, _ = e.cat.Stats(e.ctx)
	e.write("news/a-renamed.md", md("title: A\ndate: 2024-07-01\nauthor: Kim\ntags: [x]", "a, edited"))
	e.reconcile()
	changed, _ := e.cat.FeedsChanged(e.ctx, st.Seq)
	var keys []string
	for _, f := range changed {
		keys = append(keys, f.Key)
	}
	if !slices.Equal(keys, []string{"", "a:~kim", "s:news", "t:x"}) {
		t.Errorf("an edit changed feeds %q", keys)
	}
}

package feed

import (
	"bytes"
	"testing"

	"github.com/feedpub/feedpub/internal/catalog"
)

// checkIndex asserts that writeIndex writes for ci, related and items what index.html, the
// reference, writes with html/template.
func checkIndex(t *testing.T, r *Renderer, ci *chanInfo, related []Related, items []item) {
	t.Helper()
	d := r.indexData(ci, related)
	want := execRef(t, "index.html", indexView{&d, entryList(items, d.Lang)})
	var got bytes.Buffer
	writeIndex(&got, &d, items)
	if got.String() != want {
		t.Errorf("writeIndex differs from index.html:\n got %q\nwant %q", got.String(), want)
	}
}

// TestIndexMatchesTemplate: the root, a section with subsections and an author, as a
// subscription page and as first, middle and last archive pages, with entries and without,
// are written as the template writes them.
func TestIndexMatchesTemplate(t *testing.T) {
	r := newTestRenderer(t)
	items, err := r.items(testEntries(), false)
	if err != nil {
		t.Fatal(err)
	}
	related := []Related{{Title: `World & "more"`, Kind: catalog.KindSection, Slug: "news/world"}, {Kind: catalog.KindSection, Slug: "news/a b+c"}}
	for _, ch := range []Channel{
		{Kind: catalog.KindRoot, Pages: 3, Related: related},
		{Kind: catalog.KindSection, Slug: "news", Title: "News <&>", Description: `Desc "q" 'a' + b`, Pages: 3, Related: related},
		{Kind: catalog.KindAuthor, Slug: "alice", Title: "Alice", Pages: 1},
		{Kind: catalog.KindTag, Slug: "t", Pages: 0},
	} {
		for page := -1; page < ch.Pages; page++ {
			ci, err := r.info(ch, page)
			if err != nil {
				t.Fatal(err)
			}
			checkIndex(t, r, ci, ch.Related, items)
			checkIndex(t, r, ci, ch.Related, nil)
		}
	}
}

func FuzzIndex(f *testing.F) {
	f.Add("Fish & Chips", "a <b> description", "news/x", "World", "a title")
	f.Add("'\"+", "\x00", "javascript:x", "", "\xff")
	r := newTestRenderer(f)
	items, err := r.items(testEntries(), false)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, title, description, slug, related, entryTitle string) {
		ch := Channel{Kind: catalog.KindSection, Slug: slug, Title: title, Description: description, Pages: 2,
			Related: []Related{{Title: related, Kind: catalog.KindSection, Slug: slug + "/" + related}}}
		its := append([]item(nil), items...)
		its[0].title = entryTitle
		for page := -1; page < ch.Pages; page++ {
			ci, err := r.info(ch, page)
			if err != nil {
				t.Fatal(err)
			}
			checkIndex(t, r, ci, ch.Related, its)
		}
	})
}

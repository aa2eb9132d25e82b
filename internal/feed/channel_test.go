package feed

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feedcheck"
)

func TestDirRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		kind catalog.FeedKind
		slug string
		dir  string
	}{
		{catalog.KindRoot, "", ""},
		{catalog.KindSection, "politics", "sections/politics/"},
		{catalog.KindSection, "politics/korea", "sections/politics/korea/"},
		{catalog.KindSection, "politics/archive", "sections/politics/_archive/"}, // would be the archive directory
		{catalog.KindSection, "rss.xml/index.html", "sections/_rss.xml/_index.html/"},
		{catalog.KindSection, "_drafts/_archive", "sections/__drafts/__archive/"}, // "_" prefixes are escaped too
		{catalog.KindSection, "Über uns/a b", "sections/Über uns/a b/"},
		{catalog.KindAuthor, "na-ri-shin", "authors/na-ri-shin/"},
		{catalog.KindTag, "economy", "tags/economy/"},
	} {
		if got := Dir(tc.kind, tc.slug); got != tc.dir {
			t.Errorf("Dir(%s, %q) = %q, want %q", tc.kind, tc.slug, got, tc.dir)
		}
		kind, slug, ok := ParseDir(tc.dir)
		if !ok || kind != tc.kind || slug != tc.slug {
			t.Errorf("ParseDir(%q) = %s %q %v", tc.dir, kind, slug, ok)
		}
	}
	for _, bad := range []string{"sections/", "sections/archive/", "sections/_politics/", "sections/a/_b/", "sections/a/rss.xml/", "sections/a//b/", "sections/../x/",
		"authors/a/b/", "tags/", "other/x/", "sections/a"} {
		if k, s, ok := ParseDir(bad); ok {
			t.Errorf("ParseDir(%q) = %s %q, want no feed", bad, k, s)
		}
	}
}

type atomDoc struct {
	ID      string `xml:"id"`
	Archive *struct {
		XMLName xml.Name `xml:"http://purl.org/syndication/history/1.0 archive"`
	} `xml:"http://purl.org/syndication/history/1.0 archive"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
}

func (d atomDoc) link(rel string) string {
	for _, l := range d.Links {
		if l.Rel == rel {
			return l.Href
		}
	}
	return ""
}

func TestArchiveDocuments(t *testing.T) {
	r := newTestRenderer(t)
	ch := Channel{Kind: catalog.KindSection, Slug: "politics/korea", Title: "Korea desk", Description: "From Seoul", Pages: 3,
		Related: []Related{{Title: "Busan bureau", Kind: catalog.KindSection, Slug: "politics/korea/busan"}}}
	entries := testEntries()
	files := map[string]File{}
	sub, err := r.Subscription(ch, entries, day)
	if err != nil {
		t.Fatal(err)
	}
	for k := range 3 {
		page, err := r.ArchivePage(ch, k, entries[:1])
		if err != nil {
			t.Fatal(err)
		}
		sub = append(sub, page...)
	}
	for _, f := range sub {
		files[f.Name] = f
	}
	base := "https://example.org/blog/sections/politics/korea/"
	for _, tc := range []struct {
		name                         string
		archive                      bool
		self, current, prev, nextArc string
	}{
		{"atom.xml", false, base + "atom.xml", "", base + "archive/2.xml", ""},
		{"archive/2.xml", true, base + "archive/2.xml", base + "atom.xml", base + "archive/1.xml", ""},
		{"archive/1.xml", true, base + "archive/1.xml", base + "atom.xml", base + "archive/0.xml", base + "archive/2.xml"},
		{"archive/0.xml", true, base + "archive/0.xml", base + "atom.xml", "", base + "archive/1.xml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, ok := files["sections/politics/korea/"+tc.name]
			if !ok {
				t.Fatalf("no file; have %v", names(sub))
			}
			var d atomDoc
			if err := xml.Unmarshal(f.Body, &d); err != nil {
				t.Fatal(err)
			}
			if (d.Archive != nil) != tc.archive || d.link("self") != tc.self || d.link("current") != tc.current ||
				d.link("prev-archive") != tc.prev || d.link("next-archive") != tc.nextArc {
				t.Errorf("archive %v links %+v", d.Archive != nil, d.Links)
			}
			if d.ID != "tag:example.org,2024:feed/sections/politics/korea/" {
				t.Errorf("id %q", d.ID)
			}
			feedcheck.Jing(t, f.Body)
			feedcheck.Feedparser(t, f.Body, func(t *testing.T, p feedcheck.Parsed) {
				if p.Bozo != 0 || !strings.HasPrefix(p.Title, "Korea desk — ") {
					t.Errorf("feedparser: bozo %d %s title %q", p.Bozo, p.BozoException, p.Title)
				}
			})
		})
	}
	t.Run("rss", func(t *testing.T) {
		f := files["sections/politics/korea/archive/1.rss"]
		for _, want := range []string{`xmlns:fh="http://purl.org/syndication/history/1.0"`, "<fh:archive></fh:archive>",
			`<atom:link href="` + base + `archive/0.rss" rel="prev-archive"`, `<atom:link href="` + base + `rss.xml" rel="current"`,
			`<atom:link href="` + base + `archive/2.rss" rel="next-archive"`} {
			if !bytes.Contains(f.Body, []byte(want)) {
				t.Errorf("archive/1.rss lacks %s:\n%s", want, f.Body)
			}
		}
		feedcheck.Feedparser(t, f.Body, func(t *testing.T, p feedcheck.Parsed) {
			if p.Bozo != 0 || p.Version != "rss20" {
				t.Errorf("feedparser: bozo %d %s version %q", p.Bozo, p.BozoException, p.Version)
			}
		})
		sub := files["sections/politics/korea/rss.xml"].Body
		if !bytes.Contains(sub, []byte(`<atom:link href="`+base+`archive/2.rss" rel="prev-archive"`)) || bytes.Contains(sub, []byte("fh:archive")) {
			t.Errorf("subscription rss.xml:\n%s", sub)
		}
	})
	t.Run("json", func(t *testing.T) {
		for name, next := range map[string]string{"feed.json": base + "archive/2.json", "archive/2.json": base + "archive/1.json", "archive/0.json": ""} {
			body := files["sections/politics/korea/"+name].Body
			feedcheck.JSONSchema(t, body)
			var jf struct {
				FeedURL string `json:"feed_url"`
				NextURL string `json:"next_url"`
			}
			if err := json.Unmarshal(body, &jf); err != nil {
				t.Fatal(err)
			}
			if jf.FeedURL != base+"feed.json" || jf.NextURL != next {
				t.Errorf("%s: feed_url %q next_url %q", name, jf.FeedURL, jf.NextURL)
			}
		}
	})
	t.Run("html", func(t *testing.T) {
		idx := string(files["sections/politics/korea/index.html"].Body)
		for _, want := range []string{`<h1>Korea desk — `, `href="` + base + `archive/2.html">Older`, `href="` + base + `rss.xml"`,
			`<link rel="canonical" href="` + base + `">`} {
			if !strings.Contains(idx, want) {
				t.Errorf("index lacks %s:\n%s", want, idx)
			}
		}
		// The subsections are listed on the index page only: an archive page that listed
		// them would go stale when a subsection is added, as it is not rewritten then.
		if !strings.Contains(idx, `<nav class="sections">`) || !strings.Contains(idx, `href="`+base+`busan/">Busan bureau</a>`) {
			t.Errorf("index lacks the subsection:\n%s", idx)
		}
		for k := range 3 {
			if body := string(files[fmt.Sprintf("sections/politics/korea/archive/%d.html", k)].Body); strings.Contains(body, "Busan") || strings.Contains(body, `class="sections"`) {
				t.Errorf("archive/%d.html lists the subsections:\n%s", k, body)
			}
		}
		p0 := string(files["sections/politics/korea/archive/0.html"].Body)
		if !strings.Contains(p0, `href="`+base+`archive/1.html">Newer`) || strings.Contains(p0, "Older") {
			t.Errorf("archive/0.html:\n%s", p0)
		}
		p2 := string(files["sections/politics/korea/archive/2.html"].Body)
		if !strings.Contains(p2, `href="`+base+`">Newer`) || !strings.Contains(p2, `archive/1.html">Older`) {
			t.Errorf("archive/2.html:\n%s", p2)
		}
	})
	if _, err := r.ArchivePage(ch, 3, nil); err == nil {
		t.Error("page 3 of 3 rendered")
	}
}

var day = time.Date(2024, 3, 12, 8, 0, 0, 0, time.UTC)

func names(fs []File) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

func TestSiteFiles(t *testing.T) {
	r := newTestRenderer(t)
	feeds := []catalog.Feed{
		{Kind: catalog.KindRoot, Live: 3, Ords: 3, Changed: day},
		{Kind: catalog.KindSection, Slug: "politics", Name: "politics", Live: 2, Ords: 2, Changed: day},
		{Kind: catalog.KindAuthor, Slug: "kim", Name: "Kim & Co", Live: 1, Ords: 1, Changed: day},
		{Kind: catalog.KindTag, Slug: "gone", Name: "gone", Live: 0, Ords: 1, Changed: day},
	}
	var chs []Channel
	for _, f := range feeds[:3] {
		chs = append(chs, ChannelOf(f))
	}
	chs[1].Title = "Politics"
	f, err := r.OPML(chs)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version string `xml:"version,attr"`
		Body    []struct {
			Text     string `xml:"text,attr"`
			XMLURL   string `xml:"xmlUrl,attr"`
			Children []struct {
				Text   string `xml:"text,attr"`
				XMLURL string `xml:"xmlUrl,attr"`
			} `xml:"outline"`
		} `xml:"body>outline"`
	}
	if err := xml.Unmarshal(f.Body, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Version != "2.0" || len(doc.Body) != 3 || doc.Body[0].XMLURL != "https://example.org/blog/rss.xml" ||
		doc.Body[1].Children[0].XMLURL != "https://example.org/blog/sections/politics/rss.xml" ||
		!strings.HasPrefix(doc.Body[1].Children[0].Text, "Politics — ") || !strings.HasPrefix(doc.Body[2].Children[0].Text, "Kim & Co — ") {
		t.Errorf("opml %+v\n%s", doc, f.Body)
	}
	sm, err := r.Sitemap(NameSitemap, append(r.ArticleURLs([]catalog.Link{{Slug: "a", Updated: day}}), r.FeedURLs(feeds)...))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`, "<loc>https://example.org/blog/articles/a.html</loc>",
		"<loc>https://example.org/blog/authors/kim/</loc>", "<lastmod>" + day.UTC().Format("2006-01-02T15:04:05Z07:00") + "</lastmod>"} {
		if !bytes.Contains(sm.Body, []byte(want)) {
			t.Errorf("sitemap lacks %s:\n%s", want, sm.Body)
		}
	}
	if bytes.Contains(sm.Body, []byte("tags/gone")) {
		t.Errorf("sitemap lists an empty feed:\n%s", sm.Body)
	}
	if got := string(r.Robots().Body); !strings.Contains(got, "Sitemap: https://example.org/blog/sitemap.xml\n") {
		t.Errorf("robots.txt %q", got)
	}
}

func TestParsePath(t *testing.T) {
	r := newTestRenderer(t)
	// Every name the renderer gives a file parses back to its feed and page.
	for _, ch := range []Channel{{Kind: catalog.KindRoot, Pages: 2}, {Kind: catalog.KindSection, Slug: "a/archive", Pages: 2},
		{Kind: catalog.KindTag, Slug: "go", Pages: 2}} {
		sub, err := r.Subscription(ch, nil, day)
		if err != nil {
			t.Fatal(err)
		}
		page, err := r.ArchivePage(ch, 1, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range append(sub, page...) {
			p := ServedPath(f.Name)
			want := Target{Kind: ch.Kind, Slug: ch.Slug, Page: -1}
			if i >= 4 {
				want.Page = 1
			}
			got, ok := ParsePath(p)
			if ch.Kind == catalog.KindRoot && p == "" {
				if ok {
					t.Errorf("ParsePath(%q) = %+v: the root index is a fixed path", p, got)
				}
				continue
			}
			if !ok || got != want {
				t.Errorf("ParsePath(%q) = %+v %v, want %+v", p, got, ok, want)
			}
		}
	}
	for _, bad := range []string{"index.html", "sections/a/index.html", "archive/01.xml", "archive/1.txt", "archive/-1.xml",
		"archive/x.xml", "sections/a/archive/", "foo.xml", "tags/go/rss.xml/", "articles/a.html"} {
		if got, ok := ParsePath(bad); ok {
			t.Errorf("ParsePath(%q) = %+v", bad, got)
		}
	}
}

// TestHubsOnSubscriptionDocumentsOnly: a section's subscription feeds are WebSub topics with
// their own self URL; its archive pages and HTML pages name no hub.
func TestHubsOnSubscriptionDocumentsOnly(t *testing.T) {
	site := testSite()
	site.Hubs = []string{"https://hub.example.net/"}
	r, err := New(site)
	if err != nil {
		t.Fatal(err)
	}
	ch := Channel{Kind: catalog.KindSection, Slug: "politics", Title: "Politics", Pages: 1}
	sub, err := r.Subscription(ch, testEntries(), day)
	if err != nil {
		t.Fatal(err)
	}
	arch, err := r.ArchivePage(ch, 0, testEntries()[:1])
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sub[:3] {
		want := "https://example.org/blog/" + f.Name
		if f.Self != want || f.Link() != `<https://hub.example.net/>; rel="hub", <`+want+`>; rel="self"` {
			t.Errorf("%s: self %q, link %q", f.Name, f.Self, f.Link())
		}
		if !bytes.Contains(f.Body, []byte("https://hub.example.net/")) {
			t.Errorf("%s names no hub", f.Name)
		}
	}
	for _, f := range append(arch, sub[3]) {
		if f.Link() != "" || bytes.Contains(f.Body, []byte("hub.example.net")) {
			t.Errorf("%s names a hub", f.Name)
		}
	}
}

func TestFullText(t *testing.T) {
	r := newTestRenderer(t)
	entries := testEntries()
	for _, tc := range []struct {
		ch   Channel
		page int
		want bool
	}{
		{Channel{Kind: catalog.KindRoot, Pages: 1}, -1, true},
		{Channel{Kind: catalog.KindSection, Slug: "a", Pages: 1}, -1, true},
		{Channel{Kind: catalog.KindAuthor, Slug: "a", Pages: 1}, -1, false},
		{Channel{Kind: catalog.KindTag, Slug: "a", Pages: 1}, -1, false},
		{Channel{Kind: catalog.KindRoot, Pages: 1}, 0, false},
		{Channel{Kind: catalog.KindSection, Slug: "a", Pages: 1}, 0, false},
	} {
		var files []File
		var err error
		if tc.page < 0 {
			files, err = r.Subscription(tc.ch, entries, day)
		} else {
			files, err = r.ArchivePage(tc.ch, tc.page, entries)
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files[:3] {
			has := bytes.Contains(f.Body, []byte("<content")) || bytes.Contains(f.Body, []byte("content:encoded")) ||
				bytes.Contains(f.Body, []byte(`"content_html": "<`))
			if has != tc.want {
				t.Errorf("%s %q page %d %s: full text %v, want %v", tc.ch.Kind, tc.ch.Slug, tc.page, f.Name, has, tc.want)
			}
			if !bytes.Contains(f.Body, []byte("Summary with")) {
				t.Errorf("%s: no summary", f.Name)
			}
		}
	}
}

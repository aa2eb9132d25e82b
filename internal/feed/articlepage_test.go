package feed

import (
	"bytes"
	"html/template"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/article"
	"github.com/feedpub/feedpub/internal/catalog"
)

// checkArticle asserts that writeArticle writes for d what article.html, the reference,
// writes with html/template.
func checkArticle(t *testing.T, r *Renderer, d *pageData) {
	t.Helper()
	want := execRef(t, "article.html", d)
	var got bytes.Buffer
	writeArticle(&got, d)
	if got.String() != want {
		t.Errorf("writeArticle differs from article.html:\n got %q\nwant %q", got.String(), want)
	}
}

// checkPage asserts that Page writes for e what article.html writes for the same entry.
func checkPage(t *testing.T, r *Renderer, e catalog.Entry) {
	t.Helper()
	d, _, err := r.articleData(&e)
	if err != nil {
		t.Fatal(err)
	}
	page, err := r.Page(e)
	if err != nil {
		t.Fatal(err)
	}
	if want := execRef(t, "article.html", &d); string(page.Body) != want {
		t.Errorf("Page(%q) differs from article.html:\n got %q\nwant %q", e.Slug, page.Body, want)
	}
}

// awkward are texts with every character html/template escapes, scripts of every direction,
// bytes that are not UTF-8 and URLs of every kind it filters or percent-encodes.
var awkward = []string{"", `a&b<c>d"e'f+g`, "nul\x00byte", "naïve 日本 ✓ \uFFFD", "bad utf8 \xff\xfe",
	"한국어 기사 제목: 서울, 2024년", "שלום עולם \u200f مرحبا بالعالم \u202e", "javascript:alert(1)",
	"JavaScript:x", "HTTPS://Ex.ample/a b?c=d&e=f+g#h", "mailto:a@b.c", "/rel/path:x", "%zz%41%4", "%",
	"https://ex.ample/'quote'\"<>`{}|\\^", "data:text/html,x", "\t\n", "https://例え.jp/パス?q=한국#é",
	"<script>alert(1)</script>", "]]></title>", "--><!--"}

// TestArticleMatchesTemplate: for sites and entries with awkward text in every field, with
// and without authors, summaries, categories and an icon, updated or not, in zones east and
// west of UTC and in the page's language or another, the hand-written page is the template's.
func TestArticleMatchesTemplate(t *testing.T) {
	seoul := time.FixedZone("KST", 9*3600)
	pub := time.Date(2024, 7, 9, 7, 56, 0, 0, seoul)
	sites := []Site{testSite()}
	ko := testSite()
	ko.Language, ko.Title, ko.Description, ko.Icon = "ko-KR", "한겨레 & <뉴스>", "", true
	ko.Location = seoul
	sites = append(sites, ko)
	rtl := testSite()
	rtl.Language, rtl.Title, rtl.BaseURL = "he", `חדשות "ישראל" + 'עוד'`, "https://example.org/a%20b+c/"
	sites = append(sites, rtl)

	for si, site := range sites {
		r, err := New(site)
		if err != nil {
			t.Fatalf("site %d: %v", si, err)
		}
		entries := testEntries()
		for i, s := range awkward {
			e := catalog.Entry{
				ID:          "tag:example.org,2024:odd" + string(rune('a'+i)),
				Slug:        "odd-" + string(rune('a'+i)),
				Title:       s,
				Summary:     awkward[(i+1)%len(awkward)],
				ContentHTML: "<p>" + template.HTMLEscapeString(s) + `</p><p><a href="x.html">x</a></p>`,
				Categories:  []string{s, awkward[(i+2)%len(awkward)]},
				Language:    []string{"", "en", "ko", "he", "ar", "ja", `x"y`}[i%7],
				Published:   pub.Add(time.Duration(i) * time.Hour),
				Updated:     pub.Add(time.Duration(i) * time.Hour),
			}
			switch i % 3 {
			case 0:
				e.Authors = []article.Author{{Name: s}, {Name: "김철수"}}
			case 1:
				e.Authors = []article.Author{{Name: ""}}
				e.Updated = e.Published.Add(36 * time.Hour)
			}
			if i%4 == 0 {
				e.PublishedZone = time.FixedZone("", -(3*3600 + 30*60))
			}
			entries = append(entries, e)
		}
		for _, e := range entries {
			checkPage(t, r, e)
		}
	}

	// Values Page never makes (URLs of other schemes, empty fields) still escape as the template does.
	r := newTestRenderer(t)
	for i, s := range awkward {
		d := r.pageData(s, awkward[(i+3)%len(awkward)])
		d.Description, d.Canonical, d.HomeURL, d.IconURL = s, s, awkward[(i+1)%len(awkward)], s
		d.SiteTitle, d.FeedTitle = s, awkward[(i+2)%len(awkward)]
		d.Feeds = feedLinks{RSS: s, Atom: awkward[(i+4)%len(awkward)], JSON: awkward[(i+5)%len(awkward)]}
		d.Entry = &pageEntry{Title: s, Byline: s, Categories: s, Modified: i%2 == 0, Content: template.HTML(s),
			Published: pageTime{Machine: "2024-07-09T07:56:00+09:00", Human: s},
			Updated:   pageTime{Machine: "2024-07-10T07:56:00Z", Human: awkward[(i+1)%len(awkward)]}}
		checkArticle(t, r, &d)
	}
}

func FuzzArticle(f *testing.F) {
	f.Add("Fish & Chips", "a <b> summary", "<p>x</p>", "ko", "Alice", "R&D", "https://example.org/x", int64(0), int32(32400))
	f.Add("'\"+", "\x00", "", "", "", "", "javascript:x", int64(3600), int32(-18000))
	f.Add("שלום", "", "<a href=\"../y\">", "he", "Bob+Carol", "", "%4g%41 é", int64(-1), int32(0))
	r := newTestRenderer(f)
	f.Fuzz(func(t *testing.T, title, summary, content, lang, author, category, link string, updatedBy int64, offset int32) {
		zone := time.FixedZone("", int(offset%(18*3600)))
		pub := time.Date(2024, 7, 9, 7, 56, 0, 0, zone)
		e := catalog.Entry{ID: "tag:example.org,2024:fuzz", Slug: "fuzz", Title: title, Summary: summary,
			ContentHTML: content, Language: lang, Categories: []string{category}, PublishedZone: zone,
			Published: pub, Updated: pub.Add(time.Duration(updatedBy) * time.Second)}
		if author != "" {
			e.Authors = []article.Author{{Name: author}}
		}
		checkPage(t, r, e)
		d, _, err := r.articleData(&e)
		if err != nil {
			t.Fatal(err)
		}
		d.Canonical, d.HomeURL, d.IconURL, d.SiteTitle = link, link, link, title
		d.Feeds = feedLinks{RSS: link, Atom: link, JSON: link}
		checkArticle(t, r, &d)
	})
}

// newsEntry is an article as a newsroom writes most of them: a dozen paragraphs of text with
// no link or image to resolve, so that the page itself, not resolveHTML, is what is measured.
func newsEntry() catalog.Entry {
	e := bigEntries(1)[0]
	para := "<p>The council voted on Tuesday to extend the city's night bus service to the harbour district, after a year in which ridership on the late routes rose by almost a third.</p>\n"
	e.ContentHTML = strings.Repeat(para, 5000/len(para)+1)
	return e
}

// BenchmarkPageNews renders the page of newsEntry, as a cold build renders one per article.
func BenchmarkPageNews(b *testing.B) {
	r := newTestRenderer(b)
	e := newsEntry()
	b.ReportAllocs()
	b.SetBytes(int64(len(e.ContentHTML)))
	for b.Loop() {
		if _, err := r.Page(e); err != nil {
			b.Fatal(err)
		}
	}
}

package feed

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/article"
	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feedcheck"
)

func seoul(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// newsSite is the newsroom's site: English, dates in Korea Standard Time, an icon, no
// configured author.
func newsSite(t testing.TB) Site {
	return Site{
		Title:    "Seoul Daily",
		BaseURL:  "https://news.example.org/",
		Language: "en",
		FeedID:   "tag:news.example.org,2024:feed",
		Location: seoul(t),
		Icon:     true,
	}
}

// newsEntries: the English seed (posted 07:56 KST, still the 8th in UTC), a Korean article by
// two reporters, and an unsigned note whose date has an offset of its own.
func newsEntries() []catalog.Entry {
	return []catalog.Entry{
		{
			ID:          "tag:news.example.org,2024-07-09:yoon-russia",
			Slug:        "yoon-russia",
			Title:       "Yoon: “Russia Needs to Judge Carefully”",
			Summary:     "President Yoon Suk Yeol emphasized the future of Korea-Russia relations.",
			ContentHTML: "<p>President Yoon Suk Yeol emphasized the future of Korea-Russia relations.</p>",
			Authors:     []article.Author{{Name: "Na-Ri Shin", Email: "journari@donga.com"}},
			Published:   time.Date(2024, 7, 8, 22, 56, 0, 0, time.UTC),
			Updated:     time.Date(2024, 7, 8, 22, 56, 0, 0, time.UTC),
		},
		{
			ID:      "tag:news.example.org,2024-07-09:%EC%84%9C%EC%9A%B8",
			Slug:    "서울시-지하철-요금-150원-인상",
			Title:   "서울시, 지하철 요금 150원 인상",
			Summary: "서울시가 다음 달부터 지하철 기본요금을 150원 올린다.",
			ContentHTML: "<p>서울시가 다음 달부터 지하철 기본요금을 150원 올린다. 첫차부터 새 요금이 적용되며, 시는 누적된 적자 때문에 인상이 불가피하다고 밝혔다.</p>" +
				"<p>시 관계자는 \"시간대별 할인 제도는 그대로 유지된다\"고 설명했다.</p>",
			Authors:   []article.Author{{Name: "신나리 기자", Email: "journari@donga.com"}, {Name: "김민지 기자", Email: "minji@donga.com"}},
			Published: time.Date(2024, 7, 8, 22, 56, 0, 0, time.UTC),
			Updated:   time.Date(2024, 7, 9, 1, 30, 0, 0, time.UTC),
			Language:  "ko",
		},
		{
			ID:            "tag:news.example.org,2024-07-09:note",
			Slug:          "note",
			Title:         "A note from New York",
			ContentHTML:   "<p>Nobody signed this.</p>",
			Published:     time.Date(2024, 7, 9, 3, 0, 0, 0, time.UTC),
			Updated:       time.Date(2024, 7, 9, 3, 0, 0, 0, time.UTC),
			PublishedZone: time.FixedZone("", -4*3600),
		},
	}
}

func newsRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := New(newsSite(t))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestGoldenPages pins an English and a Korean article page, dates in KST.
func TestGoldenPages(t *testing.T) {
	r := newsRenderer(t)
	for name, e := range map[string]catalog.Entry{"page-en.html": newsEntries()[0], "page-ko.html": newsEntries()[1]} {
		page, err := r.Page(e)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join("testdata", "golden", name)
		if *update {
			if err := os.WriteFile(path, page.Body, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (run go test -update to create it)", err)
		}
		if !bytes.Equal(page.Body, want) {
			t.Errorf("%s differs from %s (run go test -update after checking the diff)", name, path)
		}
	}
}

func TestPagesInTheirLanguageAndZone(t *testing.T) {
	r := newsRenderer(t)
	es := newsEntries()
	page := func(e catalog.Entry) string {
		t.Helper()
		p, err := r.Page(e)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(p.Name, e.Slug) {
			t.Errorf("page name %q", p.Name)
		}
		return string(p.Body)
	}
	for _, tc := range []struct {
		name  string
		body  string
		wants []string
		nots  []string
	}{
		{"english, zone-less date in the site's zone", page(es[0]), []string{
			`<html lang="en">`, `Published <time datetime="2024-07-09T07:56:00+09:00">9 July 2024, 07:56</time>`,
			`· by Na-Ri Shin</p>`, `All articles`, `Subscribe:`, `<link rel="icon" href="https://news.example.org/favicon.ico">`,
		}, []string{"8 July"}},
		{"korean", page(es[1]), []string{
			`<html lang="ko">`, `입력 <time datetime="2024-07-09T07:56:00+09:00">2024년 7월 9일 07:56</time>`,
			`수정 <time datetime="2024-07-09T10:30:00+09:00">2024년 7월 9일 10:30</time>`,
			`· 신나리 기자, 김민지 기자</p>`, `전체 기사`, `구독:`,
			`:lang(ko) { word-break: keep-all; }`, `"Noto Serif CJK KR"`, `"Noto Sans CJK KR"`,
		}, []string{"Published", " by "}},
		{"own offset, no byline", page(es[2]), []string{
			`<time datetime="2024-07-08T23:00:00-04:00">8 July 2024, 23:00</time></p>`,
		}, []string{" by ", "Seoul Daily</p>\n<p class"}},
	} {
		for _, w := range tc.wants {
			if !strings.Contains(tc.body, w) {
				t.Errorf("%s: page lacks %s\n%s", tc.name, w, tc.body)
			}
		}
		for _, n := range tc.nots {
			if strings.Contains(tc.body, n) {
				t.Errorf("%s: page has %q", tc.name, n)
			}
		}
	}
	files := render(t, r, es)
	index := string(files[NameIndex].Body)
	for _, w := range []string{`<html lang="en">`, `<li lang="ko">`,
		`<a href="https://news.example.org/articles/%EC%84%9C%EC%9A%B8%EC%8B%9C-%EC%A7%80%ED%95%98%EC%B2%A0-%EC%9A%94%EA%B8%88-150%EC%9B%90-%EC%9D%B8%EC%83%81.html">`} {
		if !strings.Contains(index, w) {
			t.Errorf("index lacks %s", w)
		}
	}
	// A Korean site: the index speaks Korean, and a Korean entry needs no lang of its own.
	site := newsSite(t)
	site.Language = "ko-KR"
	kr, err := New(site)
	if err != nil {
		t.Fatal(err)
	}
	kfiles := render(t, kr, es)
	kindex := string(kfiles[NameIndex].Body)
	for _, w := range []string{`<html lang="ko-KR">`, `<li lang="en">`, "2024년 7월 9일 07:56", "구독:"} {
		if !strings.Contains(kindex, w) {
			t.Errorf("Korean index lacks %s", w)
		}
	}
	if strings.Contains(kindex, `<li lang="ko`) || bytes.Contains(kfiles[NameAtom].Body, []byte(`<entry xml:lang="ko`)) {
		t.Errorf("a Korean entry on a Korean site repeats the site's language")
	}
}

// TestFeedsForReaders: one author element per RSS item, no invented author, the entry's
// language, the icon, Korean links; valid for every reader and schema the tests run.
func TestFeedsForReaders(t *testing.T) {
	r := newsRenderer(t)
	files := render(t, r, newsEntries())
	rss, atom, jf := files[NameRSS].Body, files[NameAtom].Body, files[NameJSON].Body
	feedcheck.RSSSemantics(t, rss)
	feedcheck.Jing(t, atom)
	feedcheck.JSONSchema(t, jf)
	for _, b := range [][]byte{rss, atom} {
		feedcheck.Feedparser(t, b, func(t *testing.T, p feedcheck.Parsed) {
			for _, e := range p.Entries {
				var names []string
				for _, a := range e.Authors {
					names = append(names, a.Name)
				}
				all := strings.Join(names, ", ")
				switch {
				case strings.HasPrefix(e.Title, "서울시") && all != "신나리 기자, 김민지 기자":
					t.Errorf("%s: Korean article's authors %q", p.Version, all)
				case strings.HasPrefix(e.Title, "A note") && all != "":
					t.Errorf("%s: unsigned note's authors %q", p.Version, all)
				}
			}
		})
	}
	for _, want := range []string{
		"<dc:creator>신나리 기자, 김민지 기자</dc:creator>", "<author>journari@donga.com (Na-Ri Shin)</author>",
		"<image>\n      <url>https://news.example.org/favicon.ico</url>\n      <title>Seoul Daily</title>\n      <link>https://news.example.org/</link>\n    </image>",
		"<link>https://news.example.org/articles/%EC%84%9C%EC%9A%B8%EC%8B%9C-%EC%A7%80%ED%95%98%EC%B2%A0-%EC%9A%94%EA%B8%88-150%EC%9B%90-%EC%9D%B8%EC%83%81.html</link>",
	} {
		if !bytes.Contains(rss, []byte(want)) {
			t.Errorf("RSS lacks %s:\n%s", want, rss)
		}
	}
	for _, want := range []string{"<icon>https://news.example.org/favicon.ico</icon>", `<entry xml:lang="ko">`,
		"<author>\n    <name>Seoul Daily</name>\n  </author>"} {
		if !bytes.Contains(atom, []byte(want)) {
			t.Errorf("Atom lacks %s:\n%s", want, atom)
		}
	}
	if bytes.Count(atom, []byte("xml:lang=")) != 2 { // the feed's and the Korean entry's
		t.Errorf("Atom: %d xml:lang attributes, want 2", bytes.Count(atom, []byte("xml:lang=")))
	}
	var j struct {
		Icon, Favicon string
		Authors       []any
		Items         []struct {
			Title, Language string
			Authors         []struct{ Name string }
		}
	}
	if err := json.Unmarshal(jf, &j); err != nil {
		t.Fatal(err)
	}
	if j.Icon != "https://news.example.org/favicon.ico" || j.Favicon != j.Icon || j.Authors != nil {
		t.Errorf("JSON Feed icon %q favicon %q authors %v", j.Icon, j.Favicon, j.Authors)
	}
	for _, it := range j.Items {
		switch {
		case strings.HasPrefix(it.Title, "서울시") && (it.Language != "ko" || len(it.Authors) != 2):
			t.Errorf("JSON Feed Korean item: %+v", it)
		case strings.HasPrefix(it.Title, "A note") && (it.Language != "" || it.Authors != nil):
			t.Errorf("JSON Feed note: %+v", it)
		}
	}
	// A configured author is the JSON Feed's feed-level author.
	site := newsSite(t)
	site.Author = article.Author{Name: "The Desk"}
	ar, err := New(site)
	if err != nil {
		t.Fatal(err)
	}
	if b := render(t, ar, newsEntries())[NameJSON].Body; !bytes.Contains(b, []byte(`"authors": [`+"\n    {\n      \"name\": \"The Desk\"")) {
		t.Errorf("configured author missing from the JSON Feed:\n%s", b)
	}
}

func TestEntryLanguage(t *testing.T) {
	for _, tc := range []struct {
		site, lang, title, want string
	}{
		{"en", "", "Hello world", "en"},
		{"en", "", "서울시, 지하철 요금 150원 인상", "ko"}, // stored before languages were: judged by script
		{"en", "ko", "Hello", "ko"},             // declared
		{"ko-KR", "ko", "서울시", "ko-KR"},         // same language as the site: the site's fuller tag
		{"en", "en-GB", "Colour", "en-GB"},      // a declared region is kept
		{"en", "not a tag!", "Hello", "en"},     // garbage never reaches xml:lang
		{"", "", "Hello", ""},
	} {
		site := newsSite(t)
		site.Language = tc.site
		r, err := New(site)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.entryLanguage(&catalog.Entry{Language: tc.lang, Title: tc.title}); got != tc.want {
			t.Errorf("site %q, entry %q %q: %q, want %q", tc.site, tc.lang, tc.title, got, tc.want)
		}
	}
}

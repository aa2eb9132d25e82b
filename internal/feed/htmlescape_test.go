package feed

import (
	"bytes"
	"html/template"
	"regexp"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/article"
)

// entryListTemplate is the entry list as index.html wrote it with html/template before
// entryList wrote it by hand: the oracle entryList must match byte for byte.
var entryListTemplate = template.Must(template.New("list").Parse(`
{{- range .}}
<li{{with .Lang}} lang="{{.}}"{{end}}>
<h2><a href="{{.URL}}">{{.Title}}</a></h2>
<p class="meta">{{.Published.Element}}{{with .Byline}} · {{.}}{{end}}</p>
{{- with .Summary}}
<p>{{.}}</p>
{{- end}}
</li>
{{- end}}`))

// entryList is the list writeEntries writes, as the template's List.
func entryList(items []item, lang string) template.HTML {
	var b bytes.Buffer
	writeEntries(&b, items, lang)
	return template.HTML(b.String())
}

func checkEntryList(t *testing.T, r *Renderer, items []item, lang string) {
	t.Helper()
	pes := make([]pageEntry, len(items))
	for i := range items {
		pes[i] = r.pageEntry(&items[i], lang)
	}
	var want bytes.Buffer
	if err := entryListTemplate.Execute(&want, pes); err != nil {
		t.Fatal(err)
	}
	if got := string(entryList(items, lang)); got != want.String() {
		t.Errorf("entryList differs from html/template:\n got %q\nwant %q", got, want.String())
	}
}

// TestEntryListMatchesTemplate: for text with every character html/template escapes, URLs of
// every kind it filters or percent-encodes, entries in the page's language and others, with
// and without authors and summaries, the hand-written list is what the template wrote.
func TestEntryListMatchesTemplate(t *testing.T) {
	r := newTestRenderer(t)
	items, err := r.items(testEntries(), false)
	if err != nil {
		t.Fatal(err)
	}
	odd := []string{"", `a&b<c>d"e'f+g`, "nul\x00byte", "naïve 日本 ✓ \uFFFD", "bad utf8 \xff\xfe",
		"javascript:alert(1)", "JavaScript:x", "HTTPS://Ex.ample/a b?c=d&e=f+g#h", "mailto:a@b.c",
		"/rel/path:x", "%zz%41%4", "%", "https://ex.ample/'quote'\"<>`{}|\\^", "data:text/html,x", "\t\n"}
	for i, s := range odd {
		it := items[i%len(items)]
		it.title, it.summary, it.link = s, odd[(i+1)%len(odd)], s
		if i%2 == 0 {
			it.authors = []article.Author{{Name: s}}
		}
		items = append(items, it)
	}
	for _, lang := range []string{"en", "ko", "ja", ""} {
		checkEntryList(t, r, items, lang)
	}
}

func FuzzEntryList(f *testing.F) {
	f.Add("Fish & Chips", "a <b> summary", "https://example.org/blog/articles/x.html", "ko", "Alice")
	f.Add("'\"+", "\x00", "javascript:x", "", "")
	f.Add("", "", "%4g%41 é", "en", "Bob+Carol")
	r := newTestRenderer(f)
	f.Fuzz(func(t *testing.T, title, summary, link, lang, author string) {
		it := item{title: title, summary: summary, link: link, lang: lang, zone: time.UTC,
			published: time.Date(2024, 7, 9, 7, 56, 0, 0, time.UTC)}
		if author != "" {
			it.authors = []article.Author{{Name: author}}
		}
		checkEntryList(t, r, []item{it}, "en")
	})
}

// langShapeRE is the expression langShape is written from.
var langShapeRE = regexp.MustCompile(`^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$`)

func checkLangShape(t *testing.T, s string) {
	if got, want := langShape(s), langShapeRE.MatchString(s); got != want {
		t.Errorf("langShape(%q) = %v, the expression says %v", s, got, want)
	}
}

func TestLangShape(t *testing.T) {
	for _, s := range []string{"", "en", "en-US", "ko-KR", "zh-Hant-TW", "x", "abcdefgh", "abcdefghi", "en-",
		"-en", "en--US", "e1", "1en", "en-1", "en-12345678", "en-123456789", "en_US", "en US", "é", "en-US\n", "sr-Latn-RS-1994"} {
		checkLangShape(t, s)
	}
}

func FuzzLangShape(f *testing.F) {
	for _, s := range []string{"en-US", "en--", "zh-Hant-TW-abcdefghi", "1"} {
		f.Add(s)
	}
	f.Fuzz(checkLangShape)
}

// emailShapeRE is the expression emailShape is written from.
var emailShapeRE = regexp.MustCompile(`^[^\s@()<>]+@[^\s@()<>]+$`)

func checkEmailShape(t *testing.T, s string) {
	if got, want := emailShape(s), emailShapeRE.MatchString(s); got != want {
		t.Errorf("emailShape(%q) = %v, the expression says %v", s, got, want)
	}
}

func TestEmailShape(t *testing.T) {
	for _, s := range []string{"", "a@b", "@b", "a@", "a@@b", "a@b@c", "a b@c", "a@b\n", "a(b)@c", "<a@b>",
		"ü@例え.jp", "\xff@\xfe", "a\v@b", "a@b.c\t"} {
		checkEmailShape(t, s)
	}
}

func FuzzEmailShape(f *testing.F) {
	for _, s := range []string{"alice@example.org", "a@b@c", "x\f@y"} {
		f.Add(s)
	}
	f.Fuzz(checkEmailShape)
}

package article

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Seoul must resolve on machines without a zone database
	"unicode/utf8"

	"github.com/feedpub/feedpub/internal/testfix"
)

func seoul(tb testing.TB) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation("Asia/Seoul")
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

func seoulOpts(tb testing.TB) Options { return Options{Location: seoul(tb)} }

// TestSeedCheck is the acceptance check for the real export in seeds/.
func TestSeedCheck(t *testing.T) {
	a, err := ParseFile("testdata/seed.txt", seoulOpts(t))
	if err != nil {
		t.Fatal(err)
	}
	if a.Format != FormatNewsText {
		t.Errorf("format = %q, want news-text", a.Format)
	}
	const title = "Yoon: “Russia Needs to Judge Carefully Who Is More Important Between North and South Korea”"
	if a.Title != title {
		t.Errorf("title = %q, want %q", a.Title, title)
	}
	want := "2024-07-09T07:56:00+09:00"
	if got := a.Published.Format(time.RFC3339); got != want {
		t.Errorf("published = %s, want %s", got, want)
	}
	if got := a.Updated.Format(time.RFC3339); got != want {
		t.Errorf("updated = %s, want %s", got, want)
	}
	if !a.Published.Equal(time.Date(2024, 7, 8, 22, 56, 0, 0, time.UTC)) {
		t.Errorf("published instant = %v", a.Published.UTC())
	}
	if len(a.Authors) != 1 || a.Authors[0] != (Author{Name: "Na-Ri Shin", Email: "journari@donga.com"}) {
		t.Errorf("authors = %+v", a.Authors)
	}
	const first = "President Yoon Suk Yeol emphasized that the future of Korea-Russia relations hinges entirely on Russia’s attitude, urging Moscow to decide whether North or South Korea is more important and necessary."
	if a.Summary != first {
		t.Errorf("summary = %q", a.Summary)
	}
	if n := strings.Count(a.ContentHTML, "<p>"); n != 7 {
		t.Errorf("content has %d <p>, want 7", n)
	}
	if !strings.HasPrefix(a.ContentHTML, "<p>"+first+"</p>\n") {
		t.Errorf("content does not open with the first paragraph: %.120q", a.ContentHTML)
	}
	for _, bad := range []string{"journari", "Na-Ri Shin", "Posted", "Updated", "Go to contents", "Russia Needs to Judge"} {
		if strings.Contains(a.ContentHTML, bad) {
			t.Errorf("content contains %q", bad)
		}
	}
	// The seed itself must parse the same way from the repository's seeds directory.
	b, err := ParseFile(testfix.SeedPath(t), seoulOpts(t))
	if err != nil {
		t.Fatal(err)
	}
	if b.ContentHTML != a.ContentHTML || b.Title != a.Title {
		t.Error("seeds/ copy and testdata copy parse differently")
	}
}

func TestNewsTextMonths(t *testing.T) {
	months := []struct {
		full, abbr string
		m          time.Month
	}{
		{"January", "Jan", 1}, {"February", "Feb", 2}, {"March", "Mar", 3}, {"April", "Apr", 4},
		{"May", "May", 5}, {"June", "Jun", 6}, {"July", "Jul", 7}, {"August", "Aug", 8},
		{"September", "Sep", 9}, {"October", "Oct", 10}, {"November", "Nov", 11}, {"December", "Dec", 12},
	}
	loc := seoul(t)
	for _, mo := range months {
		spellings := []string{mo.full, mo.full + ".", mo.abbr, mo.abbr + ".",
			strings.ToLower(mo.abbr) + ".", strings.ToUpper(mo.full)}
		if mo.m == time.September {
			spellings = append(spellings, "Sept.", "Sept")
		}
		for _, sp := range spellings {
			in := "Title\n\nPosted " + sp + " 7, 2024 07:56,\u00a0\u00a0\n\nUpdated " + sp + " 09, 2024 23:05\n\nBody.\n"
			a, err := Parse("x.txt", []byte(in), Options{Location: loc})
			if err != nil {
				t.Errorf("%s: %v", sp, err)
				continue
			}
			if a.Format != FormatNewsText {
				t.Errorf("%s: format %s", sp, a.Format)
			}
			if want := time.Date(2024, mo.m, 7, 7, 56, 0, 0, loc); !a.Published.Equal(want) {
				t.Errorf("%s: published %v, want %v", sp, a.Published, want)
			}
			if want := time.Date(2024, mo.m, 9, 23, 5, 0, 0, loc); !a.Updated.Equal(want) {
				t.Errorf("%s: updated %v, want %v", sp, a.Updated, want)
			}
		}
	}
}

func TestScanDate(t *testing.T) {
	utc := time.UTC
	tests := []struct {
		in   string
		want string // RFC 3339, "" for no date
	}{
		{"July. 09, 2024 07:56", "2024-07-09T07:56:00Z"},
		{"May 1, 2024 7:05", "2024-05-01T07:05:00Z"},
		{"Sept. 30, 2023 23:59:58", "2023-09-30T23:59:58Z"},
		{"Mar.4, 2024 10:00", "2024-03-04T10:00:00Z"},
		{"Feb. 29, 2024", "2024-02-29T00:00:00Z"},
		{"Feb. 29, 2023 10:00", ""},
		{"Febr. 2, 2023 10:00", ""},
		{"July 32, 2024 10:00", ""},
		{"July 123, 2024 10:00", ""},
		{"July 3, 24 10:00", ""},
		{"July 3, 2024 24:00", ""},
		{"July 3, 2024 10:7", ""},
		{"Mayday 3, 2024", ""},
		{"May3, 2024", ""},
	}
	for _, tt := range tests {
		got, _, ok := scanDate(tt.in, utc)
		if (tt.want == "") == ok || (ok && got.Format(time.RFC3339) != tt.want) {
			t.Errorf("scanDate(%q) = %v, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestNewsText(t *testing.T) {
	loc := seoul(t)
	const body = "\n\nFirst paragraph.\n\nSecond paragraph.\n"
	tests := []struct {
		name, in       string
		title          string
		published      string
		updated        string
		authors        []Author
		summary        string
		paras          int
		contentHas     []string
		contentLacks   []string
		format         Format
		wantErr        error
		warningsSubstr string
	}{
		{name: "title once, no go-to, no updated, no byline, no trailing newline",
			in:    "Title Here\n\nPosted Jan. 2, 2024 10:00\n\nOnly paragraph.",
			title: "Title Here", published: "2024-01-02T10:00:00+09:00", summary: "Only paragraph.", paras: 1},
		{name: "updated only",
			in:    "Go to contents\n\nT\n\nT\n\nUpdated Dec. 31, 2024 23:59" + body,
			title: "T", updated: "2024-12-31T23:59:00+09:00", summary: "First paragraph.", paras: 2},
		{name: "go to contents without dates",
			in:    "Go to contents\n\nHeadline\n\nHeadline" + body + "\nJae Lee jae@donga.com",
			title: "Headline", summary: "First paragraph.", paras: 2,
			authors: []Author{{"Jae Lee", "jae@donga.com"}}},
		{name: "wrapped title given twice",
			in:    "Go to contents\n\nA long\nheadline\n\nA long\nheadline\n\nPosted Oct 5, 2022 08:00," + body,
			title: "A long headline", published: "2022-10-05T08:00:00+09:00", paras: 2, summary: "First paragraph."},
		{name: "repeated title differing in spacing",
			in:    "Head\u00a0 line\n\nHead line\n\nPosted Oct 5, 2022 08:00," + body,
			title: "Head line", published: "2022-10-05T08:00:00+09:00", paras: 2, summary: "First paragraph."},
		{name: "posted and updated lines in one block",
			in:    "Headline\n\nPosted Oct 5, 2022 08:00,\nUpdated Oct 6, 2022 09:00" + body,
			title: "Headline", published: "2022-10-05T08:00:00+09:00", updated: "2022-10-06T09:00:00+09:00", paras: 2, summary: "First paragraph."},
		{name: "a Posted line glued to prose is not a header",
			in:     "Headline\nPosted Oct 5, 2022 08:00," + body,
			format: FormatPlainText, title: "Headline", paras: 3, summary: "Posted Oct 5, 2022 08:00,"},
		{name: "a Posted line after a prose paragraph is not a header",
			in:     "Diary\n\nwoke up\nate\n\nPosted Oct 5, 2022 08:00\n\nend",
			format: FormatPlainText, title: "Diary", paras: 3, summary: "woke up ate"},
		{name: "CRLF, BOM, NBSP, trailing whitespace",
			in:    "\ufeffGo to contents\r\n\r\nHead\u00a0 line \u00a0\r\n\r\nHead\u00a0 line \u00a0\r\n\r\nPosted Apr. 1, 2024 09:00,\u00a0\u00a0\u00a0 \r\n\r\nBody\u00a0one.  \r\n\r\n\r\nBody two.\r\nA B ab@x.co\r\n",
			title: "Head line", published: "2024-04-01T09:00:00+09:00", summary: "Body one.", paras: 2,
			authors: []Author{{"A B", "ab@x.co"}}, contentLacks: []string{"\r", "ab@x.co", "  "}},
		{name: "lone CR line endings",
			in:    "Head\r\rPosted Apr. 1, 2024 09:00\r\rBody one.\r\rBody two.",
			title: "Head", published: "2024-04-01T09:00:00+09:00", summary: "Body one.", paras: 2},
		{name: "several reporters with commas",
			in:    "T\n\nPosted May 5, 2024 05:05" + body + "\nNa-Ri Shin journari@donga.com, Ji-Hoon Kim jihoon@donga.com",
			title: "T", published: "2024-05-05T05:05:00+09:00", summary: "First paragraph.", paras: 2,
			authors: []Author{{"Na-Ri Shin", "journari@donga.com"}, {"Ji-Hoon Kim", "jihoon@donga.com"}}},
		{name: "several reporters with middle dot, and, spaces",
			in:    "T\n\nPosted May 5, 2024 05:05" + body + "\nA Kim a@d.com · B Lee b@d.com and C Park c@d.com D Choi <d@d.com>",
			title: "T", published: "2024-05-05T05:05:00+09:00", summary: "First paragraph.", paras: 2,
			authors: []Author{{"A Kim", "a@d.com"}, {"B Lee", "b@d.com"}, {"C Park", "c@d.com"}, {"D Choi", "d@d.com"}}},
		{name: "closing sentence with an e-mail is body, not byline",
			in:    "T\n\nPosted May 5, 2024 05:05\n\nFirst.\n\nFor tips write to tips@donga.com",
			title: "T", published: "2024-05-05T05:05:00+09:00", summary: "First.", paras: 2,
			contentHas: []string{"tips@donga.com"}},
		{name: "markup characters are text",
			in:    "A <b> & C\n\nPosted May 5, 2024 05:05\n\nx < y && y > z \"q\" 'a'\n\n<script>alert(1)</script>",
			title: "A <b> & C", summary: "x < y && y > z \"q\" 'a'", paras: 2,
			published:    "2024-05-05T05:05:00+09:00",
			contentHas:   []string{"<p>x &lt; y &amp;&amp; y &gt; z &#34;q&#34; &#39;a&#39;</p>", "&lt;script&gt;"},
			contentLacks: []string{"<script>", "<b>"}},
		{name: "posted and updated on one line",
			in:    "T\n\nPosted Jun. 1, 2024 01:02, Updated Jun. 2, 2024 03:04" + body,
			title: "T", published: "2024-06-01T01:02:00+09:00", updated: "2024-06-02T03:04:00+09:00", summary: "First paragraph.", paras: 2},
		{name: "deck between title and dates opens the body",
			in:    "T\n\nT\n\nA deck line\n\nPosted Jun. 1, 2024 01:02" + body,
			title: "T", published: "2024-06-01T01:02:00+09:00", summary: "A deck line", paras: 3},
		{name: "multi-line paragraph keeps its lines",
			in:    "T\n\nPosted Jun. 1, 2024 01:02\n\nline one\nline two\n\nnext",
			title: "T", published: "2024-06-01T01:02:00+09:00", summary: "line one line two", paras: 2,
			contentHas: []string{"<p>line one\nline two</p>"}},
		{name: "posted line without title", in: "Go to contents\n\nPosted Jun. 1, 2024 01:02" + body, wantErr: ErrNoTitle},
		{name: "no body", in: "T\n\nPosted Jun. 1, 2024 01:02\n\nA B ab@x.co\n", wantErr: ErrInvalid},
		{name: "Posted mid-body is plain text",
			in:     "Notes\n\npara one\n\npara two\n\npara three\n\npara four\n\npara five\n\npara six\n\nPosted July. 09, 2024 07:56\n\nend",
			format: FormatPlainText, title: "Notes", summary: "para one", paras: 8},
		{name: "Posted words in prose are plain text",
			in:     "Diary\n\nPosted July 9, 2024 07:56 to the blog, then slept.\n",
			format: FormatPlainText, title: "Diary", summary: "Posted July 9, 2024 07:56 to the blog, then slept.", paras: 1},
		{name: "invalid date is not a date line",
			in:     "Diary\n\nPosted Feb. 30, 2024 07:56\n",
			format: FormatPlainText, title: "Diary", summary: "Posted Feb. 30, 2024 07:56", paras: 1},
		{name: "Windows-1252",
			in:    "Caf\xe9 \x93Quotes\x94\n\nPosted May 5, 2024 05:05\n\nIt\x92s \x93good\x94 \x96 really.",
			title: "Café “Quotes”", published: "2024-05-05T05:05:00+09:00", summary: "It’s “good” – really.", paras: 1,
			warningsSubstr: "Windows-1252"},
		{name: "control characters removed",
			in:    "Ti\x01tle\x7f\n\nPosted May 5, 2024 05:05\n\nBo\x08dy\x1b.\u0085",
			title: "Title", published: "2024-05-05T05:05:00+09:00", summary: "Body.", paras: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse("n.txt", []byte(tt.in), Options{Location: loc})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "n.txt: ") {
					t.Errorf("error does not name the file: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			format := tt.format
			if format == "" {
				format = FormatNewsText
			}
			if a.Format != format {
				t.Errorf("format = %s, want %s", a.Format, format)
			}
			if a.Title != tt.title {
				t.Errorf("title = %q, want %q", a.Title, tt.title)
			}
			if got := rfc3339(a.Published); got != tt.published {
				t.Errorf("published = %q, want %q", got, tt.published)
			}
			if got := rfc3339(a.Updated); got != tt.updated {
				t.Errorf("updated = %q, want %q", got, tt.updated)
			}
			if !slices.Equal(a.Authors, tt.authors) {
				t.Errorf("authors = %+v, want %+v", a.Authors, tt.authors)
			}
			if a.Summary != tt.summary {
				t.Errorf("summary = %q, want %q", a.Summary, tt.summary)
			}
			if n := strings.Count(a.ContentHTML, "<p>"); n != tt.paras {
				t.Errorf("%d paragraphs, want %d: %q", n, tt.paras, a.ContentHTML)
			}
			for _, s := range tt.contentHas {
				if !strings.Contains(a.ContentHTML, s) {
					t.Errorf("content lacks %q: %q", s, a.ContentHTML)
				}
			}
			for _, s := range tt.contentLacks {
				if strings.Contains(a.ContentHTML, s) {
					t.Errorf("content has %q: %q", s, a.ContentHTML)
				}
			}
			if tt.warningsSubstr != "" && !strings.Contains(strings.Join(a.Warnings, ";"), tt.warningsSubstr) {
				t.Errorf("warnings = %q, want %q", a.Warnings, tt.warningsSubstr)
			}
			checkOutput(t, a)
		})
	}
}

func TestPlainText(t *testing.T) {
	a, err := Parse("p.txt", []byte("\n\n  My Notes  \nfirst line\nsecond line\n\n\nthird <para> & more\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Format != FormatPlainText || a.Title != "My Notes" || !a.Published.IsZero() {
		t.Errorf("got %+v", a)
	}
	if a.Summary != "first line second line" {
		t.Errorf("summary = %q", a.Summary)
	}
	if want := "<p>first line\nsecond line</p>\n<p>third &lt;para&gt; &amp; more</p>"; a.ContentHTML != want {
		t.Errorf("content = %q, want %q", a.ContentHTML, want)
	}
	// A title alone is a valid (if short) article.
	a, err = Parse("p.txt", []byte("Just a title"), Options{})
	if err != nil || a.Title != "Just a title" || a.ContentHTML != "" {
		t.Errorf("title-only: %+v, %v", a, err)
	}
}

func TestBadInputs(t *testing.T) {
	big := strings.Repeat("x", 101)
	tests := []struct {
		name, file, in string
		opts           Options
		want           error
		msg            string
	}{
		{"NUL byte", "b.txt", "Title\n\nab\x00c", Options{}, ErrBinary, "b.txt: file is binary, not text (NUL byte at offset 9)"},
		{"NUL after BOM offset counts the BOM", "b.md", "\ufeff\x00", Options{}, ErrBinary, "(NUL byte at offset 3)"},
		{"control bytes", "b.txt", strings.Repeat("\x01\x02abc", 50), Options{}, ErrBinary, "control characters"},
		{"empty", "e.txt", "", Options{}, ErrEmpty, "e.txt: file is empty"},
		{"BOM only", "e.txt", "\ufeff", Options{}, ErrEmpty, "e.txt: file is empty"},
		{"whitespace only", "e.md", " \n\t\r\n\u00a0\u3000\n", Options{}, ErrEmpty, "only whitespace"},
		{"oversize", "big.txt", big, Options{MaxSize: 100}, ErrTooLarge, "big.txt: file is larger than the size limit (101 bytes, limit 100)"},
		{"unsupported", "x.pdf", "Title", Options{}, ErrUnsupported, `x.pdf: no parser for this file type: ".pdf"`},
		{"no extension", "README", "Title", Options{}, ErrUnsupported, "no extension"},
		{"draft", "d.md", "---\ntitle: D\ndraft: true\n---\nbody", Options{}, ErrDraft, "d.md: article is a draft"},
		{"draft toml", "d.md", "+++\ntitle = 'D'\ndraft = true\n+++\nbody", Options{}, ErrDraft, "d.md"},
		{"bad date", "d.md", "---\ntitle: D\ndate: 2024-13-01\n---\nbody", Options{}, ErrInvalid, `date "2024-13-01" is not a date`},
		{"bad lastmod", "d.md", "---\ntitle: D\nlastmod: soon\n---\nbody", Options{}, ErrInvalid, `lastmod "soon"`},
		{"toml time only", "d.md", "+++\ntitle = 'D'\ndate = 10:00:00\n+++\nbody", Options{}, ErrInvalid, "date"},
		{"malformed yaml", "d.md", "---\ntitle: [x\n---\nbody", Options{}, ErrInvalid, "d.md: invalid article: front matter: yaml:"},
		{"malformed toml", "d.md", "+++\ntitle = \n+++\nbody", Options{}, ErrInvalid, "d.md: invalid article: front matter: toml:"},
		{"yaml not a map", "d.md", "---\n- a\n- b\n---\nbody", Options{}, ErrInvalid, "not a mapping"},
		{"unclosed front matter", "d.md", "---\ntitle: x\nbody", Options{}, ErrInvalid, "never closed"},
		{"title of wrong type", "d.md", "---\ntitle: {a: b}\n---\nbody", Options{}, ErrInvalid, "title: expected text"},
		{"md no title", "n.md", "just text", Options{}, ErrNoTitle, "n.md: no title found"},
		{"html no title", "n.html", "<p>just text</p>", Options{}, ErrNoTitle, "n.html: no title found"},
		{"html bad meta date", "n.html", `<title>T</title><meta property="article:published_time" content="nope">`, Options{}, ErrInvalid, `article:published_time "nope"`},
		{"title that is only entities of forbidden characters", "n.md", "# &#1;&#x1F;\n\ntext", Options{}, ErrNoTitle, "n.md"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse(tt.file, []byte(tt.in), tt.opts)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v (article %+v), want %v", err, a, tt.want)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("err = %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}

func TestParseFile(t *testing.T) {
	dir := t.TempDir()
	_, err := ParseFile(dir+"/missing.txt", Options{})
	if err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing file: %v", err)
	}
	_, err = ParseFile("testdata/news_long.txt", Options{MaxSize: 10})
	if !errors.Is(err, ErrTooLarge) || !strings.HasPrefix(err.Error(), "testdata/news_long.txt: ") {
		t.Errorf("oversize: %v", err)
	}
	_, err = ParseFile("testdata/notes.rtf", Options{})
	if !errors.Is(err, ErrUnsupported) {
		t.Errorf("rtf: %v", err)
	}
	a, err := ParseFile("testdata/news_minimal.txt", Options{})
	if err != nil || a.Path != "testdata/news_minimal.txt" {
		t.Errorf("path: %+v %v", a, err)
	}
	if got := a.Published.Format(time.RFC3339); got != "2024-05-03T18:05:00Z" {
		t.Errorf("nil Location must mean UTC, got %s", got)
	}
}

func TestMarkdown(t *testing.T) {
	loc := seoul(t)
	tests := []struct {
		name, in                           string
		title, summary, published, updated string
		authors                            []Author
		cats                               []string
		id                                 string
		contentHas, contentLacks           []string
	}{
		{name: "yaml front matter",
			in:    "---\ntitle: '  Hello   World '\ndate: 2024-07-09\nupdated: 2024-07-09T10:11\nauthor: Jane <jane@x.org>\ntags: [a, b]\ncategories: [B, c]\nsummary: Sum\nid: 42\n---\n\nBody text.\n",
			title: "Hello World", summary: "Sum", published: "2024-07-09T00:00:00+09:00", updated: "2024-07-09T10:11:00+09:00",
			authors: []Author{{"Jane", "jane@x.org"}}, cats: []string{"a", "b", "c"}, id: "42",
			contentHas: []string{"<p>Body text.</p>"}},
		{name: "yaml native timestamps and zones",
			in:    "---\ntitle: T\ndate: 2024-07-09T07:56:00+09:00\nlastmod: 2024-07-09 08:00:00\n---\nx\n",
			title: "T", summary: "x", published: "2024-07-09T07:56:00+09:00", updated: "2024-07-09T08:00:00+09:00"},
		{name: "toml front matter",
			in:    "+++\ntitle = \"T\"\ndate = 2024-07-09T07:56:00\nlastmod = 2024-07-10\n[[authors]]\nname = \"A\"\nemail = \"a@b.co\"\n+++\nx\n",
			title: "T", summary: "x", published: "2024-07-09T07:56:00+09:00", updated: "2024-07-10T00:00:00+09:00",
			authors: []Author{{"A", "a@b.co"}}},
		{name: "toml offset date",
			in:    "+++\ntitle = \"T\"\ndate = 2024-07-09T00:00:00Z\n+++\nx\n",
			title: "T", summary: "x", published: "2024-07-09T00:00:00Z"}, // an explicit zone is kept
		{name: "authors list of strings and maps",
			in:    "---\ntitle: T\nauthors:\n  - Ann\n  - name: Bob\n    email: bob@x.io\n---\nx\n",
			title: "T", summary: "x", authors: []Author{{"Ann", ""}, {"Bob", "bob@x.io"}}},
		{name: "heading repeating a title with markup characters is dropped",
			in:    "---\ntitle: Hello <World> & friends\n---\n# Hello <World> & friends\n\nBody.\n",
			title: "Hello <World> & friends", summary: "Body.",
			contentHas: []string{"<p>Body.</p>"}, contentLacks: []string{"<h1"}},
		{name: "heading becomes title and leaves content",
			in:    "Intro *first*.\n\n# The **Title** &amp; more\n\n## Sub\n",
			title: "The Title & more", summary: "Intro first.",
			contentHas: []string{"<h2>Sub</h2>"}, contentLacks: []string{"<h1>"}},
		{name: "heading repeating the front-matter title is dropped",
			in:    "---\ntitle: Same\n---\n# Same\n\ntext\n",
			title: "Same", summary: "text", contentLacks: []string{"<h1>"}},
		{name: "different heading is kept",
			in:    "---\ntitle: Other\n---\n# Same\n\ntext\n",
			title: "Other", summary: "text", contentHas: []string{"<h1>Same</h1>"}},
		{name: "raw html, scripts and javascript links are not passed through",
			in:    "# T\n\n<script>alert(1)</script>\n\n<b onclick=\"x\">b</b> [a](javascript:alert(1)) [r](../rel.html)\n",
			title: "T", summary: "b a r",
			contentHas:   []string{`href="../rel.html"`},
			contentLacks: []string{"<script", "onclick", "javascript:", "<b"}},
		{name: "gfm table, strikethrough, autolink",
			in:    "# T\n\n| a |\n|---|\n| ~~x~~ |\n\nsee https://example.com\n",
			title: "T", summary: "see https://example.com",
			contentHas: []string{"<table>", "<del>x</del>", `<a href="https://example.com"`}},
		{name: "description is the summary when there is no summary key",
			in:    "---\ntitle: T\ndescription: \" Desc\u00a0 here \"\n---\nx\n",
			title: "T", summary: "Desc here"},
		{name: "tags as comma string, deduplicated",
			in:    "---\ntitle: T\ntags: go, Go , feeds\ncategories: feeds\n---\nx\n",
			title: "T", summary: "x", cats: []string{"go", "feeds"}},
		{name: "draft false is published",
			in:    "---\ntitle: T\ndraft: false\n---\nx\n",
			title: "T", summary: "x"},
		{name: "CRLF and BOM with front matter",
			in:    "\ufeff---\r\ntitle: T\r\n---\r\nline\r\n",
			title: "T", summary: "line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse("m.md", []byte(tt.in), Options{Location: loc})
			if err != nil {
				t.Fatal(err)
			}
			if a.Format != FormatMarkdown || a.Title != tt.title || a.Summary != tt.summary || a.ID != tt.id {
				t.Errorf("got format %q title %q summary %q id %q", a.Format, a.Title, a.Summary, a.ID)
			}
			if got := rfc3339(a.Published); got != tt.published {
				t.Errorf("published = %q, want %q", got, tt.published)
			}
			if got := rfc3339(a.Updated); got != tt.updated {
				t.Errorf("updated = %q, want %q", got, tt.updated)
			}
			if !slices.Equal(a.Authors, tt.authors) {
				t.Errorf("authors = %+v, want %+v", a.Authors, tt.authors)
			}
			if strings.Join(a.Categories, "|") != strings.Join(tt.cats, "|") {
				t.Errorf("categories = %q, want %q", a.Categories, tt.cats)
			}
			for _, s := range tt.contentHas {
				if !strings.Contains(a.ContentHTML, s) {
					t.Errorf("content lacks %q: %q", s, a.ContentHTML)
				}
			}
			for _, s := range tt.contentLacks {
				if strings.Contains(a.ContentHTML, s) {
					t.Errorf("content has %q: %q", s, a.ContentHTML)
				}
			}
			checkOutput(t, a)
		})
	}
}

func TestHTML(t *testing.T) {
	loc := seoul(t)
	tests := []struct {
		name, in                           string
		title, summary, published, updated string
		authors                            []Author
		cats                               []string
		contentHas, contentLacks           []string
		warning                            string
	}{
		{name: "og tags over title, article over body",
			in: `<html><head><title>Site</title><meta property="og:title" content="OG">
<meta property="og:description" content="od"><meta name="author" content="Kim &lt;k@x.kr&gt;">
<meta property="article:published_time" content="2024-07-09T07:56:00+09:00"><meta property="article:modified_time" content="2024-07-10">
<meta property="article:tag" content="A"><meta name="keywords" content="b, a,, c"></head>
<body><nav>menu</nav><article><h1>OG</h1><p>one <a href="x.html" onclick="e()">x</a></p><p>two</p></article></body></html>`,
			title: "OG", summary: "od", published: "2024-07-09T07:56:00+09:00", updated: "2024-07-10T00:00:00+09:00",
			authors: []Author{{"Kim", "k@x.kr"}}, cats: []string{"A", "b", "c"},
			contentHas: []string{`href="x.html"`, "<p>two</p>"}, contentLacks: []string{"<h1>", "menu", "onclick"}},
		{name: "title element, main, time element",
			in:    `<title> T  x </title><body><main><p>Hi <time datetime="2023-12-25 10:00">Xmas</time></p></main><footer>f</footer></body>`,
			title: "T x", summary: "Hi Xmas", published: "2023-12-25T10:00:00+09:00",
			contentHas: []string{"<time"}, contentLacks: []string{"footer", ">f<"}},
		{name: "h1 as title when nothing else; kept if not first h1 duplicate",
			in:    `<body><p>a</p><h1>Head <i>line</i></h1><p>b</p></body>`,
			title: "Head line", summary: "a", contentLacks: []string{"<h1>"}},
		{name: "unreadable time is a warning",
			in:    `<title>T</title><p><time datetime="PT2H">two hours</time></p>`,
			title: "T", summary: "two hours", warning: "PT2H"},
		{name: "scripts, styles, handlers and javascript urls are removed",
			in:    `<title>T</title><body><script>alert(1)</script><style>p{}</style><p onmouseover="x()">p <a href="javascript:alert(1)">j</a><img src="a.png" onerror="x()"><iframe src="//evil"></iframe></p></body>`,
			title: "T", summary: "p j",
			contentHas:   []string{`src="a.png"`},
			contentLacks: []string{"<script", "<style", "onmouseover", "onerror", "javascript:", "<iframe"}},
		{name: "description over first paragraph, whitespace collapsed",
			in:    "<title>T</title><meta name=description content=\"  d\u00a0\u00a0 e \"><p>p</p>",
			title: "T", summary: "d e"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse("h.html", []byte(tt.in), Options{Location: loc})
			if err != nil {
				t.Fatal(err)
			}
			if a.Format != FormatHTML || a.Title != tt.title || a.Summary != tt.summary {
				t.Errorf("got format %q title %q summary %q", a.Format, a.Title, a.Summary)
			}
			if got := rfc3339(a.Published); got != tt.published {
				t.Errorf("published = %q, want %q", got, tt.published)
			}
			if got := rfc3339(a.Updated); got != tt.updated {
				t.Errorf("updated = %q, want %q", got, tt.updated)
			}
			if !slices.Equal(a.Authors, tt.authors) {
				t.Errorf("authors = %+v, want %+v", a.Authors, tt.authors)
			}
			if strings.Join(a.Categories, "|") != strings.Join(tt.cats, "|") {
				t.Errorf("categories = %q, want %q", a.Categories, tt.cats)
			}
			for _, s := range tt.contentHas {
				if !strings.Contains(a.ContentHTML, s) {
					t.Errorf("content lacks %q: %q", s, a.ContentHTML)
				}
			}
			for _, s := range tt.contentLacks {
				if strings.Contains(a.ContentHTML, s) {
					t.Errorf("content has %q: %q", s, a.ContentHTML)
				}
			}
			if tt.warning != "" && !strings.Contains(strings.Join(a.Warnings, ";"), tt.warning) {
				t.Errorf("warnings = %q, want %q", a.Warnings, tt.warning)
			}
			checkOutput(t, a)
		})
	}
}

func TestHygieneOutputs(t *testing.T) {
	// Entities decoded by the Markdown and HTML parsers must not smuggle forbidden characters
	// past the hygiene step.
	for name, in := range map[string]string{
		"e.md":   "# T&#1;x\n\nA&#x0B;B &#xFFFE; &#x80; &#0; ok\n",
		"e.html": "<title>T&#1;x</title><p>A&#x0B;B &#xFFFF; &#x9F; ok</p>",
	} {
		a, err := Parse(name, []byte(in), Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a.Title != "Tx" {
			t.Errorf("%s: title %q", name, a.Title)
		}
		checkOutput(t, a)
	}
	if got := CleanText("a\r\nb\rc\x00d\uFFFEe\xffg\u0085h"); got != "a\nb\ncdegh" {
		t.Errorf("CleanText = %q", got)
	}
	if got := collapseSpace(" a \u00a0\t b\n\nc "); got != "a b c" {
		t.Errorf("collapseSpace = %q", got)
	}
}

func rfc3339(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

// checkOutput asserts the guarantees every successful parse gives: valid UTF-8 free of
// characters XML 1.0 forbids in every string, and a title.
func checkOutput(tb testing.TB, a *Article) {
	tb.Helper()
	if a.Title == "" {
		tb.Error("empty title")
	}
	strs := []string{a.ID, a.Title, a.Summary, a.ContentHTML, a.Path}
	for _, au := range a.Authors {
		strs = append(strs, au.Name, au.Email)
	}
	strs = append(strs, a.Categories...)
	strs = append(strs, a.Warnings...)
	for _, s := range strs {
		if !utf8.ValidString(s) {
			tb.Errorf("invalid UTF-8: %q", s)
		}
		for _, r := range s {
			if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0xFFFE || r == 0xFFFF {
				tb.Errorf("XML-forbidden %U in %q", r, s)
				break
			}
		}
	}
}

// The table the feed renderer once tested its own cleaning with; the renderer now calls
// CleanText, so the rule (and these cases) live here. CR becomes LF, as XML parsers read it.
func TestCleanTextForXML(t *testing.T) {
	cases := map[string]string{
		"plain":                  "plain",
		"tab\tnl\ncr\r":          "tab\tnl\ncr\n",
		"nul\x00bel\x07esc\x1b":  "nulbelesc",
		"bad\xffutf8":            "badutf8",
		"nonchar\uFFFE\uFFFF":    "nonchar",
		"c1\u0085\u009f del\x7f": "c1 del",
		"日本語 ✓ 😀":                "日本語 ✓ 😀",
	}
	for in, want := range cases {
		if got := CleanText(in); got != want {
			t.Errorf("CleanText(%q) = %q, want %q", in, got, want)
		}
	}
}

// cleanValidBytewise is cleanValid as it was before its eight-byte skip: the reference.
func cleanValidBytewise(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if byteClass[c]&classLook == 0 {
			continue
		}
		switch {
		case c < utf8.RuneSelf:
			return cleanFrom(s, i)
		case c == 0xC2:
			if i+1 < len(s) && s[i+1] <= 0x9F {
				return cleanFrom(s, i)
			}
		case i+2 < len(s) && s[i+1] == 0xBF && s[i+2] >= 0xBE:
			return cleanFrom(s, i)
		}
	}
	return s
}

func TestPlainASCII8(t *testing.T) {
	for c := 0; c < 256; c++ {
		for pos := range 8 {
			b := []byte("abcdefgh")
			b[pos] = byte(c)
			want := c >= 0x20 && c <= 0x7E
			if got := plainASCII8(string(b)); got != want {
				t.Errorf("plainASCII8 with %#x at %d = %v", c, pos, got)
			}
		}
	}
}

func FuzzCleanValid(f *testing.F) {
	for _, s := range []string{"", "plain ascii text, long enough for a word or two", "a\r\nb\rc\x00d\uFFFEe\u0085h and more text after it",
		"tab\tand\nnewline in a line of text\x7f", "東京 naïve café \u2028 text", "12345678\x0112345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		if got, want := cleanValid(s, 0), cleanValidBytewise(s); got != want {
			t.Errorf("cleanValid(%q) = %q, want %q", s, got, want)
		}
	})
}

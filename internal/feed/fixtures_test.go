package feed

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/article"
	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feedcheck"
)

// TestMain prints which outside checks ran and which were skipped.
func TestMain(m *testing.M) { os.Exit(feedcheck.Main(m)) }

func testSite() Site {
	return Site{
		Title:            `Notes & <Drafts> — Ünïcode`,
		Description:      `Plain text with markup chars: <b> & "quotes"`,
		BaseURL:          "https://example.org/blog", // no trailing slash on purpose
		Language:         "en",
		FeedID:           "tag:example.org,2024:feed",
		Author:           article.Author{Name: "Site Owner", Email: "owner@example.org"},
		GeneratorVersion: "test",
	}
}

func newTestRenderer(t testing.TB) *Renderer {
	t.Helper()
	r, err := New(testSite())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// est is a zone that is not UTC, to prove every date is converted.
var est = time.FixedZone("EST", -5*3600)

// testEntries covers: tag and http ids, authors with and without e-mail, none, several,
// categories, markup and non-ASCII text, relative URLs of every kind, non-UTC dates.
func testEntries() []catalog.Entry {
	return []catalog.Entry{
		{
			ID:          "tag:example.org,2024:a1",
			Slug:        "markup-chars",
			Title:       `Fish & Chips <b> "5 < 6" > 4`,
			Summary:     `Summary with <tags> & ampersands, "quotes" and 'apostrophes'.`,
			ContentHTML: `<p>See <a href="../x.html">x</a>, <a href="#sec">a section</a>, <a href="mailto:a@example.org">mail</a> and <a href="https://other.example/abs">abs</a>.</p><p><img src="img/a.png" alt="A &amp; B" srcset="img/a.png 1x, img/a@2x.png 2x"></p><p>Root: <a href="/root.html">root</a>, scheme-relative <a href="//cdn.example.net/c.js">cdn</a>.</p>`,
			Authors:     []article.Author{{Name: "Alice Example", Email: "alice@example.org"}, {Name: "Zoë NoMail"}},
			Categories:  []string{"food", "R&D"},
			Published:   time.Date(2024, 3, 10, 9, 30, 0, 0, est),
			Updated:     time.Date(2024, 3, 11, 18, 0, 5, 0, est),
		},
		{
			ID:          "https://source.example.com/posts/declared-id",
			Slug:        "declared-http-id",
			Title:       "Déjà vu — 日本語のタイトル",
			Summary:     "Ünïcödé summary ✓",
			ContentHTML: "<p>Non-ASCII body: naïve café, 東京.</p>\n<pre>code &lt;kept&gt;</pre>",
			Authors:     []article.Author{{Name: "Bob NoMail"}},
			Published:   time.Date(2024, 2, 1, 23, 59, 59, 0, time.FixedZone("JST", 9*3600)),
			Updated:     time.Date(2024, 2, 1, 23, 59, 59, 0, time.FixedZone("JST", 9*3600)),
		},
		{
			ID:          "tag:example.org,2024:a3",
			Slug:        "no-author",
			Title:       "Nobody wrote this",
			Summary:     "",
			ContentHTML: `<p>Anonymous. <a href="other-article.html">sibling</a></p>`,
			Published:   time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC),
			Updated:     time.Date(2024, 1, 15, 12, 0, 0, 0, time.UTC),
		},
		{
			ID:    "tag:example.org,2023:a4",
			Slug:  "several-authors",
			Title: "Written by three",
			// Summary with a character XML forbids, which must be stripped.
			Summary:     "Three authors\x01 together.",
			ContentHTML: `<p>Team work.</p><video src="media/v.mp4" poster="media/p.jpg"></video>`,
			Authors: []article.Author{
				{Name: "Carol NoMail"},
				{Name: "Dave Mail", Email: "dave@example.org"},
				{Name: "Erin Mail", Email: "erin@example.org"},
				{Name: "Frank BadMail", Email: "not-an-address"}, // dropped: Atom requires an @
			},
			Categories: []string{"team"},
			Published:  time.Date(2023, 12, 31, 22, 0, 0, 0, time.FixedZone("CET", 3600)),
			Updated:    time.Date(2024, 1, 2, 8, 0, 0, 0, time.FixedZone("PST", -8*3600)),
		},
	}
}

// feedUpdatedTime is the catalog's last change in the tests, given in a non-UTC zone.
var feedUpdatedTime = time.Date(2024, 3, 11, 20, 0, 0, 0, est)

// bigEntries makes n entries of about 5 KB of content each, for the benchmark.
func bigEntries(n int) []catalog.Entry {
	para := `<p>Lorem ipsum dolor sit amet, <a href="../other.html">consectetur</a> adipiscing elit, sed do eiusmod tempor <em>incididunt</em> ut labore et dolore magna aliqua. <img src="img/pic.png" alt="pic"> Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris.</p>` + "\n"
	content := strings.Repeat(para, 5000/len(para)+1)
	es := make([]catalog.Entry, n)
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range es {
		slug := "post-" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "-" + itoa(i)
		es[i] = catalog.Entry{
			ID:          "tag:example.org,2024:" + slug,
			Slug:        slug,
			Title:       "Post number " + itoa(i) + " & more",
			Summary:     "A summary of post " + itoa(i),
			ContentHTML: content,
			Authors:     []article.Author{{Name: "Alice", Email: "alice@example.org"}},
			Categories:  []string{"bench", "go"},
			Published:   base.Add(-time.Duration(i) * time.Hour),
			Updated:     base.Add(-time.Duration(i) * time.Hour),
		}
	}
	return es
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

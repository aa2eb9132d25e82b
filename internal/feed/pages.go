package feed

import (
	"bytes"
	"html/template"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
)

// pageData is what the page writers (articlepage.go, indexpage.go) write, and what the
// templates they are held to (testdata/templates, the reference) see. Every URL in it is
// absolute, like in the feeds, so a saved or proxied page still links correctly.
type pageData struct {
	Lang            string // the page's language: the article's on its page, the site's on the index
	Words           *words // the fixed texts in Lang
	IconURL         string // "" without an icon
	Title           string // <title>
	Description     string // <meta name="description">
	Canonical       string
	SiteTitle       string
	FeedTitle       string // names the feeds in the autodiscovery links
	SiteDescription string
	HomeURL         string
	Feeds           feedLinks
	Entry           *pageEntry // article only
	Heading         string     // index only: the feed's title
	Older, Newer    string     // index only: the neighbouring archive pages (Newer may be the index)
	Related         []pageLink // index only: the feeds it lists (the root: its sections)
}

type pageLink struct{ Title, URL string }

// Related is a feed an index page links to, such as a section from the root.
type Related struct {
	Title string
	Kind  catalog.FeedKind
	Slug  string
}

// feedLinks are the absolute URLs of the three feeds, for autodiscovery and the footer.
type feedLinks struct {
	RSS, Atom, JSON string
}

type pageEntry struct {
	Lang       string // set where the entry's language is not the page's
	Title      string
	URL        string
	Summary    string
	Content    template.HTML
	Published  pageTime
	Updated    pageTime
	Modified   bool   // Updated differs from Published
	Byline     string // "" for an entry that names no author
	Categories string
}

type pageTime struct {
	Machine string // RFC 3339, for <time datetime>
	Human   string
}

// newPageTime shows t in zone, as w's language writes a date and time; the machine form
// carries the same offset, so the two agree on the day.
func newPageTime(t time.Time, zone *time.Location, w *words) pageTime {
	t = t.In(zone)
	return pageTime{Machine: rfc3339(t), Human: w.dateTime(t)}
}

func (r *Renderer) pageData(title, lang string) pageData {
	return pageData{
		Lang:            lang,
		Words:           wordsFor(lang),
		IconURL:         r.iconURL,
		Title:           title,
		SiteTitle:       r.site.Title,
		FeedTitle:       r.site.Title,
		SiteDescription: r.site.Description,
		HomeURL:         r.site.BaseURL,
		Feeds:           feedLinks{RSS: r.rssURL, Atom: r.atomURL, JSON: r.jsonURL},
	}
}

// pageEntry prepares it for a page in language lang.
func (r *Renderer) pageEntry(it *item, lang string) pageEntry {
	w := wordsFor(lang)
	pe := pageEntry{
		Title:   it.title,
		URL:     it.link,
		Summary: it.summary,
		// The content is HTML the article package made safe (escaped or sanitized); only
		// its URLs were rewritten here, by re-serializing tags through the HTML tokenizer.
		Content:    template.HTML(it.content),
		Published:  newPageTime(it.published, it.zone, w),
		Updated:    newPageTime(it.updated, it.zone, w),
		Modified:   !it.updated.Equal(it.published),
		Categories: strings.Join(it.categories, ", "),
	}
	if it.lang != lang {
		pe.Lang = it.lang
	}
	if len(it.authors) > 0 {
		pe.Byline = w.byline(authorNames(it.authors))
	}
	return pe
}

func (r *Renderer) index(ci *chanInfo, items []item, related []Related) ([]byte, error) {
	d := r.indexData(ci, related)
	var b bytes.Buffer
	b.Grow(entriesSize(items) + indexOverhead)
	writeIndex(&b, &d, items)
	return b.Bytes(), nil
}

// indexData is what index.html shows of ci, its list aside.
func (r *Renderer) indexData(ci *chanInfo, related []Related) pageData {
	d := r.pageData(ci.title, r.site.Language)
	d.Heading, d.FeedTitle = ci.title, ci.title
	if ci.dir == "" {
		d.Heading = r.site.Title
	}
	d.Description = ci.description
	d.Canonical = ci.html.self
	d.Feeds = feedLinks{RSS: ci.rss.self, Atom: ci.atom.self, JSON: ci.json.self}
	if ci.archive {
		// An archive page's own feed documents are archive documents; readers subscribe to
		// the feed's subscription documents instead.
		d.Feeds = feedLinks{RSS: ci.rss.current, Atom: ci.atom.current, JSON: ci.json.current}
	}
	d.Older, d.Newer = ci.html.prev, ci.html.next
	if ci.archive && d.Newer == "" {
		d.Newer = ci.html.current
	}
	for _, rel := range related {
		t := rel.Title
		if t == "" {
			t = rel.Slug
		}
		d.Related = append(d.Related, pageLink{Title: t, URL: r.site.BaseURL + escapeDir(Dir(rel.Kind, rel.Slug))})
	}
	return d
}

// entryOverhead is about what writeEntries adds to an entry's title, summary and link (markup,
// date, byline, escaping), and indexOverhead what the index page adds to its list: the
// buffers are sized once instead of doubling their way up.
const (
	entryOverhead = 320
	indexOverhead = 6 << 10
)

// Page renders articles/<slug>.html for one entry. It renders removed entries too: whether
// to serve them is the server's decision.
func (r *Renderer) Page(e catalog.Entry) (File, error) {
	d, slug, err := r.articleData(&e)
	if err != nil {
		return File{}, err
	}
	var b bytes.Buffer
	b.Grow(len(d.Entry.Content) + len(d.Entry.Summary) + pageOverhead)
	writeArticle(&b, &d)
	return File{Name: PageName(slug), ContentType: ContentTypeHTML, Body: b.Bytes()}, nil
}

// articleData is what article.html shows for e, and e's slug.
func (r *Renderer) articleData(e *catalog.Entry) (pageData, string, error) {
	it, err := r.prepare(e, true)
	if err != nil {
		return pageData{}, "", err
	}
	title := it.title
	if title == "" {
		title = r.site.Title
	} else {
		title += " — " + r.site.Title
	}
	d := r.pageData(title, it.lang)
	d.Description = it.summary
	d.Canonical = it.link
	pe := r.pageEntry(&it, d.Lang)
	d.Entry = &pe
	return d, it.slug, nil
}

// pageOverhead is about what an article page adds to its content and summary (head, nav,
// meta, footer, escaping): sized from it, the page's buffer is allocated once instead of
// doubling its way up, which was a third of a cold build's allocations.
const pageOverhead = 3 << 10

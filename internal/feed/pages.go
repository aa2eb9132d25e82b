package feed

import (
	"bytes"
	"embed"
	"html/template"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
)

//go:embed templates/*.html
var templateFS embed.FS

func parseTemplates() (*template.Template, error) {
	return template.ParseFS(templateFS, "templates/*.html")
}

// pageData is what both page templates see. Every URL in it is absolute, like in the feeds,
// so a saved or proxied page still links correctly.
type pageData struct {
	Lang            string
	Title           string // <title>
	Description     string // <meta name="description">
	Canonical       string
	SiteTitle       string
	FeedTitle       string // names the feeds in the autodiscovery links
	SiteDescription string
	HomeURL         string
	Feeds           feedLinks
	Entries         []pageEntry // index only
	Entry           *pageEntry  // article only
	Heading         string      // index only: the feed's title
	Older, Newer    string      // index only: the neighbouring archive pages (Newer may be the index)
	Related         []pageLink  // index only: the feeds it lists (the root: its sections)
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
	Title      string
	URL        string
	Summary    string
	Content    template.HTML
	Published  pageTime
	Updated    pageTime
	Modified   bool // Updated differs from Published
	Authors    string
	Categories string
}

type pageTime struct {
	Machine string // RFC 3339, for <time datetime>
	Human   string
}

func newPageTime(t time.Time) pageTime {
	return pageTime{Machine: t.Format(time.RFC3339), Human: t.Format("2 January 2006")}
}

func (r *Renderer) pageData(title string) pageData {
	return pageData{
		Lang:            r.site.Language,
		Title:           title,
		SiteTitle:       r.site.Title,
		FeedTitle:       r.site.Title,
		SiteDescription: r.site.Description,
		HomeURL:         r.site.BaseURL,
		Feeds:           feedLinks{RSS: r.rssURL, Atom: r.atomURL, JSON: r.jsonURL},
	}
}

func (r *Renderer) pageEntry(it *item) pageEntry {
	return pageEntry{
		Title:   it.title,
		URL:     it.link,
		Summary: it.summary,
		// The content is HTML the article package made safe (escaped or sanitized); only
		// its URLs were rewritten here, by re-serializing tags through the HTML tokenizer.
		Content:    template.HTML(it.content),
		Published:  newPageTime(it.published),
		Updated:    newPageTime(it.updated),
		Modified:   !it.updated.Equal(it.published),
		Authors:    authorNames(it.authors),
		Categories: strings.Join(it.categories, ", "),
	}
}

func (r *Renderer) index(ci *chanInfo, items []item, related []Related) ([]byte, error) {
	d := r.pageData(ci.title)
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
	d.Entries = make([]pageEntry, len(items))
	for i := range items {
		d.Entries[i] = r.pageEntry(&items[i])
	}
	return r.execute("index.html", &d)
}

// Page renders articles/<slug>.html for one entry. It renders removed entries too: whether
// to serve them is the server's decision.
func (r *Renderer) Page(e catalog.Entry) (File, error) {
	it, err := r.prepare(&e)
	if err != nil {
		return File{}, err
	}
	title := it.title
	if title == "" {
		title = r.site.Title
	} else {
		title += " — " + r.site.Title
	}
	d := r.pageData(title)
	d.Description = it.summary
	d.Canonical = it.link
	pe := r.pageEntry(&it)
	d.Entry = &pe
	body, err := r.execute("article.html", &d)
	if err != nil {
		return File{}, err
	}
	return File{Name: "articles/" + it.slug + ".html", ContentType: ContentTypeHTML, Body: body}, nil
}

func (r *Renderer) execute(name string, d *pageData) ([]byte, error) {
	var buf bytes.Buffer
	if err := r.tmpl.ExecuteTemplate(&buf, name, d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

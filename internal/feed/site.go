package feed

import (
	"encoding/xml"
	"strconv"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
)

// Names and content types of the site-wide files.
const (
	NameSitemap = "sitemap.xml"
	NameRobots  = "robots.txt"
	NameOPML    = "feeds.opml"

	ContentTypeXML  = "application/xml; charset=utf-8"
	ContentTypeText = "text/plain; charset=utf-8"
	ContentTypeOPML = "text/x-opml; charset=utf-8"
)

// SitemapSize is the most URLs one sitemap file lists (sitemaps.org's limit). Article
// sitemaps are cut like archive pages, by the order articles joined the root feed, so a
// sitemap file changes only when an article on it does.
const SitemapSize = 50_000

const nsSitemap = "http://www.sitemaps.org/schemas/sitemap/0.9"

// SitemapURL is one <url> of a sitemap.
type SitemapURL struct {
	Loc     string    `xml:"loc"`
	LastMod string    `xml:"lastmod,omitempty"`
	mod     time.Time // for the index's lastmod
}

type urlset struct {
	XMLName xml.Name     `xml:"urlset"`
	NS      string       `xml:"xmlns,attr"`
	URLs    []SitemapURL `xml:"url"`
}

type sitemapIndex struct {
	XMLName  xml.Name     `xml:"sitemapindex"`
	NS       string       `xml:"xmlns,attr"`
	Sitemaps []SitemapURL `xml:"sitemap"`
}

// ArticleURLs makes sitemap URLs of articles.
func (r *Renderer) ArticleURLs(links []catalog.Link) []SitemapURL {
	out := make([]SitemapURL, len(links))
	for i, l := range links {
		out[i] = SitemapURL{Loc: r.PageURL(l.Slug), LastMod: l.Updated.UTC().Format(time.RFC3339), mod: l.Updated}
	}
	return out
}

// FeedURLs makes sitemap URLs of the index pages of feeds.
func (r *Renderer) FeedURLs(feeds []catalog.Feed) []SitemapURL {
	out := make([]SitemapURL, 0, len(feeds))
	for _, f := range feeds {
		if f.Live == 0 {
			continue
		}
		out = append(out, SitemapURL{Loc: r.FeedURL(f.Kind, f.Slug), LastMod: f.Changed.UTC().Format(time.RFC3339), mod: f.Changed})
	}
	return out
}

// FeedURL is the URL of a feed's index page; its feeds are beside it.
func (r *Renderer) FeedURL(kind catalog.FeedKind, slug string) string {
	return r.site.BaseURL + escapeDir(Dir(kind, slug))
}

// SitemapPart names article sitemap k of a site in a sitemap index.
func SitemapPart(k int) string { return "sitemaps/articles-" + strconv.Itoa(k) + ".xml" }

// NameSitemapFeeds is the sitemap of the feeds' index pages in a sitemap index.
const NameSitemapFeeds = "sitemaps/feeds.xml"

// Sitemap renders a urlset of at most SitemapSize urls under name.
func (r *Renderer) Sitemap(name string, urls []SitemapURL) (File, error) {
	body, err := marshalXML(&urlset{NS: nsSitemap, URLs: urls}, 1024+len(urls)*160)
	return File{Name: name, ContentType: ContentTypeXML, Body: body}, err
}

// SitemapIndex renders sitemap.xml as an index of the named sitemaps, each with the newest
// lastmod of its urls.
func (r *Renderer) SitemapIndex(parts map[string][]SitemapURL, order []string) (File, error) {
	idx := &sitemapIndex{NS: nsSitemap}
	for _, name := range order {
		var newest time.Time
		for _, u := range parts[name] {
			if u.mod.After(newest) {
				newest = u.mod
			}
		}
		s := SitemapURL{Loc: r.site.BaseURL + name}
		if !newest.IsZero() {
			s.LastMod = newest.UTC().Format(time.RFC3339)
		}
		idx.Sitemaps = append(idx.Sitemaps, s)
	}
	body, err := marshalXML(idx, 1024+len(order)*160)
	return File{Name: NameSitemap, ContentType: ContentTypeXML, Body: body}, err
}

// Robots renders robots.txt: everything may be crawled, and the sitemap is named.
func (r *Renderer) Robots() File {
	return File{Name: NameRobots, ContentType: ContentTypeText,
		Body: []byte("User-agent: *\nAllow: /\n\nSitemap: " + r.site.BaseURL + NameSitemap + "\n")}
}

type opml struct {
	XMLName xml.Name   `xml:"opml"`
	Version string     `xml:"version,attr"`
	Title   string     `xml:"head>title"`
	Owner   string     `xml:"head>ownerName,omitempty"`
	Docs    string     `xml:"head>docs"`
	Body    []*outline `xml:"body>outline"`
}

type outline struct {
	XMLName  xml.Name   `xml:"outline"`
	Text     string     `xml:"text,attr"`
	Title    string     `xml:"title,attr,omitempty"`
	Type     string     `xml:"type,attr,omitempty"`
	XMLURL   string     `xml:"xmlUrl,attr,omitempty"`
	HTMLURL  string     `xml:"htmlUrl,attr,omitempty"`
	Children []*outline `xml:"outline"`
}

// OPML renders feeds.opml (OPML 2.0): the root feed, then an outline per kind listing the
// given section, author and tag feeds, each by its RSS feed and index page.
func (r *Renderer) OPML(chs []Channel) (File, error) {
	doc := &opml{Version: "2.0", Title: r.site.Title, Owner: r.site.Author.Name, Docs: "http://opml.org/spec2.opml"}
	groups := map[catalog.FeedKind]*outline{}
	names := map[catalog.FeedKind]string{catalog.KindSection: "Sections", catalog.KindAuthor: "Authors", catalog.KindTag: "Tags"}
	root, _ := r.info(Channel{Kind: catalog.KindRoot}, -1)
	doc.Body = []*outline{{Text: root.title, Title: root.title, Type: "rss", XMLURL: root.rss.self, HTMLURL: root.home}}
	for _, ch := range chs {
		if ch.Kind == catalog.KindRoot || names[ch.Kind] == "" {
			continue
		}
		ci, err := r.info(ch, -1)
		if err != nil {
			return File{}, err
		}
		g := groups[ch.Kind]
		if g == nil {
			g = &outline{Text: names[ch.Kind], Title: names[ch.Kind]}
			groups[ch.Kind] = g
			doc.Body = append(doc.Body, g)
		}
		g.Children = append(g.Children, &outline{Text: ci.title, Title: ci.title, Type: "rss", XMLURL: ci.rss.self, HTMLURL: ci.home})
	}
	body, err := marshalXML(doc, 1024+len(chs)*300)
	return File{Name: NameOPML, ContentType: ContentTypeOPML, Body: body}, err
}

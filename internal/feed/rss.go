package feed

import (
	"bytes"
	"encoding/xml"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/gorilla/feeds"

	"github.com/feedpub/feedpub/internal/article"
)

const (
	nsAtom    = "http://www.w3.org/2005/Atom"
	nsContent = "http://purl.org/rss/1.0/modules/content/"
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsFH      = "http://purl.org/syndication/history/1.0" // RFC 5005
)

// rssDoc replaces feeds.RssFeedXml, which declares only the content namespace; the atom and
// dc prefixes used below must be declared too or the document is not namespace-well-formed.
type rssDoc struct {
	feeds.RssFeedXml
	AtomNS  string      `xml:"xmlns:atom,attr"`
	DCNS    string      `xml:"xmlns:dc,attr"`
	FHNS    string      `xml:"xmlns:fh,attr,omitempty"`
	Channel *rssChannel // shadows RssFeedXml.Channel
}

// rssChannel extends feeds.RssFeed with the self link that validators and Feedly expect and
// RFC 5005's archive links and marker, as atom:link and fh:archive. The items come after them
// so the links precede the items, and each item can carry more than gorilla's RssItem can
// express: they are rssItems, written by rssItems as encoding/xml would write them in an
// `xml:"item"` field, and gorilla's own Items are cleared.
type rssChannel struct {
	*feeds.RssFeed
	Links   []rssAtomLink `xml:"atom:link"`
	Archive *struct{}     `xml:"fh:archive"`
	Items   []byte        `xml:",innerxml"`
}

type rssAtomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
}

// rssItem extends feeds.RssItem. Title and Description are redeclared with omitempty because
// gorilla always emits them, even empty (declaring them first also keeps the title on top);
// Category is replaced by one element per category; dc:creator carries the authors <author>
// cannot (an item has one or the other, see rssAuthors); atom:updated gives RSS the
// modification date it has no element for (feedparser and gofeed both read it).
type rssItem struct {
	Title       string `xml:"title,omitempty"`
	Description string `xml:"description,omitempty"`
	*feeds.RssItem
	Updated    string   `xml:"atom:updated"`
	Author     string   `xml:"author,omitempty"`
	Creator    string   `xml:"dc:creator,omitempty"`
	Categories []string `xml:"category"`
}

// rssAuthors is the one element an item names its authors with. RSS's <author> holds one
// person as "email (Name)"; with it and dc:creator in one item the W3C validator warns
// DuplicateItemSemantics and readers pick one of the two; with several dc:creator elements
// feedparser (rss2email) shows only the last and gofeed (Miniflux) only the first. So a sole
// author with an address goes in <author>, and any other byline is one dc:creator listing
// every name, which every reader shows whole. No author, no element: the site is no byline.
func rssAuthors(as []article.Author) (author, creator string) {
	switch {
	case len(as) == 0:
		return "", ""
	case len(as) == 1 && as[0].Email != "":
		return as[0].Email + " (" + as[0].Name + ")", ""
	}
	return "", authorNames(as)
}

func (r *Renderer) rss(ci *chanInfo, items []item, updated time.Time) ([]byte, error) {
	// The generic feeds.Feed is filled only with what gorilla renders correctly; Author is
	// left nil because gorilla would write " (Name)" as managingEditor when there is no
	// e-mail, and Created is left zero so pubDate equals lastBuildDate.
	f := &feeds.Feed{
		Title:       ci.title,
		Link:        &feeds.Link{Href: ci.home},
		Description: ci.description,
		Updated:     updated,
	}
	f.Items = gorillaItems(items, func(it *item, gi *feeds.Item) {
		perma := "false"
		if it.id == it.link {
			perma = "true" // gorilla omits the attribute when empty, which RSS reads as "true"
		}
		*gi = feeds.Item{
			Title:       it.title,
			Link:        gi.Link,
			Id:          it.id,
			IsPermaLink: perma,
			Created:     it.published, // gorilla's pubDate: the creation date, as RSS means it
			Updated:     it.updated,
			Content:     it.content, // content:encoded, CDATA; gorilla omits it when empty
		}
	})
	ch := (&feeds.Rss{Feed: f}).RssFeed()
	if ch.Description == "" {
		ch.Description = ch.Title // required by RSS 2.0, and an empty element is worse
	}
	ch.Language = r.site.Language
	if r.iconURL != "" {
		// RSS 2.0 wants the image's title and link to match the channel's.
		ch.Image = &feeds.RssImage{Url: r.iconURL, Title: ch.Title, Link: ch.Link}
	}
	ch.Generator = generatorName
	if r.site.GeneratorVersion != "" {
		ch.Generator += " " + r.site.GeneratorVersion
	}
	if r.site.Author.Email != "" {
		// managingEditor must be an e-mail address; without one there is nothing to say.
		ch.ManagingEditor = r.author.Email + " (" + r.author.Name + ")"
	}
	out := &rssChannel{
		RssFeed: ch,
		Links:   atomLinks(ci.rss, "application/rss+xml", ci.hubs),
	}
	xs, xv := make([]*rssItem, len(ch.Items)), make([]rssItem, len(ch.Items))
	if ci.archive {
		out.Archive = &struct{}{}
	}
	for i, ri := range ch.Items {
		it := &items[i]
		x := &xv[i]
		*x = rssItem{RssItem: ri, Title: it.title, Categories: it.categories, Updated: it.updatedStamp}
		ri.Title, ri.Description, ri.Author, ri.Category = "", "", "", ""
		if it.summary != "" {
			// <description> is read as HTML by every reader; the summary is plain text.
			x.Description = it.summaryHTML
		}
		x.Author, x.Creator = rssAuthors(it.authors)
		xs[i] = x
	}
	ch.Items = nil
	out.Items = []byte(itemsMark)
	doc := &rssDoc{
		RssFeedXml: feeds.RssFeedXml{Version: "2.0", ContentNamespace: nsContent},
		AtomNS:     nsAtom,
		DCNS:       nsDC,
		Channel:    out,
	}
	if ci.archive {
		doc.FHNS = nsFH
	}
	return marshalSpliced(doc, docSize(items, false), func(w *xmlWriter) { w.rssItems(xs) })
}

// gorillaItems are the feeds.Items a format gives gorilla for items, each with its Link (to
// the item's page, which fill may change) and filled in by fill. They and their links are
// allocated together rather than two objects per item.
func gorillaItems(items []item, fill func(it *item, gi *feeds.Item)) []*feeds.Item {
	out := make([]*feeds.Item, len(items))
	gis := make([]feeds.Item, len(items))
	links := make([]feeds.Link, len(items))
	for i := range items {
		links[i].Href = items[i].link
		gis[i].Link = &links[i]
		fill(&items[i], &gis[i])
		out[i] = &gis[i]
	}
	return out
}

// atomLinks are a document's self and RFC 5005 links, as atom:link elements of type typ, and
// the WebSub hubs it names.
func atomLinks(l links, typ string, hubs []string) []rssAtomLink {
	out := []rssAtomLink{{Href: l.self, Rel: "self", Type: typ}}
	for _, x := range [...]struct{ rel, href string }{{"current", l.current}, {"prev-archive", l.prev}, {"next-archive", l.next}} {
		if x.href != "" {
			out = append(out, rssAtomLink{Href: x.href, Rel: x.rel, Type: typ})
		}
	}
	for _, h := range hubs {
		out = append(out, rssAtomLink{Href: h, Rel: "hub"})
	}
	return out
}

// marshalXML writes the document with gorilla's layout: XML declaration and two-space indent.
// size is about the size of the document, so its buffer grows once.
func marshalXML(v any, size int) ([]byte, error) {
	return marshalSpliced(v, size, nil)
}

// itemsMark is what a document's ",innerxml" items field holds while encoding/xml writes the
// rest: a comment, which encoding/xml never writes itself, and whose "<" any text or attribute
// value would carry escaped, so it is found only where the field is.
const itemsMark = "<!--feedpub:items-->"

// marshalSpliced writes the document v with gorilla's layout (XML declaration and two-space
// indent), with what write writes in place of the itemsMark its items field holds (unless
// write is nil: a document without one). size is about the size of the whole document, so its
// buffer grows once.
func marshalSpliced(v any, size int, write func(w *xmlWriter)) ([]byte, error) {
	var w xmlWriter
	w.b.Grow(size)
	w.b.WriteString(xml.Header)
	enc := xml.NewEncoder(&w.b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	w.b.WriteByte('\n')
	if write == nil {
		return w.b.Bytes(), nil
	}
	at := bytes.LastIndex(w.b.Bytes(), []byte(itemsMark))
	if at < 0 {
		return nil, errors.New("feed: the items field was not written")
	}
	tail := string(w.b.Bytes()[at+len(itemsMark):]) // the closing tags: a few bytes
	w.b.Truncate(at)
	write(&w)
	w.b.WriteString(tail)
	return w.b.Bytes(), nil
}

// headSize is about what a feed document holds besides its items.
const headSize = 4 << 10

// docSize is about the size of a feed document of items: each entry's text, its markup,
// links and dates, and the feed's own elements; escaped says the format writes the content
// escaped as XML text (Atom) rather than as CDATA or a JSON string. A buffer sized by it is
// allocated once instead of doubling its way up, which was a third of the bytes a cold build
// allocated.
func docSize(items []item, escaped bool) int {
	n := headSize
	for i := range items {
		it := &items[i]
		content := len(it.content) + len(it.content)/16
		if escaped {
			content = escapedLen(it.content, math.MaxInt)
		}
		n += len(it.title) + len(it.summary) + len(it.summary)/8 + content + 2*len(it.link) + len(it.id) + 280
		for _, a := range it.authors {
			n += 2*len(a.Name) + len(a.Email) + 40
		}
		for _, c := range it.categories {
			n += len(c) + 30
		}
	}
	return n
}

// htmlEscaper turns plain text into HTML text. Quotes are left alone: they need escaping only
// in attributes, and &#34; would just make the XML harder to read.
var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// escapeHTML escapes plain text for elements readers interpret as HTML.
func escapeHTML(s string) string { return htmlEscaper.Replace(s) }

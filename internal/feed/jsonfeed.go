package feed

import (
	"time"

	"github.com/gorilla/feeds"
)

// jsonFeed extends feeds.JSONFeed: gorilla drops "items" when there are none (the spec
// requires the key) and its item omits an empty content_html, which 1.1 also requires.
type jsonFeed struct {
	*feeds.JSONFeed
	Items []*jsonItem `json:"items"`
}

type jsonItem struct {
	*feeds.JSONItem
	ContentHTML   string `json:"content_html"`
	DatePublished string `json:"date_published,omitempty"`
	DateModified  string `json:"date_modified,omitempty"`
	Language      string `json:"language,omitempty"` // only where the item's is not the feed's
}

// The deprecated 1.0 "author" field is not written: every reader that knows 1.1 reads
// "authors", and a 1.0-only reader still gets titles, links and content.

func (r *Renderer) jsonFeed(ci *chanInfo, items []item, updated time.Time) ([]byte, error) {
	f := &feeds.Feed{
		Title:       ci.title,
		Link:        &feeds.Link{Href: ci.home},
		Description: ci.description,
		Updated:     updated,
	}
	f.Items = gorillaItems(items, func(it *item, gi *feeds.Item) {
		*gi = feeds.Item{
			Title:       it.title,
			Link:        gi.Link,
			Id:          it.id,
			Description: it.summary, // JSON Feed's summary is plain text, as ours is
			Content:     it.content,
		}
	})
	jf := (&feeds.JSON{Feed: f}).JSONFeed()
	// Every page of a feed names the subscription document as its feed_url, the feed's
	// identity; next_url leads to older entries, JSON Feed's form of RFC 5005's prev-archive.
	jf.FeedUrl = ci.json.self
	if ci.archive {
		jf.FeedUrl = ci.json.current
	}
	jf.NextUrl = ci.json.prev
	jf.Language = r.site.Language
	jf.Author = nil
	jf.Icon, jf.Favicon = r.iconURL, r.iconURL
	// A feed-level author is one readers (Miniflux) add to every item's byline, so it is
	// written only when the site has a configured author, not invented from its title.
	if r.site.Author.Name != "" {
		jf.Authors = []*feeds.JSONAuthor{{Name: r.site.Author.Name, Url: r.site.BaseURL}}
	}
	for _, h := range ci.hubs {
		jf.Hubs = append(jf.Hubs, &feeds.JSONHub{Type: "WebSub", Url: h})
	}
	out := &jsonFeed{JSONFeed: jf, Items: make([]*jsonItem, len(jf.Items))}
	// The items and their authors, allocated together (see gorillaItems).
	xv := make([]jsonItem, len(jf.Items))
	nAuthors := 0
	for i := range items {
		nAuthors += len(items[i].authors)
	}
	authors, authorPtrs := make([]feeds.JSONAuthor, nAuthors), make([]*feeds.JSONAuthor, nAuthors)
	for i, ji := range jf.Items {
		it := &items[i]
		ji.Author = nil
		ji.Authors = nil
		if n := len(it.authors); n > 0 {
			ji.Authors, authorPtrs = authorPtrs[:n:n], authorPtrs[n:]
			for k, a := range it.authors {
				ja := &authors[k]
				*ja = feeds.JSONAuthor{Name: a.Name}
				if a.Email != "" {
					ja.Url = "mailto:" + a.Email // the only address known for the person
				}
				ji.Authors[k] = ja
			}
			authors = authors[n:]
		}
		if len(it.categories) > 0 {
			ji.Tags = it.categories
		}
		// Dates are the items' stamps rather than left to time.Time's MarshalJSON so they are
		// UTC at whole seconds, like the other formats.
		out.Items[i] = &xv[i]
		xv[i] = jsonItem{
			JSONItem:      ji,
			ContentHTML:   it.content,
			DatePublished: it.publishedStamp,
			DateModified:  it.updatedStamp,
		}
		if it.lang != r.site.Language {
			out.Items[i].Language = it.lang
		}
	}
	return writeJSONFeed(out, docSize(items, false))
}

package feed

import (
	"time"

	"github.com/gorilla/feeds"
)

// atomFeed extends feeds.AtomFeed. gorilla writes a single link, uses that link as the feed
// id, and has no xml:lang or generator; the RFC 4287 schema also wants entries after every
// other child, so they come after the added elements: atomEntries, written by atomEntries as
// encoding/xml would write them in an `xml:"entry"` field, and gorilla's own Entries cleared.
type atomFeed struct {
	Lang string `xml:"xml:lang,attr,omitempty"`
	FHNS string `xml:"xmlns:fh,attr,omitempty"`
	*feeds.AtomFeed
	Links     []feeds.AtomLink
	Generator atomGenerator `xml:"generator"`
	Archive   *struct{}     `xml:"fh:archive"` // RFC 5005: this is an archive document
	Entries   []byte        `xml:",innerxml"`
}

type atomGenerator struct {
	URI     string `xml:"uri,attr"`
	Version string `xml:"version,attr,omitempty"`
	Name    string `xml:",chardata"`
}

// atomEntry extends feeds.AtomEntry with several authors (gorilla allows one) and proper
// categories: gorilla's Category is element text, which Atom does not allow.
type atomEntry struct {
	Lang string `xml:"xml:lang,attr,omitempty"` // only where the entry's language is not the feed's
	*feeds.AtomEntry
	Authors    []feeds.AtomAuthor
	Categories []atomCategory `xml:"category"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

func (r *Renderer) atom(ci *chanInfo, items []item, updated time.Time) ([]byte, error) {
	f := &feeds.Feed{
		Title:       ci.title,
		Link:        &feeds.Link{Href: ci.home},
		Description: ci.description, // gorilla writes it as <subtitle>, omitted when empty
		Updated:     updated,
		Author:      &feeds.Author{Name: r.author.Name, Email: r.author.Email},
	}
	f.Items = gorillaItems(items, func(it *item, gi *feeds.Item) {
		gi.Link.Rel, gi.Link.Type = "alternate", "text/html"
		// Id is always set: with an empty Id gorilla would mint a random urn:uuid, a new
		// identity on every render.
		*gi = feeds.Item{
			Title:   it.title,
			Link:    gi.Link,
			Id:      it.id,
			Created: it.published,
			Updated: it.updated,
			Content: it.content,
		}
	})
	af := (&feeds.Atom{Feed: f}).AtomFeed()
	af.Id = ci.id // gorilla uses the home page link, which changes when the site moves
	af.Link = nil
	af.Icon = r.iconURL
	out := &atomFeed{
		Lang:      r.site.Language,
		AtomFeed:  af,
		Links:     []feeds.AtomLink{{Href: ci.html.self, Rel: "alternate", Type: "text/html"}},
		Generator: atomGenerator{URI: generatorURI, Version: r.site.GeneratorVersion, Name: generatorName},
	}
	xs, xv := make([]*atomEntry, len(af.Entries)), make([]atomEntry, len(af.Entries))
	// The items' authors, categories and summaries, allocated together (see gorillaItems).
	var nAuthors, nCats int
	for i := range items {
		nAuthors += len(items[i].authors)
		nCats += len(items[i].categories)
	}
	authors, cats := make([]feeds.AtomAuthor, 0, nAuthors), make([]atomCategory, 0, nCats)
	summaries := make([]feeds.AtomSummary, len(items))
	for _, l := range atomLinks(ci.atom, "application/atom+xml", ci.hubs) {
		out.Links = append(out.Links, feeds.AtomLink{Href: l.Href, Rel: l.Rel, Type: l.Type})
	}
	if ci.archive {
		out.FHNS, out.Archive = nsFH, &struct{}{}
	}
	for i, ae := range af.Entries {
		it := &items[i]
		// gorilla sets only <updated>; published is the creation date.
		ae.Published = it.publishedStamp
		ae.Updated = it.updatedStamp
		ae.Author = nil
		if it.summary != "" {
			// Declared type="html" as readers expect, so the plain text is escaped as HTML.
			summaries[i] = feeds.AtomSummary{Content: it.summaryHTML, Type: "html"}
			ae.Summary = &summaries[i]
		}
		x := &xv[i]
		x.AtomEntry = ae
		if it.lang != r.site.Language {
			x.Lang = it.lang
		}
		// An entry without authors inherits the feed's, as RFC 4287 section 4.2.1 provides.
		if len(it.authors) > 0 {
			from := len(authors)
			for _, a := range it.authors {
				authors = append(authors, feeds.AtomAuthor{AtomPerson: feeds.AtomPerson{Name: a.Name, Email: a.Email}})
			}
			x.Authors = authors[from:len(authors):len(authors)]
		}
		if len(it.categories) > 0 {
			from := len(cats)
			for _, c := range it.categories {
				cats = append(cats, atomCategory{Term: c})
			}
			x.Categories = cats[from:len(cats):len(cats)]
		}
		xs[i] = x
	}
	af.Entries = nil
	out.Entries = []byte(itemsMark)
	return marshalSpliced(out, docSize(items, true), func(w *xmlWriter) { w.atomEntries(xs) })
}

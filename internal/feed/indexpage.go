package feed

import (
	"bytes"
	"html/template"
	"time"
)

// An index page (a feed's index.html and each archive page's) is written by hand, as article
// pages are (articlepage.go): html/template's reflective execution of the page around the list
// was a third of the page's time, and the list, written apart for the template, was copied
// twice more. writeIndex writes, byte for byte, what testdata/templates/index.html writes for the same
// pageData with the list entryList made; TestIndexMatchesTemplate and FuzzIndex hold it to
// the template, which stays the reference.

// writeIndex writes the index page of d listing items.
func writeIndex(b *bytes.Buffer, d *pageData, items []item) {
	writePageStart(b, d)
	b.WriteString("\n<header>\n<h1>")
	writeHTMLText(b, d.Heading)
	b.WriteString("</h1>")
	if d.Description != "" {
		b.WriteString("\n<p>")
		writeHTMLText(b, d.Description)
		b.WriteString("</p>")
	}
	if d.Canonical != d.HomeURL {
		b.WriteByte('\n')
		writeHomeLink(b, d)
	}
	b.WriteString("\n</header>")
	if len(d.Related) > 0 {
		b.WriteString("\n<nav class=\"sections\">\n<ul>")
		for _, l := range d.Related {
			b.WriteString("\n<li><a href=\"")
			writeHTMLURL(b, l.URL)
			b.WriteString(`">`)
			writeHTMLText(b, l.Title)
			b.WriteString("</a></li>")
		}
		b.WriteString("\n</ul>\n</nav>")
	}
	b.WriteString("\n<main>")
	if len(items) > 0 {
		b.WriteString("\n<ol class=\"entries\">")
		writeEntries(b, items, d.Lang)
		b.WriteString("\n</ol>")
	} else {
		b.WriteString("\n<p>")
		writeHTMLText(b, d.Words.Nothing)
		b.WriteString("</p>")
	}
	if d.Newer != "" || d.Older != "" {
		b.WriteString("\n<nav class=\"pages\">")
		if d.Newer != "" {
			b.WriteString(`<a rel="next" href="`)
			writeHTMLURL(b, d.Newer)
			b.WriteString(`">Newer articles</a>`)
		}
		if d.Newer != "" && d.Older != "" {
			b.WriteString(" · ")
		}
		if d.Older != "" {
			b.WriteString(`<a rel="prev" href="`)
			writeHTMLURL(b, d.Older)
			b.WriteString(`">Older articles</a>`)
		}
		b.WriteString("\n</nav>")
	}
	b.WriteString("\n</main>\n<footer>\n<p>")
	writeSubscribe(b, d)
	b.WriteString("</p>\n</footer>\n</body>\n</html>\n")
}

// writeEntries writes the <li> of each entry of an index page in language lang, each on a line
// of its own, escaped as html/template would have (htmlescape.go).
func writeEntries(b *bytes.Buffer, items []item, lang string) {
	w := wordsFor(lang)
	for i := range items {
		it := &items[i]
		b.WriteString("\n<li")
		if it.lang != lang && it.lang != "" {
			b.WriteString(` lang="`)
			writeHTMLText(b, it.lang)
			b.WriteByte('"')
		}
		b.WriteString(">\n<h2><a href=\"")
		writeHTMLURL(b, it.link)
		b.WriteString(`">`)
		writeHTMLText(b, it.title)
		b.WriteString("</a></h2>\n<p class=\"meta\">")
		writePageTime(b, it.published, it.zone, w)
		if len(it.authors) > 0 {
			if byline := w.byline(authorNames(it.authors)); byline != "" {
				b.WriteString(" · ")
				writeHTMLText(b, byline)
			}
		}
		b.WriteString("</p>")
		if it.summary != "" {
			b.WriteString("\n<p>")
			writeHTMLText(b, it.summary)
			b.WriteString("</p>")
		}
		b.WriteString("\n</li>")
	}
}

// writePageTime writes newPageTime(t, zone, w).Element() without building its strings.
func writePageTime(b *bytes.Buffer, t time.Time, zone *time.Location, w *words) {
	t = t.In(zone)
	b.WriteString(`<time datetime="`)
	b.Write(appendRFC3339(b.AvailableBuffer(), t))
	b.WriteString(`">`)
	b.WriteString(template.HTMLEscapeString(w.dateTime(t)))
	b.WriteString("</time>")
}

// entriesSize is about the size of the list writeEntries writes for items, so that the
// page's buffer is allocated once instead of doubling its way up.
func entriesSize(items []item) int {
	n := 0
	for i := range items {
		n += len(items[i].title) + len(items[i].summary) + len(items[i].link) + entryOverhead
	}
	return n
}

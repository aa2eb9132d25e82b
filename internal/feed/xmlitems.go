package feed

import (
	"bytes"
	"encoding/xml"
	"strings"
	"unicode/utf8"

	"github.com/gorilla/feeds"
)

// The items of the RSS and Atom documents are the structs gorilla built, written here by hand
// and spliced into the document encoding/xml writes (an ",innerxml" field): encoding/xml's
// reflection over a hundred items was half of an archive page's time. The output is byte for
// byte what encoding/xml wrote, at the depth the items sit in the indented document;
// TestXMLItemsMatchEncoder holds it to that. They are written straight into the document's
// buffer, where the field's mark is (marshalSpliced), rather than built apart and copied in.

// xmlWriter writes indented XML elements into a buffer.
type xmlWriter struct {
	b       bytes.Buffer
	scratch []byte // text's copy of a string for EscapeText, reused
}

// indent starts a new line at depth.
func (w *xmlWriter) indent(depth int) { writeIndent(&w.b, depth) }

// writeIndent starts a new line indented by two spaces per depth, as encoding/xml's and
// encoding/json's Indent("", "  ") do.
func writeIndent(b *bytes.Buffer, depth int) {
	if 1+2*depth <= len(newlineIndent) {
		b.WriteString(newlineIndent[:1+2*depth])
		return
	}
	b.WriteByte('\n')
	for range depth {
		b.WriteString("  ")
	}
}

// newlineIndent is a new line and the indents of the depths documents mostly have, written
// with one copy.
const newlineIndent = "\n                "

// text writes s as encoding/xml writes text and attribute values, with its own EscapeText.
// Text that needs no escaping (valid UTF-8 without markup characters, controls, U+FFFE or
// U+FFFF), the common case, is written without the copy EscapeText's []byte takes; other text
// is copied into a buffer the writer reuses.
func (w *xmlWriter) text(s string) {
	var high byte // the bytes ORed: 0x80 set when s is not ASCII
	for i := 0; i < len(s); i++ {
		c := s[i]
		high |= c
		if xmlLook[c] && (c != 0xEF || i+2 < len(s) && s[i+1] == 0xBF && s[i+2] >= 0xBE) { // EF: U+FFFE, U+FFFF
			w.escape(s)
			return
		}
	}
	if high >= utf8.RuneSelf && !utf8.ValidString(s) {
		w.escape(s)
		return
	}
	w.b.WriteString(s)
}

// xmlLook marks the bytes text cannot write as they are: controls, markup characters and
// quotes, and 0xEF, which leads U+FFFE and U+FFFF.
var xmlLook = func() (t [256]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	for _, c := range []byte{'"', '\'', '&', '<', '>', 0xEF} {
		t[c] = true
	}
	return t
}()

// escape writes s through xml.EscapeText.
func (w *xmlWriter) escape(s string) {
	w.scratch = append(w.scratch[:0], s...)
	xml.EscapeText(&w.b, w.scratch) // never fails: w.b is a bytes.Buffer
}

// element writes <name>s</name> on a line at depth.
func (w *xmlWriter) element(depth int, name, s string) {
	w.indent(depth)
	w.start(name)
	w.text(s)
	w.end(name)
}

// start and end write a start and an end tag without attributes.
func (w *xmlWriter) start(name string) {
	w.b.WriteByte('<')
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

func (w *xmlWriter) end(name string) {
	w.b.WriteString("</")
	w.b.WriteString(name)
	w.b.WriteByte('>')
}

// optional writes the element only when s is not empty (an omitempty field).
func (w *xmlWriter) optional(depth int, name, s string) {
	if s != "" {
		w.element(depth, name, s)
	}
}

// attr writes name="s"; optional ones only when s is not empty.
func (w *xmlWriter) attr(name, s string, optional bool) {
	if optional && s == "" {
		return
	}
	w.b.WriteByte(' ')
	w.b.WriteString(name)
	w.b.WriteString(`="`)
	w.text(s)
	w.b.WriteByte('"')
}

// cdata writes s as encoding/xml writes a ",cdata" field: nothing when empty, else one CDATA
// section, split where s itself holds "]]>".
func (w *xmlWriter) cdata(s string) {
	if s == "" {
		return
	}
	w.b.WriteString("<![CDATA[")
	w.b.WriteString(strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>"))
	w.b.WriteString("]]>")
}

// rssItems writes items as rssChannel's items, at depth 2 (rss > channel > item).
func (w *xmlWriter) rssItems(items []*rssItem) {
	for _, x := range items {
		w.indent(2)
		w.b.WriteString("<item>")
		w.optional(3, "title", x.Title)
		w.optional(3, "description", x.Description)
		ri := x.RssItem
		w.element(3, "link", ri.Link)
		if ri.Content != nil {
			w.indent(3)
			w.b.WriteString("<content:encoded>")
			w.cdata(ri.Content.Content)
			w.b.WriteString("</content:encoded>")
		}
		w.optional(3, "comments", ri.Comments)
		if e := ri.Enclosure; e != nil {
			w.indent(3)
			w.b.WriteString("<enclosure")
			w.attr("url", e.Url, false)
			w.attr("length", e.Length, false)
			w.attr("type", e.Type, false)
			w.b.WriteString("></enclosure>")
		}
		if g := ri.Guid; g != nil {
			w.indent(3)
			w.b.WriteString("<guid")
			w.attr("isPermaLink", g.IsPermaLink, true)
			w.b.WriteString(">")
			w.text(g.Id)
			w.b.WriteString("</guid>")
		}
		w.optional(3, "pubDate", ri.PubDate)
		w.optional(3, "source", ri.Source)
		w.element(3, "atom:updated", x.Updated)
		w.optional(3, "author", x.Author)
		w.optional(3, "dc:creator", x.Creator)
		for _, c := range x.Categories {
			w.element(3, "category", c)
		}
		w.indent(2)
		w.b.WriteString("</item>")
	}
}

// atomEntries writes entries as atomFeed's entries, at depth 1 (feed > entry).
func (w *xmlWriter) atomEntries(entries []*atomEntry) {
	for _, x := range entries {
		ae := x.AtomEntry
		w.indent(1)
		w.b.WriteString("<entry")
		w.attr("xml:lang", x.Lang, true)
		w.attr("xmlns", ae.Xmlns, true)
		w.b.WriteString(">")
		w.element(2, "title", ae.Title)
		w.element(2, "updated", ae.Updated)
		w.element(2, "id", ae.Id)
		if c := ae.Content; c != nil {
			w.indent(2)
			w.b.WriteString(`<content`)
			w.attr("type", c.Type, false)
			w.b.WriteString(">")
			w.text(c.Content)
			w.b.WriteString("</content>")
		}
		w.optional(2, "rights", ae.Rights)
		w.optional(2, "source", ae.Source)
		w.optional(2, "published", ae.Published)
		if c := ae.Contributor; c != nil {
			w.person(2, "contributor", c.AtomPerson)
		}
		for _, l := range ae.Links {
			w.indent(2)
			w.b.WriteString("<link")
			w.attr("href", l.Href, false)
			w.attr("rel", l.Rel, true)
			w.attr("type", l.Type, true)
			w.attr("length", l.Length, true)
			w.b.WriteString("></link>")
		}
		if s := ae.Summary; s != nil {
			w.indent(2)
			w.b.WriteString("<summary")
			w.attr("type", s.Type, false)
			w.b.WriteString(">")
			w.text(s.Content)
			w.b.WriteString("</summary>")
		}
		if a := ae.Author; a != nil {
			w.person(2, "author", a.AtomPerson) // not shadowed by Authors, whose name is its type's
		}
		for _, a := range x.Authors {
			w.person(2, "author", a.AtomPerson)
		}
		for _, c := range x.Categories {
			w.indent(2)
			w.b.WriteString("<category")
			w.attr("term", c.Term, false)
			w.b.WriteString("></category>")
		}
		w.indent(1)
		w.b.WriteString("</entry>")
	}
}

// person writes an Atom person construct at depth.
func (w *xmlWriter) person(depth int, name string, p feeds.AtomPerson) {
	w.indent(depth)
	w.start(name)
	if p.Name == "" && p.Uri == "" && p.Email == "" {
		w.end(name)
		return
	}
	w.optional(depth+1, "name", p.Name)
	w.optional(depth+1, "uri", p.Uri)
	w.optional(depth+1, "email", p.Email)
	w.indent(depth)
	w.end(name)
}

package article

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// HTML: metadata from the Open Graph / article meta tags a CMS writes, falling back to the
// document's own elements; the content is the <article> (else <main>, else <body>) sanitized
// with bluemonday's UGC policy. Relative URLs are kept as written: the feed layer knows the
// base URL, this package does not.

// htmlDoc is what one walk over the parsed tree collects.
type htmlDoc struct {
	ogTitle, title       string
	h1                   *html.Node
	timeDatetime         string
	published, modified  string
	author               string
	lang                 string // <html lang>
	tags                 []string
	description, ogDesc  string
	article, main, body  *html.Node
	sawPublished, sawMod bool
}

func parseHTML(name, text string, loc *time.Location) (*Article, error) {
	root, err := html.Parse(strings.NewReader(text))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", name, ErrInvalid, err)
	}
	var d htmlDoc
	d.collect(root)

	a := &Article{Format: FormatHTML}
	for _, t := range []string{d.ogTitle, d.title, nodeText(d.h1)} {
		if a.Title = collapseSpace(t); a.Title != "" {
			break
		}
	}
	if d.sawPublished {
		t, zoned, ok := parseZonedDate(d.published, loc)
		if !ok {
			return nil, badDate(name, "article:published_time", d.published)
		}
		a.Published, a.OwnOffset = t, zoned
	} else if d.timeDatetime != "" {
		// <time> is page text, not metadata a CMS vouches for: an unreadable one (HTML allows
		// durations and partial dates) is worth a warning, not a rejected article.
		if t, zoned, ok := parseZonedDate(d.timeDatetime, loc); ok {
			a.Published, a.OwnOffset = t, zoned
		} else {
			a.Warnings = append(a.Warnings, fmt.Sprintf("ignored <time datetime=%q>: not a date", d.timeDatetime))
		}
	}
	if d.sawMod {
		t, ok := parseISODate(d.modified, loc)
		if !ok {
			return nil, badDate(name, "article:modified_time", d.modified)
		}
		a.Updated = t
	}
	if trimSpace(d.author) != "" {
		a.Authors = []Author{parseAddress(d.author)}
	}
	a.Categories = d.tags
	if d.lang != "" {
		if a.Language, _ = canonicalLanguage(d.lang); a.Language == "" {
			a.Warnings = append(a.Warnings, fmt.Sprintf("ignored <html lang=%q>: not a BCP 47 language tag", d.lang))
		}
	}

	container := d.article
	if container == nil {
		container = d.main
	}
	if container == nil {
		container = d.body
	}
	a.Summary = d.description
	if trimSpace(a.Summary) == "" {
		a.Summary = d.ogDesc
	}
	if container == nil {
		return a, nil
	}
	if trimSpace(a.Summary) == "" {
		a.Summary = nodeText(findElement(container, atom.P))
	}
	if h1 := findElement(container, atom.H1); h1 != nil && a.Title != "" &&
		strings.EqualFold(collapseSpace(nodeText(h1)), a.Title) {
		h1.Parent.RemoveChild(h1)
	}
	var buf bytes.Buffer
	for c := container.FirstChild; c != nil; c = c.NextSibling {
		if err := html.Render(&buf, c); err != nil {
			return nil, fmt.Errorf("%s: %w: %v", name, ErrInvalid, err)
		}
	}
	a.ContentHTML = CleanText(strings.TrimSpace(ugcPolicy().Sanitize(buf.String())))
	return a, nil
}

func (d *htmlDoc) collect(n *html.Node) {
	if n.Type == html.ElementNode && n.Namespace == "" {
		switch n.DataAtom {
		case atom.Script, atom.Style, atom.Template, atom.Noscript:
			return
		case atom.Html:
			if v, ok := attr(n, "lang"); ok && d.lang == "" {
				d.lang = trimSpace(v)
			}
		case atom.Meta:
			d.meta(n)
		case atom.Title:
			if d.title == "" {
				d.title = nodeText(n)
			}
		case atom.H1:
			if d.h1 == nil {
				d.h1 = n
			}
		case atom.Time:
			if v, ok := attr(n, "datetime"); ok && d.timeDatetime == "" {
				d.timeDatetime = v
			}
		case atom.Article:
			if d.article == nil {
				d.article = n
			}
		case atom.Main:
			if d.main == nil {
				d.main = n
			}
		case atom.Body:
			if d.body == nil {
				d.body = n
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		d.collect(c)
	}
}

// meta reads one <meta>. Pages mix up name= and property= for the same keys, so both are
// accepted for every key.
func (d *htmlDoc) meta(n *html.Node) {
	key, ok := attr(n, "property")
	if !ok {
		key, _ = attr(n, "name")
	}
	content, _ := attr(n, "content")
	switch strings.ToLower(trimSpace(key)) {
	case "og:title":
		if d.ogTitle == "" {
			d.ogTitle = content
		}
	case "article:published_time":
		if !d.sawPublished {
			d.published, d.sawPublished = content, true
		}
	case "article:modified_time":
		if !d.sawMod {
			d.modified, d.sawMod = content, true
		}
	case "article:tag", "article:section":
		d.tags = append(d.tags, content)
	case "keywords":
		d.tags = append(d.tags, strings.Split(content, ",")...)
	case "author":
		if d.author == "" {
			d.author = content
		}
	case "description":
		if d.description == "" {
			d.description = content
		}
	case "og:description":
		if d.ogDesc == "" {
			d.ogDesc = content
		}
	}
}

func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

func findElement(n *html.Node, a atom.Atom) *html.Node {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.DataAtom == a && c.Namespace == "" {
			return c
		}
		if c.Type == html.ElementNode && isHiddenText(c.DataAtom) {
			continue
		}
		if f := findElement(c, a); f != nil {
			return f
		}
	}
	return nil
}

func isHiddenText(a atom.Atom) bool {
	return a == atom.Script || a == atom.Style || a == atom.Template || a == atom.Noscript
}

// nodeText is the visible text of n, with a space wherever a block boundary or <br> would
// separate words on screen.
func nodeText(n *html.Node) string {
	if n == nil {
		return ""
	}
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch n.Type {
		case html.TextNode:
			b.WriteString(n.Data)
			return
		case html.ElementNode:
			if isHiddenText(n.DataAtom) {
				return
			}
		}
		block := n.Type == html.ElementNode && isBlock(n.DataAtom)
		if block {
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
		if block {
			b.WriteByte(' ')
		}
	}
	walk(n)
	return collapseSpace(b.String())
}

// visibleText is the visible text of an HTML fragment (entities decoded, tags dropped).
func visibleText(fragment string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return collapseSpace(b.String())
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			if tn, _ := z.TagName(); isBlock(atom.Lookup(tn)) {
				b.WriteByte(' ')
			}
		}
	}
}

func isBlock(a atom.Atom) bool {
	switch a {
	case atom.Br, atom.P, atom.Div, atom.Li, atom.Ul, atom.Ol, atom.Dl, atom.Dt, atom.Dd,
		atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6, atom.Tr, atom.Td, atom.Th,
		atom.Table, atom.Blockquote, atom.Pre, atom.Hr, atom.Section, atom.Article,
		atom.Header, atom.Footer, atom.Main, atom.Aside, atom.Nav, atom.Figure,
		atom.Figcaption, atom.Title:
		return true
	}
	return false
}

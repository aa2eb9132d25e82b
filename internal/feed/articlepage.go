package feed

import (
	"bytes"
	"html/template"
)

// An article page is written by hand rather than through html/template: a cold build renders
// one per article, and the template's reflective execution was most of Page's time. writeArticle
// writes, byte for byte, what testdata/templates/article.html (with head.html) writes for the same
// pageData, escaping each value as html/template does in its context (htmlescape.go);
// TestArticleMatchesTemplate and FuzzArticle hold it to the template, which stays the
// reference and still renders the index pages.

// writePageStart writes what head.html and both pages write before the body's content: the
// doctype, <html> with its language, the head, and "<body>".
func writePageStart(b *bytes.Buffer, d *pageData) {
	b.WriteString("<!DOCTYPE html>\n<html")
	if d.Lang != "" {
		b.WriteString(` lang="`)
		writeHTMLText(b, d.Lang)
		b.WriteByte('"')
	}
	b.WriteString(">\n<head>\n")
	writeHead(b, d)
	b.WriteString("\n</head>\n<body>")
}

// writeHomeLink writes the <nav> back to the site's home page.
func writeHomeLink(b *bytes.Buffer, d *pageData) {
	b.WriteString(`<nav><a href="`)
	writeHTMLURL(b, d.HomeURL)
	b.WriteString(`">← `)
	writeHTMLText(b, d.SiteTitle)
	b.WriteString("</a></nav>")
}

// writeArticle writes the article page of d, whose Entry must be set.
func writeArticle(b *bytes.Buffer, d *pageData) {
	writePageStart(b, d)
	b.WriteByte('\n')
	writeHomeLink(b, d)
	b.WriteString("\n<main>\n<article>")
	if e := d.Entry; e != nil {
		b.WriteString("\n<header>\n<h1>")
		writeHTMLText(b, e.Title)
		b.WriteString(`</h1>
<p class="meta">`)
		writeHTMLText(b, d.Words.Published)
		b.WriteByte(' ')
		writeTime(b, e.Published)
		if e.Modified {
			b.WriteString(" · ")
			writeHTMLText(b, d.Words.Updated)
			b.WriteByte(' ')
			writeTime(b, e.Updated)
		}
		if e.Byline != "" {
			b.WriteString(" · ")
			writeHTMLText(b, e.Byline)
		}
		b.WriteString("</p>")
		if e.Categories != "" {
			b.WriteString("\n<p class=\"meta\">")
			writeHTMLText(b, d.Words.FiledUnder)
			b.WriteByte(' ')
			writeHTMLText(b, e.Categories)
			b.WriteString("</p>")
		}
		b.WriteString("\n</header>\n")
		b.WriteString(string(e.Content))
	}
	b.WriteString("\n</article>\n</main>\n<footer>\n<p><a href=\"")
	writeHTMLURL(b, d.HomeURL)
	b.WriteString(`">`)
	writeHTMLText(b, d.Words.AllArticles)
	b.WriteString("</a> · ")
	writeSubscribe(b, d)
	b.WriteString("</p>\n</footer>\n</body>\n</html>\n")
}

// writeHead is the "head" template of head.html.
func writeHead(b *bytes.Buffer, d *pageData) {
	b.WriteString("<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>")
	writeHTMLText(b, d.Title)
	b.WriteString("</title>")
	if d.Description != "" {
		b.WriteString("\n<meta name=\"description\" content=\"")
		writeHTMLText(b, d.Description)
		b.WriteString(`">`)
	}
	if d.Canonical != "" {
		b.WriteString("\n<link rel=\"canonical\" href=\"")
		writeHTMLURL(b, d.Canonical)
		b.WriteString(`">`)
	}
	for _, f := range [...]struct{ typ, name, url string }{
		{"application/rss+xml", "RSS", d.Feeds.RSS},
		{"application/atom+xml", "Atom", d.Feeds.Atom},
		{"application/feed+json", "JSON Feed", d.Feeds.JSON},
	} {
		b.WriteString("\n<link rel=\"alternate\" type=\"")
		b.WriteString(f.typ)
		b.WriteString(`" title="`)
		writeHTMLText(b, d.FeedTitle)
		b.WriteString(" (")
		b.WriteString(f.name)
		b.WriteString(`)" href="`)
		writeHTMLURL(b, f.url)
		b.WriteString(`">`)
	}
	if d.IconURL != "" {
		b.WriteString("\n<link rel=\"icon\" href=\"")
		writeHTMLURL(b, d.IconURL)
		b.WriteString(`">`)
	}
	b.WriteString("\n")
	b.WriteString(pageStyle)
}

// writeSubscribe is the "subscribe" template of head.html.
func writeSubscribe(b *bytes.Buffer, d *pageData) {
	writeHTMLText(b, d.Words.Subscribe)
	b.WriteString(`: <a href="`)
	writeHTMLURL(b, d.Feeds.RSS)
	b.WriteString(`" type="application/rss+xml">RSS</a> · <a href="`)
	writeHTMLURL(b, d.Feeds.Atom)
	b.WriteString(`" type="application/atom+xml">Atom</a> · <a href="`)
	writeHTMLURL(b, d.Feeds.JSON)
	b.WriteString(`" type="application/feed+json">JSON Feed</a>`)
}

// writeTime writes p.Element(), without building its string.
func writeTime(b *bytes.Buffer, p pageTime) {
	b.WriteString(`<time datetime="`)
	b.WriteString(p.Machine)
	b.WriteString(`">`)
	b.WriteString(template.HTMLEscapeString(p.Human))
	b.WriteString("</time>")
}

// pageStyle is head.html's <style> element, as is.
const pageStyle = `<style>
body { max-width: 42rem; margin: 0 auto; padding: 1rem; font: 1.0625rem/1.6 Georgia, "Times New Roman", "Noto Serif CJK KR", "Noto Serif KR", "Nanum Myeongjo", AppleMyungjo, Batang, serif; color: #1b1b1b; background: #fff; overflow-wrap: break-word; }
h1, h2 { font-family: system-ui, -apple-system, "Segoe UI", "Noto Sans CJK KR", "Noto Sans KR", "Apple SD Gothic Neo", "Malgun Gothic", sans-serif; line-height: 1.25; }
:lang(ko) { word-break: keep-all; }
:lang(ja), :lang(zh) { line-break: strict; }
a { color: #0b57d0; }
img, video { max-width: 100%; height: auto; }
pre { overflow-x: auto; padding: .75rem; background: #f4f4f4; }
.meta { color: #555; font-size: .9375rem; }
ol.entries { list-style: none; padding: 0; }
ol.entries li { margin: 0 0 1.75rem; }
nav, footer { margin: 1.5rem 0; font-size: .9375rem; }
@media (prefers-color-scheme: dark) { body { color: #e4e4e4; background: #161616; } a { color: #8ab4f8; } pre { background: #262626; } .meta { color: #aaa; } }
</style>`

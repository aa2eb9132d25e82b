// Command hugosite converts an article directory into a Hugo site of the same articles, so that
// bench/run.sh can time Hugo's build against feedpub's on identical content: one Markdown page
// per article (title, dates, authors in front matter; the article's paragraphs as the body),
// a home page listing the newest 50, and an RSS feed of the newest 50, as feedpub builds.
//
// With -full the site also has what feedpub writes for a newsroom: a section per folder and a
// term per author, each (and the home page) with a list paginated by 100 with summaries, as
// feedpub's archive index pages are, and RSS, Atom and JSON feeds of its newest 50.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/article"
)

// The layouts mirror feedpub's page templates in what they show: nav, title, dates, authors,
// content, feed links. Hugo renders the RSS feed with its embedded template.
var files = map[string]string{
	"hugo.toml": `baseURL = "https://bench.example.org/"
title = "Bench"
languageCode = "en"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]
rssLimit = 50
[outputs]
home = ["HTML", "RSS"]
section = ["HTML"]
`,
	"layouts/_default/baseof.html": `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{ .Title }} — {{ .Site.Title }}</title>
<link rel="canonical" href="{{ .Permalink }}">
<link rel="alternate" type="application/rss+xml" href="{{ "index.xml" | absURL }}">
</head>
<body>
<nav><a href="{{ .Site.BaseURL }}">← {{ .Site.Title }}</a></nav>
<main>{{ block "main" . }}{{ end }}</main>
<footer><p><a href="{{ .Site.BaseURL }}">All articles</a> · <a href="{{ "index.xml" | absURL }}">RSS</a></p></footer>
</body>
</html>
`,
	"layouts/_default/single.html": `{{ define "main" }}<article>
<header>
<h1>{{ .Title }}</h1>
<p class="meta">Published <time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2 January 2006" }}</time>
{{- if ne .Lastmod .Date }}, updated <time datetime="{{ .Lastmod.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Lastmod.Format "2 January 2006" }}</time>{{ end }}
{{- with .Params.authors }} by {{ delimit . ", " }}{{ end }}</p>
</header>
{{ .Content }}
</article>{{ end }}
`,
	"layouts/_default/list.html": `{{ define "main" }}<ul>
{{ range first 50 .Site.RegularPages.ByDate.Reverse }}<li><a href="{{ .Permalink }}">{{ .Title }}</a> {{ .Summary }}</li>
{{ end }}</ul>{{ end }}
`,
}

// fullFiles replace and add to files for -full. Hugo paginates the HTML lists only; its feeds
// are of the newest 50, where feedpub also writes each feed's archive pages in every format.
var fullFiles = map[string]string{
	"hugo.toml": `baseURL = "https://bench.example.org/"
title = "Bench"
languageCode = "en"
disableKinds = ["sitemap", "robotsTXT", "404"]
rssLimit = 50
paginate = 100
[taxonomies]
author = "authors"
[mediaTypes."application/atom+xml"]
suffixes = ["xml"]
[outputFormats.Atom]
mediaType = "application/atom+xml"
baseName = "atom"
isPlainText = false
[outputs]
home = ["HTML", "RSS", "Atom", "JSON"]
section = ["HTML", "RSS", "Atom", "JSON"]
term = ["HTML", "RSS", "Atom", "JSON"]
taxonomy = ["HTML"]
`,
	"layouts/_default/list.html": `{{ define "main" }}<h1>{{ .Title }}</h1><ul>
{{ range .Paginator.Pages }}<li><a href="{{ .Permalink }}">{{ .Title }}</a> <time datetime="{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}">{{ .Date.Format "2 January 2006" }}</time> {{ .Summary }}</li>
{{ end }}</ul>
{{ with .Paginator.Next }}<a rel="next" href="{{ .URL }}">Older</a>{{ end }}{{ end }}
`,
	"layouts/_default/list.atom.xml": `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
<title>{{ .Title }}</title><id>{{ .Permalink }}</id><link href="{{ .Permalink }}"/><updated>{{ now.Format "2006-01-02T15:04:05Z07:00" }}</updated>
{{ range first 50 .Pages.ByDate.Reverse }}<entry><title>{{ .Title }}</title><id>{{ .Permalink }}</id><link href="{{ .Permalink }}"/>
<published>{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}</published><updated>{{ .Lastmod.Format "2006-01-02T15:04:05Z07:00" }}</updated>
{{ range .Params.authors }}<author><name>{{ . }}</name></author>{{ end }}<summary>{{ .Summary | plainify }}</summary><content type="html">{{ .Content | html }}</content></entry>
{{ end }}</feed>
`,
	"layouts/_default/list.json": `{{ $items := slice }}{{ range first 50 .Pages.ByDate.Reverse }}{{ $items = $items | append (dict "id" .Permalink "url" .Permalink "title" .Title "summary" (.Summary | plainify) "content_html" .Content "date_published" (.Date.Format "2006-01-02T15:04:05Z07:00") "date_modified" (.Lastmod.Format "2006-01-02T15:04:05Z07:00")) }}{{ end }}{{ dict "version" "https://jsonfeed.org/version/1.1" "title" .Title "home_page_url" .Permalink "items" $items | jsonify }}
`,
}

func main() {
	full := flag.Bool("full", false, "also sections, authors, paginated lists, and RSS, Atom and JSON feeds for each")
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "usage: hugosite [-full] ARTICLE-DIR SITE-DIR") }
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	if *full {
		maps.Copy(files, fullFiles)
	}
	n, err := convert(flag.Arg(0), flag.Arg(1), *full)
	if err != nil {
		fmt.Fprintln(os.Stderr, "hugosite:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote a Hugo site of %d articles into %s\n", n, flag.Arg(1))
}

func convert(src, site string, full bool) (int, error) {
	for name, body := range files {
		p := filepath.Join(site, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return 0, err
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			return 0, err
		}
	}
	n := 0
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			if !full {
				return nil
			}
			// A folder is a section, as in feedpub, once it has an index page.
			dst := filepath.Join(site, "content", "articles", rel, "_index.md")
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return err
			}
			return os.WriteFile(dst, fmt.Appendf(nil, "{\"title\": %q}\n", filepath.Base(filepath.Join("articles", rel))), 0o644)
		}
		art, err := article.ParseFile(p, article.Options{})
		if err != nil {
			return err
		}
		dst := filepath.Join(site, "content", "articles", strings.TrimSuffix(rel, filepath.Ext(rel))+".md")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		n++
		return os.WriteFile(dst, page(art), 0o644)
	})
	return n, err
}

// page is the article as Hugo Markdown: JSON front matter (Hugo accepts it and it needs no
// quoting rules of its own), then the paragraphs as Markdown paragraphs.
func page(a *article.Article) []byte {
	fm := map[string]any{"title": a.Title, "summary": a.Summary}
	if !a.Published.IsZero() {
		fm["date"] = a.Published.Format(time.RFC3339)
	}
	if !a.Updated.IsZero() {
		fm["lastmod"] = a.Updated.Format(time.RFC3339)
	}
	var authors []string
	for _, au := range a.Authors {
		authors = append(authors, au.Name)
	}
	if authors != nil {
		fm["authors"] = authors
	}
	head, _ := json.MarshalIndent(fm, "", "  ")
	var b strings.Builder
	b.Write(head)
	b.WriteString("\n\n")
	// The news-text parser's content is <p> paragraphs of escaped text.
	for _, para := range strings.Split(a.ContentHTML, "</p>") {
		para = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(para), "<p>"))
		if para != "" {
			b.WriteString(html.UnescapeString(para))
			b.WriteString("\n\n")
		}
	}
	return []byte(b.String())
}

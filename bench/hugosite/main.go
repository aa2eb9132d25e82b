// Command hugosite converts an article directory into a Hugo site of the same articles, so that
// bench/run.sh can time Hugo's build against feedpub's on identical content: one Markdown page
// per article (title, dates, authors in front matter; the article's paragraphs as the body),
// a home page listing the newest 50, and an RSS feed of the newest 50, as feedpub builds.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"html"
	"io/fs"
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

func main() {
	flag.Usage = func() { fmt.Fprintln(os.Stderr, "usage: hugosite ARTICLE-DIR SITE-DIR") }
	flag.Parse()
	if flag.NArg() != 2 {
		flag.Usage()
		os.Exit(2)
	}
	n, err := convert(flag.Arg(0), flag.Arg(1))
	if err != nil {
		fmt.Fprintln(os.Stderr, "hugosite:", err)
		os.Exit(1)
	}
	fmt.Printf("wrote a Hugo site of %d articles into %s\n", n, flag.Arg(1))
}

func convert(src, site string) (int, error) {
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
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
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

package article

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// fuzzParser runs one parser through the whole pipeline (hygiene and finish included) and
// checks the guarantees every successful parse gives.
func fuzzParser(f *testing.F, name string, seeds []string, p parser, textOnly bool) {
	for _, pattern := range seeds {
		files, _ := filepath.Glob(filepath.Join("testdata", pattern))
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	opts := seoulOpts(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := parseWith(name, data, opts, p)
		if err != nil {
			return
		}
		checkOutput(t, a)
		if textOnly {
			checkEscaped(t, a.ContentHTML)
		} else {
			checkSanitized(t, a.ContentHTML)
		}
	})
}

// checkEscaped asserts that text formats emit no markup but their own <p> elements.
func checkEscaped(t *testing.T, content string) {
	t.Helper()
	rest := strings.NewReplacer("<p>", "", "</p>", "").Replace(content)
	if strings.ContainsAny(rest, "<>") {
		t.Errorf("unescaped markup in %q", content)
	}
}

// checkSanitized asserts that HTML output carries nothing executable.
func checkSanitized(t *testing.T, content string) {
	t.Helper()
	nodes, err := html.ParseFragment(strings.NewReader(content), &html.Node{Type: html.ElementNode, Data: "body", DataAtom: atom.Body})
	if err != nil {
		t.Fatalf("content does not parse: %v", err)
	}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "iframe", "object", "embed", "form", "input", "svg", "math":
				t.Errorf("<%s> survived sanitizing: %q", n.Data, content)
			}
			for _, at := range n.Attr {
				v := strings.ToLower(strings.Join(strings.Fields(at.Val), ""))
				if strings.HasPrefix(at.Key, "on") || strings.HasPrefix(v, "javascript:") ||
					strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:text") {
					t.Errorf("dangerous attribute %s=%q survived: %q", at.Key, at.Val, content)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	for _, n := range nodes {
		walk(n)
	}
}

// The .txt parser sniffs; these run each text parser on every input regardless.
func parseNewsText(name, text string, loc *time.Location) (*Article, error) {
	return parseNewsLines(name, splitLines(text), loc)
}

func parsePlainText(name, text string, _ *time.Location) (*Article, error) {
	return parsePlainLines(name, splitLines(text))
}

func FuzzNewsText(f *testing.F) {
	fuzzParser(f, "f.txt", []string{"seed.txt", "news_*.txt"}, parseNewsText, true)
}

func FuzzPlainText(f *testing.F) {
	fuzzParser(f, "f.txt", []string{"*.txt"}, parsePlainText, true)
}

func FuzzMarkdown(f *testing.F) {
	fuzzParser(f, "f.md", []string{"*.md"}, parseMarkdown, false)
}

func FuzzHTML(f *testing.F) {
	fuzzParser(f, "f.html", []string{"*.html", "*.htm"}, parseHTML, false)
}

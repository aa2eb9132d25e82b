package feed

import (
	"html/template"
	"strings"
	"sync"
	"testing"
)

// The templates under testdata/templates are the reference the page writers (articlepage.go,
// indexpage.go) are held to, byte for byte: what a page shows is easiest to read there.

// refTemplates parses the reference templates once per test binary.
var refTemplates = sync.OnceValues(func() (*template.Template, error) {
	return template.ParseGlob("testdata/templates/*.html")
})

// execRef writes the reference template name for data.
func execRef(t testing.TB, name string, data any) string {
	t.Helper()
	tmpl, err := refTemplates()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := tmpl.ExecuteTemplate(&b, name, data); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Element is the <time> element, for the templates. It is built here because html/template
// writes the "+" of an offset as "&#43;" in attributes, which is valid but defeats every reader
// of the page source; Machine holds only digits, "-", ":", "+", "T" and "Z", and Human is
// escaped. writeTime writes the same bytes.
func (p pageTime) Element() template.HTML {
	return template.HTML(`<time datetime="` + p.Machine + `">` + template.HTMLEscapeString(p.Human) + `</time>`)
}

// indexView is what index.html sees: the page's data and its entry list, which writeIndex
// writes itself.
type indexView struct {
	*pageData
	List template.HTML
}

package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// gonePages answers ErrGone for "removed" and serves testPages otherwise.
type gonePages struct{ *mapPages }

func (g gonePages) Page(ctx context.Context, slug string) (*Resource, error) {
	if slug == "removed" {
		return nil, fmt.Errorf("article %q: %w", slug, ErrGone)
	}
	return g.mapPages.Page(ctx, slug)
}

func TestKoreanSlugsGoneAndIcon(t *testing.T) {
	pages := testPages()
	const ko = "서울시-지하철-요금-150원-인상"
	pages.pages[ko] = NewResource(typeHTML, body("article ko", "v1"), testModTime)
	pages.pages["café"] = NewResource(typeHTML, body("article café", "v1"), testModTime)
	f := newFixture(t, gonePages{pages}, nil, true)
	escaped := url.PathEscape(ko)
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/articles/" + escaped + ".html", 200},           // as our links write it
		{"/articles/" + lowerHex(escaped) + ".html", 200}, // the same URL, RFC 3986 6.2.2.1
		{"/articles/caf%C3%A9.html", 200},                 // accented Latin
		{"/articles/cafe%CC%81.html", 404},                // not NFC: not a slug we made
		{"/articles/%68ello-world.html", 404},             // an escape where none is needed
		{"/articles/hello-world.html", 200},               // a slug of the old rule
		{"/articles/a%2F..%2F..%2Frss.xml", 404},          // escaped separators
		{"/articles/removed.html", http.StatusGone},       // the catalog remembers it
		{"/articles/never.html", 404},                     // it never was
		{"/articles/" + escaped + "%20.html", 404},        // a space is no slug character
		{"/articles/HELLO-WORLD.html", 404},               // upper case is not a slug
		{"/favicon.ico", 404},                             // no icon in the snapshot
	} {
		resp, b := f.do(t, "GET", tc.path, nil)
		if resp.StatusCode != tc.want {
			t.Errorf("GET %s: %s, want %d", tc.path, resp.Status, tc.want)
		}
		if tc.want == http.StatusGone && (resp.Header.Get("Cache-Control") != "public, max-age=120" || len(b) == 0) {
			t.Errorf("410: headers %v body %q", resp.Header, b)
		}
	}
	snap := testSnapshot("v2", testModTime)
	svg := []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)
	snap.Files["/favicon.ico"] = NewResource("image/svg+xml", svg, testModTime)
	f.srv.Swap(snap)
	resp, b := f.do(t, "GET", "/favicon.ico", nil)
	if resp.StatusCode != 200 || string(b) != string(svg) || resp.Header.Get("Content-Type") != "image/svg+xml" {
		t.Errorf("/favicon.ico: %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	if resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("an SVG icon is served without a Content-Security-Policy")
	}
}

// lowerHex writes the percent-escapes of s in lower case.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			for j := i + 1; j <= i+2; j++ {
				if b[j] >= 'A' && b[j] <= 'F' {
					b[j] += 'a' - 'A'
				}
			}
		}
	}
	return string(b)
}

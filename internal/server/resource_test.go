package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestNewResource(t *testing.T) {
	local := time.FixedZone("CET", 3600)
	mod := time.Date(2025, 3, 14, 16, 9, 26, 987654321, local)
	b := body("rss", "v1")
	r := NewResource(typeRSS, b, mod)

	if r.ContentType != typeRSS || !bytes.Equal(r.Body, b) {
		t.Errorf("fields not kept: %q", r.ContentType)
	}
	if !r.ModTime.Equal(testModTime) || r.ModTime.Location() != time.UTC {
		t.Errorf("ModTime = %v, want %v in UTC truncated to the second", r.ModTime, testModTime)
	}
	if len(r.ETag) < 10 || r.ETag[0] != '"' || r.ETag[len(r.ETag)-1] != '"' || strings.Count(r.ETag, `"`) != 2 {
		t.Errorf("ETag %q is not a strong entity-tag", r.ETag)
	}
	if again := NewResource("text/plain", bytes.Clone(b), time.Now()); again.ETag != r.ETag {
		t.Errorf("ETag depends on more than the bytes: %q vs %q", r.ETag, again.ETag)
	}
	if other := NewResource(typeRSS, body("rss", "v2"), mod); other.ETag == r.ETag {
		t.Errorf("different bytes, same ETag %q", r.ETag)
	}

	if r.Gzip == nil || len(r.Gzip) >= len(b) {
		t.Fatalf("no useful gzip: %d vs %d bytes", len(r.Gzip), len(b))
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.Gzip))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, b) {
		t.Errorf("gzip does not decode to the body: %v", err)
	}
	if again := NewResource(typeRSS, b, mod); !bytes.Equal(again.Gzip, r.Gzip) {
		t.Errorf("gzip output not deterministic")
	}

	p := r.hdr
	if p == nil || r.headers() != p {
		t.Fatalf("headers not prepared once")
	}
	if p.etagHdr[0] != r.ETag || p.etagGz != r.ETag[:len(r.ETag)-1]+`-gz"` ||
		p.lastMod != "Fri, 14 Mar 2025 15:09:26 GMT" || p.ctypeHdr[0] != typeRSS || p.html {
		t.Errorf("prepared headers: %+v", p)
	}

	if empty := NewResource(typeHTML, nil, time.Time{}); empty.Gzip != nil || empty.ETag == "" || !empty.hdr.html || empty.hdr.lastModHdr != nil {
		t.Errorf("empty resource: %+v", empty)
	}
}

// Resources built without NewResource, or changed after it, must still be served with
// correct validators.
func TestResourceWithoutNewResource(t *testing.T) {
	changed := NewResource(typeHTML, []byte("<p>one</p>"), testModTime)
	changed.Body = []byte("<p>three</p>")
	changed.ETag = `"three"`
	changed.ModTime = testModTime.Add(time.Hour)
	pages := &mapPages{pages: map[string]*Resource{
		"literal": {ContentType: typeHTML, Body: []byte("<p>two</p>"), ModTime: testModTime.Add(500 * time.Millisecond)},
		"changed": changed,
	}}
	s := New(Config{}, pages, nil)
	s.Swap(&Snapshot{Files: map[string]*Resource{
		"/rss.xml": {ContentType: typeRSS, Body: []byte("<rss/>"), ETag: "unquoted"},
	}})
	get := func(path string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		return rec
	}

	rec := get("/articles/literal.html")
	etag := rec.Header().Get("ETag")
	if rec.Code != 200 || etag != strongETag([]byte("<p>two</p>")) ||
		rec.Header().Get("Last-Modified") != testModTime.Format(http.TimeFormat) ||
		rec.Header().Get("Content-Security-Policy") == "" {
		t.Errorf("literal page: %d %v", rec.Code, rec.Header())
	}

	rec = get("/articles/changed.html")
	if rec.Body.String() != "<p>three</p>" || rec.Header().Get("ETag") != `"three"` ||
		rec.Header().Get("Content-Length") != "12" ||
		rec.Header().Get("Last-Modified") != testModTime.Add(time.Hour).Format(http.TimeFormat) {
		t.Errorf("changed page served stale headers: %v", rec.Header())
	}

	rec = get("/rss.xml")
	if rec.Code != 200 || rec.Header().Get("ETag") != strongETag([]byte("<rss/>")) || rec.Header().Get("Last-Modified") != "" {
		t.Errorf("literal feed: %d %v", rec.Code, rec.Header())
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		vals []string
		want bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"gzip"}, true},
		{[]string{" gzip ; q=1 "}, true},
		{[]string{"gzip;q=1.000"}, true},
		{[]string{"gzip;q=0.001"}, true},
		{[]string{"gzip;q=0"}, false},
		{[]string{"gzip;q=0."}, false},
		{[]string{"gzip;q=0.000"}, false},
		{[]string{"gzip;Q=0"}, false},
		{[]string{"gzip;q=1.5"}, false},
		{[]string{"gzip;q=2"}, false},
		{[]string{"gzip;q=abc"}, false},
		{[]string{"gzip;q=0.0001"}, false},
		{[]string{"gzip;level=9"}, true},
		{[]string{"gzipx"}, false},
		{[]string{"deflate", "gzip"}, true},
		{[]string{"*;q=0.1"}, true},
		{[]string{"*;q=0, gzip"}, true},
		{[]string{"gzip;q=0", "*"}, false},
		{[]string{"x-gzip;q=0, gzip"}, true},
		{[]string{"x-gzip;q=0"}, false},
		{[]string{"gzip, gzip;q=0"}, true},
		{[]string{"identity;q=0"}, false},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.vals); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.vals, got, tt.want)
		}
	}
}

func TestETagListMatches(t *testing.T) {
	const tag, gz = `"abc"`, `"abc-gz"`
	tests := []struct {
		list string
		want bool
	}{
		{`"abc"`, true},
		{`"abc-gz"`, true},
		{`W/"abc"`, true},
		{`  "x", W/"abc-gz"`, true},
		{`"x,y", "abc"`, true},
		{`*`, true},
		{``, false},
		{`"ab"`, false},
		{`abc`, false},
		{`"abc`, false},
		{`"x" junk "abc"`, false},
		{`,,,`, false},
	}
	for _, tt := range tests {
		if got := etagListMatches(tt.list, tag, gz); got != tt.want {
			t.Errorf("etagListMatches(%q) = %v, want %v", tt.list, got, tt.want)
		}
	}
	if etagListMatches(`"abc-gz"`, tag, "") {
		t.Errorf("gzip tag matched a resource without gzip")
	}
}

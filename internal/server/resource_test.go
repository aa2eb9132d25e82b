package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
	"time"
)

func TestNewResource(t *testing.T) {
	local := time.FixedZone("CET", 3600)
	mod := time.Date(2025, 3, 14, 16, 9, 26, 987654321, local)
	b := body("rss", "v1")
	r := NewResource(typeRSS, b, mod)

	if r.ContentType() != typeRSS || !bytes.Equal(r.Body(), b) {
		t.Errorf("fields not kept: %q", r.ContentType())
	}
	if !r.ModTime().Equal(testModTime) || r.ModTime().Location() != time.UTC {
		t.Errorf("ModTime = %v, want %v in UTC truncated to the second", r.ModTime(), testModTime)
	}
	if len(r.ETag()) < 10 || r.ETag()[0] != '"' || r.ETag()[len(r.ETag())-1] != '"' || strings.Count(r.ETag(), `"`) != 2 {
		t.Errorf("ETag %q is not a strong entity-tag", r.ETag())
	}
	if again := NewResource("text/plain", bytes.Clone(b), time.Now()); again.ETag() != r.ETag() {
		t.Errorf("ETag depends on more than the bytes: %q vs %q", r.ETag(), again.ETag())
	}
	if other := NewResource(typeRSS, body("rss", "v2"), mod); other.ETag() == r.ETag() {
		t.Errorf("different bytes, same ETag %q", r.ETag())
	}

	if r.Gzip() == nil || len(r.Gzip()) >= len(b) {
		t.Fatalf("no useful gzip: %d vs %d bytes", len(r.Gzip()), len(b))
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.Gzip()))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, b) {
		t.Errorf("gzip does not decode to the body: %v", err)
	}
	if again := NewResource(typeRSS, b, mod); !bytes.Equal(again.Gzip(), r.Gzip()) {
		t.Errorf("gzip output not deterministic")
	}

	p := r.hdr
	if p.etagHdr[0] != r.ETag() || p.etagGz != r.ETag()[:len(r.ETag())-1]+`-gz"` ||
		p.lastMod != "Fri, 14 Mar 2025 15:09:26 GMT" || p.ctypeHdr[0] != typeRSS || p.html {
		t.Errorf("prepared headers: %+v", p)
	}

	if empty := NewResource(typeHTML, nil, time.Time{}); empty.Gzip() != nil || empty.ETag() == "" || !empty.hdr.html || empty.hdr.lastModHdr != nil {
		t.Errorf("empty resource: %+v", empty)
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

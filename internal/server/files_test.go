package server

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// fakeFiles is the consumer-side fake of the daemon's file source; it counts renders.
type fakeFiles struct {
	files   map[string]*Resource
	renders atomic.Int32
	stubs   bool
}

func (f *fakeFiles) File(ctx context.Context, name string) (*Resource, error) {
	f.renders.Add(1)
	if r, ok := f.files[name]; ok {
		return r, nil
	}
	return nil, fmt.Errorf("file %q: %w", name, ErrNotFound)
}

func (f *fakeFiles) Stub(ctx context.Context, name string) *Resource {
	if r, ok := f.files[name]; ok && f.stubs {
		return r.Stub()
	}
	return nil
}

var _ Validated = (*fakeFiles)(nil)

func TestFiles(t *testing.T) {
	files := &fakeFiles{stubs: true, files: map[string]*Resource{
		"sections/a/":              NewResource(typeHTML, body("section index", "v1"), testModTime),
		"sections/a/rss.xml":       NewResource(typeRSS, body("section rss", "v1"), testModTime),
		"sections/a/archive/0.xml": NewArchiveResource(typeAtom, body("archive", "v1"), testModTime, 24*time.Hour),
	}}
	s := New(Config{MaxAge: 120 * time.Second, Files: files}, nil, nil)
	f := newFixture(t, nil, nil, false)
	f.srv, f.ts.Config.Handler = s, s.Handler()
	// Nothing is known to exist before the first Snapshot.
	if resp, _ := f.do(t, "GET", "/sections/a/rss.xml", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("before the first snapshot: %s", resp.Status)
	}
	s.Swap(testSnapshot("v1", testModTime))

	for _, tc := range []struct {
		path string
		code int
		cc   string
	}{
		{"/sections/a/", 200, "public, max-age=120"},
		{"/sections/a/rss.xml", 200, "public, max-age=120"},
		{"/sections/a/archive/0.xml", 200, "public, max-age=86400"},
		{"/sections/a", 404, ""},
		{"/sections//a/", 404, ""},
		{"/sections/a//", 404, ""},
		{"/sections/./a/", 404, ""},
		{"/nothing.xml", 404, ""},
		{"/rss.xml", 200, "public, max-age=120"}, // fixed paths still come from the Snapshot
	} {
		resp, _ := f.do(t, "GET", tc.path, nil)
		if resp.StatusCode != tc.code || tc.cc != "" && resp.Header.Get("Cache-Control") != tc.cc {
			t.Errorf("GET %s: %s, Cache-Control %q; want %d %q", tc.path, resp.Status, resp.Header.Get("Cache-Control"), tc.code, tc.cc)
		}
	}
	// A conditional poll is answered from the validators, without asking for the file.
	res := files.files["sections/a/rss.xml"]
	n := files.renders.Load()
	resp, b := f.do(t, "GET", "/sections/a/rss.xml", map[string]string{"If-None-Match": res.ETag()})
	if resp.StatusCode != http.StatusNotModified || len(b) != 0 || resp.Header.Get("ETag") != res.ETag() ||
		resp.Header.Get("Last-Modified") == "" || files.renders.Load() != n {
		t.Errorf("conditional GET: %s, etag %q, renders %d -> %d", resp.Status, resp.Header.Get("ETag"), n, files.renders.Load())
	}
	// A validator that no longer matches gets the file.
	resp, b = f.do(t, "GET", "/sections/a/rss.xml", map[string]string{"If-None-Match": `"old"`})
	if resp.StatusCode != http.StatusOK || len(b) == 0 || files.renders.Load() != n+1 {
		t.Errorf("stale conditional GET: %s, %d bytes", resp.Status, len(b))
	}
	// Without stubs the file is asked for, and still answers 304.
	files.stubs = false
	resp, _ = f.do(t, "GET", "/sections/a/rss.xml", map[string]string{"If-None-Match": res.ETag()})
	if resp.StatusCode != http.StatusNotModified || files.renders.Load() != n+2 {
		t.Errorf("conditional GET without stubs: %s", resp.Status)
	}
}

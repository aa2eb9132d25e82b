package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// benchWriter is the least a ResponseWriter can be, so the benchmarks measure the handler
// rather than a recorder. Its header map is cleared, not reallocated, between requests.
type benchWriter struct {
	h    http.Header
	code int
	n    int
}

func (w *benchWriter) Header() http.Header  { return w.h }
func (w *benchWriter) WriteHeader(code int) { w.code = code }
func (w *benchWriter) Write(b []byte) (int, error) {
	w.n += len(b)
	return len(b), nil
}

func benchServe(b *testing.B, req *http.Request, wantCode int) {
	s := New(Config{}, testPages(), nil)
	s.Swap(testSnapshot("v1", testModTime))
	h := s.Handler()
	w := &benchWriter{h: make(http.Header, 16)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		w.code, w.n = 0, 0
		h.ServeHTTP(w, req)
	}
	if w.code != wantCode {
		b.Fatalf("status %d, want %d", w.code, wantCode)
	}
}

func BenchmarkServeFeed(b *testing.B) {
	req := httptest.NewRequest("GET", "/rss.xml", nil)
	req.Header.Set("Accept-Encoding", "gzip, deflate, br")
	benchServe(b, req, http.StatusOK)
}

func BenchmarkServeFeedPlain(b *testing.B) {
	benchServe(b, httptest.NewRequest("GET", "/atom.xml", nil), http.StatusOK)
}

func BenchmarkServe304(b *testing.B) {
	req := httptest.NewRequest("GET", "/rss.xml", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("If-None-Match", testSnapshot("v1", testModTime).Files["/rss.xml"].hdr.etagGz)
	benchServe(b, req, http.StatusNotModified)
}

func BenchmarkServe304IfModifiedSince(b *testing.B) {
	req := httptest.NewRequest("GET", "/feed.json", nil)
	req.Header.Set("If-Modified-Since", testModTime.Format(http.TimeFormat))
	benchServe(b, req, http.StatusNotModified)
}

func BenchmarkServeArticle(b *testing.B) {
	benchServe(b, httptest.NewRequest("GET", "/articles/hello-world.html", nil), http.StatusOK)
}

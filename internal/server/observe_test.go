package server

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// served is one call of the Observer.
type observed struct {
	route  string
	status int
	gzip   bool
}

type recordingObserver struct {
	mu  sync.Mutex
	got []observed
}

func (o *recordingObserver) Served(r *http.Request, route string, status int, gzip bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.got = append(o.got, observed{route, status, gzip})
}

func (o *recordingObserver) last() observed {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.got[len(o.got)-1]
}

var _ Observer = (*recordingObserver)(nil)

func TestObserverAndRoutes(t *testing.T) {
	obs := &recordingObserver{}
	extra := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, "extra")
	})
	s := New(Config{Observer: obs, Routes: map[string]http.Handler{"POST /hub": extra, "GET /metrics": extra}}, testPages(), nil)
	s.Swap(testSnapshot("v1", testModTime))
	etag := testSnapshot("v1", testModTime).Files["/atom.xml"].ETag()
	cases := []struct {
		method, path string
		hdr          map[string]string
		want         observed
	}{
		{"GET", "/atom.xml", map[string]string{"Accept-Encoding": "gzip"}, observed{"/atom.xml", 200, true}},
		{"GET", "/atom.xml", nil, observed{"/atom.xml", 200, false}},
		{"GET", "/atom.xml", map[string]string{"If-None-Match": etag}, observed{"/atom.xml", 304, false}},
		{"GET", "/", nil, observed{"/{$}", 200, false}},
		{"GET", "/articles/hello-world.html", nil, observed{"/articles/{file}", 200, false}},
		{"GET", "/articles/nope.html", nil, observed{"/articles/{file}", 404, false}},
		{"GET", "/nope", nil, observed{FilesRoute, 404, false}},
		{"GET", "/a/../atom.xml", nil, observed{"", 404, false}},
		{"POST", "/atom.xml", nil, observed{"", 405, false}},
		{"POST", "/hub", nil, observed{"/hub", 202, false}},
		{"GET", "/metrics", nil, observed{"/metrics", 202, false}},
	}
	for _, c := range cases {
		r := httptest.NewRequest(c.method, c.path, nil)
		for k, v := range c.hdr {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		if got := obs.last(); got != c.want {
			t.Errorf("%s %s: observed %+v, want %+v", c.method, c.path, got, c.want)
		}
	}
	if n := len(obs.got); n != len(cases) {
		t.Errorf("%d observations for %d requests", n, len(cases))
	}
}

func TestLinkHeader(t *testing.T) {
	const link = `<https://hub.example/>; rel="hub", <https://news.example/atom.xml>; rel="self"`
	s := New(Config{}, nil, nil)
	res := NewResource(typeAtom, body("atom", "v1"), testModTime, WithLink(link))
	s.Swap(&Snapshot{Files: map[string]*Resource{"/atom.xml": res, "/rss.xml": NewResource(typeRSS, body("rss", "v1"), testModTime)}})
	for _, hdr := range []map[string]string{nil, {"If-None-Match": res.ETag()}} {
		r := httptest.NewRequest("GET", "/atom.xml", nil)
		for k, v := range hdr {
			r.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, r)
		if got := w.Header().Get("Link"); got != link {
			t.Errorf("%d: Link %q, want %q", w.Code, got, link)
		}
	}
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/rss.xml", nil))
	if got := w.Header().Get("Link"); got != "" {
		t.Errorf("a Resource without a link sent Link %q", got)
	}
}

func TestServeHandler(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- ServeHandler(ctx, ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "metrics") }),
			Config{ShutdownTimeout: time.Second})
	}()
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "metrics" {
		t.Errorf("body %q", b)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ServeHandler: %v", err)
	}
}

type nopObserver struct{}

func (nopObserver) Served(*http.Request, string, int, bool) {}

func BenchmarkServe304Observed(b *testing.B) {
	s := New(Config{Observer: nopObserver{}}, testPages(), nil)
	s.Swap(testSnapshot("v1", testModTime))
	req := httptest.NewRequest("GET", "/rss.xml", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("If-None-Match", testSnapshot("v1", testModTime).Files["/rss.xml"].hdr.etagGz)
	h := s.Handler()
	w := &benchWriter{h: make(http.Header, 16)}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		h.ServeHTTP(w, req)
	}
	if w.code != http.StatusNotModified {
		b.Fatalf("status %d", w.code)
	}
}

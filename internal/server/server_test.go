package server

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	typeRSS  = "application/rss+xml; charset=utf-8"
	typeAtom = "application/atom+xml; charset=utf-8"
	typeJSON = "application/feed+json; charset=utf-8"
	typeHTML = "text/html; charset=utf-8"
)

var testModTime = time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC)

// body returns content long enough that gzip is smaller, distinct per kind and version.
func body(kind, version string) []byte {
	return []byte(kind + " " + version + "\n" + strings.Repeat("<item>hello feed reader</item>\n", 50))
}

func testSnapshot(version string, mod time.Time) *Snapshot {
	return &Snapshot{Files: map[string]*Resource{
		"/":          NewResource(typeHTML, body("index", version), mod),
		"/rss.xml":   NewResource(typeRSS, body("rss", version), mod),
		"/atom.xml":  NewResource(typeAtom, body("atom", version), mod),
		"/feed.json": NewResource(typeJSON, body("json", version), mod),
	}}
}

// mapPages is the consumer-side fake of the daemon's page source.
type mapPages struct {
	pages map[string]*Resource
	err   error // returned for every slug when set
}

func (m *mapPages) Page(ctx context.Context, slug string) (*Resource, error) {
	if m.err != nil {
		return nil, m.err
	}
	r, ok := m.pages[slug]
	if !ok {
		return nil, fmt.Errorf("page %q: %w", slug, ErrNotFound)
	}
	return r, nil
}

func testPages() *mapPages {
	return &mapPages{pages: map[string]*Resource{
		"hello-world": NewResource(typeHTML, body("article hello-world", "v1"), testModTime),
		"2025-03-14":  NewResource(typeHTML, body("article pi day", "v1"), testModTime),
	}}
}

type fixture struct {
	srv    *Server
	ts     *httptest.Server
	client *http.Client
}

func newFixture(t *testing.T, pages Pages, health HealthFunc, swap bool) *fixture {
	t.Helper()
	s := New(Config{MaxAge: 120 * time.Second}, pages, health)
	if swap {
		s.Swap(testSnapshot("v1", testModTime))
	}
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	// DisableCompression so the test sees the bytes on the wire, not a transparently
	// decoded body.
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	client := &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return &fixture{srv: s, ts: ts, client: client}
}

func (f *fixture) do(t *testing.T, method, path string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, f.ts.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

// checkCacheHeaders asserts the four headers every 200 and 304 must carry.
func checkCacheHeaders(t *testing.T, resp *http.Response, wantETag string) {
	t.Helper()
	if got := resp.Header.Get("ETag"); got != wantETag {
		t.Errorf("ETag = %q, want %q", got, wantETag)
	}
	if strings.HasPrefix(resp.Header.Get("ETag"), "W/") {
		t.Errorf("ETag %q is weak", resp.Header.Get("ETag"))
	}
	if got, want := resp.Header.Get("Last-Modified"), testModTime.Format(http.TimeFormat); got != want {
		t.Errorf("Last-Modified = %q, want %q", got, want)
	}
	if got := resp.Header.Get("Cache-Control"); got != "public, max-age=120" {
		t.Errorf("Cache-Control = %q", got)
	}
	if got := resp.Header.Get("Vary"); got != "Accept-Encoding" {
		t.Errorf("Vary = %q", got)
	}
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
}

func TestServeContent(t *testing.T) {
	f := newFixture(t, testPages(), nil, true)
	snap := testSnapshot("v1", testModTime)
	pages := testPages()
	tests := []struct {
		path  string
		res   *Resource
		ctype string
		html  bool
	}{
		{"/", snap.Files["/"], typeHTML, true},
		{"/rss.xml", snap.Files["/rss.xml"], typeRSS, false},
		{"/atom.xml", snap.Files["/atom.xml"], typeAtom, false},
		{"/feed.json", snap.Files["/feed.json"], typeJSON, false},
		{"/rss.xml?utm_source=reader", snap.Files["/rss.xml"], typeRSS, false},
		{"/articles/hello-world.html", pages.pages["hello-world"], typeHTML, true},
		{"/articles/2025-03-14.html", pages.pages["2025-03-14"], typeHTML, true},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, b := f.do(t, "GET", tt.path, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got := resp.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tt.ctype)
			}
			if !bytes.Equal(b, tt.res.Body()) {
				t.Errorf("body differs from the resource")
			}
			if resp.Header.Get("Content-Encoding") != "" {
				t.Errorf("Content-Encoding %q without Accept-Encoding", resp.Header.Get("Content-Encoding"))
			}
			if resp.ContentLength != int64(len(tt.res.Body())) {
				t.Errorf("Content-Length = %d, want %d", resp.ContentLength, len(tt.res.Body()))
			}
			checkCacheHeaders(t, resp, tt.res.ETag())
			csp := resp.Header.Get("Content-Security-Policy")
			if tt.html && csp != "default-src 'none'; img-src * data:; style-src 'unsafe-inline'" {
				t.Errorf("HTML page CSP = %q", csp)
			}
			if !tt.html && csp != "" {
				t.Errorf("feed has CSP %q", csp)
			}
		})
	}
}

func TestETagFollowsBytes(t *testing.T) {
	f := newFixture(t, nil, nil, true)
	etag := func(path string) string {
		resp, _ := f.do(t, "GET", path, nil)
		return resp.Header.Get("ETag")
	}
	rss1, atom1 := etag("/rss.xml"), etag("/atom.xml")
	if rss1 == "" || rss1 == atom1 {
		t.Fatalf("ETags rss %q atom %q", rss1, atom1)
	}
	if got := etag("/rss.xml"); got != rss1 {
		t.Errorf("ETag not stable across requests: %q then %q", rss1, got)
	}

	// Same bytes rebuilt later (as after a restart or a no-op sync): same ETag, even with a
	// different ModTime, because the tag names the bytes.
	f.srv.Swap(testSnapshot("v1", testModTime.Add(time.Hour)))
	if got := etag("/rss.xml"); got != rss1 {
		t.Errorf("ETag changed for identical bytes: %q then %q", rss1, got)
	}

	// New bytes for the RSS feed only.
	snap := testSnapshot("v1", testModTime)
	snap.Files["/rss.xml"] = NewResource(typeRSS, body("rss", "v2"), testModTime)
	f.srv.Swap(snap)
	if got := etag("/rss.xml"); got == rss1 {
		t.Errorf("ETag did not change when the bytes did")
	}
	if got := etag("/atom.xml"); got != atom1 {
		t.Errorf("atom ETag changed though its bytes did not: %q then %q", atom1, got)
	}
}

func TestConditional(t *testing.T) {
	f := newFixture(t, testPages(), nil, true)
	snap := testSnapshot("v1", testModTime)
	rss := snap.Files["/rss.xml"]
	page := testPages().pages["hello-world"]
	gzTag := rss.hdr.etagGz
	lm := testModTime.Format(http.TimeFormat)
	tests := []struct {
		name     string
		path     string
		hdr      map[string]string
		want     int
		wantETag string
	}{
		{"inm match", "/rss.xml", map[string]string{"If-None-Match": rss.ETag()}, 304, rss.ETag()},
		{"inm weak", "/rss.xml", map[string]string{"If-None-Match": "W/" + rss.ETag()}, 304, rss.ETag()},
		{"inm list", "/rss.xml", map[string]string{"If-None-Match": `"a", "b,c" ,` + rss.ETag()}, 304, rss.ETag()},
		{"inm star", "/rss.xml", map[string]string{"If-None-Match": "*"}, 304, rss.ETag()},
		{"inm gzip tag, plain request", "/rss.xml", map[string]string{"If-None-Match": gzTag}, 304, rss.ETag()},
		{"inm plain tag, gzip request", "/rss.xml", map[string]string{"If-None-Match": rss.ETag(), "Accept-Encoding": "gzip"}, 304, gzTag},
		{"inm gzip tag, gzip request", "/rss.xml", map[string]string{"If-None-Match": gzTag, "Accept-Encoding": "gzip"}, 304, gzTag},
		{"inm mismatch", "/rss.xml", map[string]string{"If-None-Match": `"nope"`}, 200, rss.ETag()},
		{"inm malformed", "/rss.xml", map[string]string{"If-None-Match": `nope`}, 200, rss.ETag()},
		{"inm mismatch old ims", "/rss.xml", map[string]string{
			"If-None-Match": `"nope"`, "If-Modified-Since": testModTime.Add(-time.Hour).Format(http.TimeFormat)}, 200, rss.ETag()},
		{"inm mismatch ignores current ims", "/rss.xml", map[string]string{
			"If-None-Match": `"nope"`, "If-Modified-Since": lm}, 200, rss.ETag()},
		{"ims equal", "/rss.xml", map[string]string{"If-Modified-Since": lm}, 304, rss.ETag()},
		{"ims later", "/rss.xml", map[string]string{"If-Modified-Since": testModTime.Add(time.Minute).Format(http.TimeFormat)}, 304, rss.ETag()},
		{"ims rfc850", "/rss.xml", map[string]string{"If-Modified-Since": testModTime.Format(time.RFC850)}, 304, rss.ETag()},
		{"ims earlier", "/rss.xml", map[string]string{"If-Modified-Since": testModTime.Add(-time.Second).Format(http.TimeFormat)}, 200, rss.ETag()},
		{"ims invalid", "/rss.xml", map[string]string{"If-Modified-Since": "yesterday"}, 200, rss.ETag()},
		{"index inm", "/", map[string]string{"If-None-Match": snap.Files["/"].ETag()}, 304, snap.Files["/"].ETag()},
		{"article inm", "/articles/hello-world.html", map[string]string{"If-None-Match": page.ETag()}, 304, page.ETag()},
		{"article ims", "/articles/hello-world.html", map[string]string{"If-Modified-Since": lm}, 304, page.ETag()},
	}
	for _, tt := range tests {
		for _, method := range []string{"GET", "HEAD"} {
			t.Run(tt.name+"/"+method, func(t *testing.T) {
				resp, b := f.do(t, method, tt.path, tt.hdr)
				if resp.StatusCode != tt.want {
					t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
				}
				checkCacheHeaders(t, resp, tt.wantETag)
				if tt.want == 304 && len(b) != 0 {
					t.Errorf("304 with %d body bytes", len(b))
				}
				if tt.want == 200 && method == "GET" && len(b) == 0 {
					t.Errorf("200 without body")
				}
			})
		}
	}
}

func TestGzip(t *testing.T) {
	f := newFixture(t, nil, nil, true)
	rss := testSnapshot("v1", testModTime).Files["/rss.xml"]
	tests := []struct {
		ae   string
		want bool
	}{
		{"gzip", true},
		{"GZIP", true},
		{"gzip, deflate, br", true},
		{"br;q=1.0, gzip;q=0.8, *;q=0.1", true},
		{"x-gzip", true},
		{"*", true},
		{"gzip;q=0", false},
		{"gzip; q=0.000", false},
		{"gzip;q=0, *", false},
		{"*;q=0", false},
		{"deflate, br", false},
		{"identity", false},
		{"", false},
	}
	for _, tt := range tests {
		t.Run(tt.ae, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.ae != "" {
				hdr["Accept-Encoding"] = tt.ae
			}
			resp, b := f.do(t, "GET", "/rss.xml", hdr)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if resp.ContentLength != int64(len(b)) {
				t.Errorf("Content-Length %d for %d bytes", resp.ContentLength, len(b))
			}
			if got := resp.Header.Get("Content-Type"); got != typeRSS {
				t.Errorf("Content-Type = %q", got)
			}
			if !tt.want {
				if resp.Header.Get("Content-Encoding") != "" {
					t.Fatalf("Content-Encoding %q", resp.Header.Get("Content-Encoding"))
				}
				if !bytes.Equal(b, rss.Body()) {
					t.Errorf("plain body differs")
				}
				checkCacheHeaders(t, resp, rss.ETag())
				return
			}
			if resp.Header.Get("Content-Encoding") != "gzip" {
				t.Fatalf("Content-Encoding %q, want gzip", resp.Header.Get("Content-Encoding"))
			}
			if len(b) >= len(rss.Body()) {
				t.Errorf("gzip body %d bytes, plain %d", len(b), len(rss.Body()))
			}
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			plain, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(plain, rss.Body()) {
				t.Errorf("decoded gzip body differs from the plain body")
			}
			gzTag := resp.Header.Get("ETag")
			if gzTag == rss.ETag() || !strings.HasSuffix(gzTag, `-gz"`) || strings.HasPrefix(gzTag, "W/") {
				t.Errorf("gzip ETag %q (plain %q)", gzTag, rss.ETag())
			}
			checkCacheHeaders(t, resp, gzTag)
		})
	}
}

func TestGzipNotSmaller(t *testing.T) {
	tiny := NewResource(typeHTML, []byte("<p>x</p>"), testModTime)
	if tiny.Gzip() != nil {
		t.Fatalf("gzip kept for a body it does not shrink")
	}
	f := newFixture(t, &mapPages{pages: map[string]*Resource{"tiny": tiny}}, nil, true)
	resp, b := f.do(t, "GET", "/articles/tiny.html", map[string]string{"Accept-Encoding": "gzip"})
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "" || string(b) != "<p>x</p>" {
		t.Errorf("status %d, encoding %q, body %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), b)
	}
	checkCacheHeaders(t, resp, tiny.ETag())
}

func TestHEAD(t *testing.T) {
	f := newFixture(t, testPages(), nil, true)
	rss := testSnapshot("v1", testModTime).Files["/rss.xml"]
	for _, ae := range []string{"", "gzip"} {
		resp, b := f.do(t, "HEAD", "/rss.xml", map[string]string{"Accept-Encoding": ae})
		if resp.StatusCode != 200 || len(b) != 0 {
			t.Errorf("AE %q: status %d, %d body bytes", ae, resp.StatusCode, len(b))
		}
		want := len(rss.Body())
		if ae == "gzip" {
			want = len(rss.Gzip())
		}
		if got := resp.Header.Get("Content-Length"); got != fmt.Sprint(want) {
			t.Errorf("AE %q: Content-Length %q, want %d", ae, got, want)
		}
		if got := resp.Header.Get("Content-Type"); got != typeRSS {
			t.Errorf("Content-Type %q", got)
		}
	}
	resp, b := f.do(t, "HEAD", "/articles/hello-world.html", nil)
	if resp.StatusCode != 200 || len(b) != 0 || resp.ContentLength <= 0 {
		t.Errorf("article HEAD: status %d, %d body bytes, length %d", resp.StatusCode, len(b), resp.ContentLength)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	f := newFixture(t, testPages(), nil, true)
	for _, path := range []string{"/", "/rss.xml", "/atom.xml", "/feed.json", "/articles/hello-world.html", "/healthz"} {
		for _, method := range []string{"POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
			resp, _ := f.do(t, method, path, nil)
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: status %d", method, path, resp.StatusCode)
			}
			if got := resp.Header.Get("Allow"); got != "GET, HEAD" {
				t.Errorf("%s %s: Allow %q", method, path, got)
			}
		}
	}
}

func TestNotFound(t *testing.T) {
	f := newFixture(t, testPages(), nil, true)
	for _, path := range []string{
		"/nope", "/rss.xml/", "/rss", "/index.html", "/articles", "/articles/",
		"/articles/unknown.html", "/articles/hello-world", "/articles/hello-world.htm",
		"/articles/Hello-World.html", "/articles/hello_world.html", "/articles/.html",
		"/articles/hello-world.html/x", "/articles/hello%20world.html", "/articles/" + strings.Repeat("a", 201) + ".html",
		"//rss.xml", "/./rss.xml", "/rss%2exml",
	} {
		resp, _ := f.do(t, "GET", path, nil)
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", path, resp.StatusCode)
			continue
		}
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("GET %s: 404 Content-Type %q", path, ct)
		}
	}
	// A Snapshot without some path: 404, not 503.
	f.srv.Swap(&Snapshot{Files: map[string]*Resource{"/rss.xml": NewResource(typeRSS, body("rss", "v1"), testModTime)}})
	if resp, _ := f.do(t, "GET", "/atom.xml", nil); resp.StatusCode != 404 {
		t.Errorf("path missing from snapshot: status %d", resp.StatusCode)
	}
}

// rawStatus sends one request line as is, bypassing the URL cleaning clients do.
func rawStatus(t *testing.T, addr, target string) (int, http.Header) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n", target)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	resp.Body.Close()
	return resp.StatusCode, resp.Header
}

func TestTraversal(t *testing.T) {
	f := newFixture(t, testPages(), nil, true)
	addr := f.ts.Listener.Addr().String()
	for _, target := range []string{
		"/../etc/passwd",
		"/../rss.xml",
		"/articles/..%2f..%2frss.xml",
		"/articles/..%2F..%2Fetc%2Fpasswd",
		"/%2e%2e/rss.xml",
		"/%2E%2E/%2E%2E/etc/passwd",
		"/articles/x/../../rss.xml",
		"/articles/../rss.xml",
		"/articles/hello-world.html/../../rss.xml",
		"/articles/%2e%2e%2frss.xml",
		"/articles/..%5crss.xml",
		"/articles/hello%2fworld.html",
		"/./rss.xml",
		"//rss.xml",
		"/rss.xml/.",
		"/articles/./hello-world.html",
		"http://example.com/../rss.xml",
	} {
		code, hdr := rawStatus(t, addr, target)
		if code != http.StatusNotFound {
			t.Errorf("GET %s: status %d (Location %q), want 404", target, code, hdr.Get("Location"))
		}
	}
	// The canonical spelling still works over the same raw path.
	if code, _ := rawStatus(t, addr, "/rss.xml"); code != 200 {
		t.Errorf("GET /rss.xml raw: status %d", code)
	}
}

func TestArticleErrors(t *testing.T) {
	boom := errors.New("disk on fire")
	var logs bytes.Buffer
	s := New(Config{Logger: slog.New(slog.NewTextHandler(&logs, nil))}, &mapPages{err: boom}, nil)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/articles/hello.html", nil))
	if rec.Code != 500 {
		t.Errorf("Pages error: status %d, want 500", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "disk on fire") {
		t.Errorf("internal error text leaked to the client: %q", rec.Body)
	}
	if !strings.Contains(logs.String(), "disk on fire") {
		t.Errorf("Pages error not logged: %q", logs.String())
	}

	// No Pages at all: articles are simply not found.
	s = New(Config{}, nil, nil)
	rec = httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/articles/hello.html", nil))
	if rec.Code != 404 {
		t.Errorf("nil Pages: status %d", rec.Code)
	}
}

func TestHealthz(t *testing.T) {
	lastSync := time.Date(2025, 3, 14, 16, 0, 0, 0, time.UTC)
	var fail error
	health := func(ctx context.Context) (Health, error) {
		return Health{Articles: 42, Rejected: 2, LastReconcile: &lastSync, Renders: 3}, fail
	}
	f := newFixture(t, nil, health, false)
	get := func() (*http.Response, map[string]any) {
		resp, b := f.do(t, "GET", "/healthz", nil)
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("healthz body %q: %v", b, err)
		}
		return resp, m
	}

	resp, m := get()
	if resp.StatusCode != 503 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("before the first Swap: status %d, type %q; want 503", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if m["status"] != "starting" || m["articles"] != float64(42) || m["serving"] != false {
		t.Errorf("healthz before Swap = %v", m)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("healthz Cache-Control %q", cc)
	}

	f.srv.Swap(testSnapshot("v1", testModTime))
	resp, m = get()
	if resp.StatusCode != 200 || m["status"] != "ok" || m["serving"] != true || m["rejected"] != float64(2) ||
		m["last_reconcile"] != "2025-03-14T16:00:00Z" || m["last_error"] != nil || m["renders"] != float64(3) {
		t.Errorf("healthz after Swap: %d %v", resp.StatusCode, m)
	}
	for _, k := range []string{"version", "last_error", "last_reconcile"} {
		if _, ok := m[k]; !ok {
			t.Errorf("healthz has no %q: %v", k, m)
		}
	}

	fail = errors.New("catalog at /secret/path unreadable")
	resp, m = get()
	if resp.StatusCode != http.StatusServiceUnavailable || m["status"] != "unavailable" {
		t.Errorf("failing health: status %d, body %v", resp.StatusCode, m)
	}
	if strings.Contains(fmt.Sprint(m), "secret") {
		t.Errorf("health error text leaked: %v", m)
	}

	// HEAD and a nil HealthFunc.
	fail = nil
	if resp, b := f.do(t, "HEAD", "/healthz", nil); resp.StatusCode != 200 || len(b) != 0 {
		t.Errorf("HEAD healthz: %d, %d bytes", resp.StatusCode, len(b))
	}
	served := func(h HealthFunc) *Server {
		s := New(Config{Version: "v9.9.9"}, nil, h)
		s.Swap(testSnapshot("v1", testModTime))
		return s
	}
	rec := httptest.NewRecorder()
	served(nil).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"ok"`) || !strings.Contains(rec.Body.String(), `"version":"v9.9.9"`) {
		t.Errorf("nil HealthFunc: %d %q", rec.Code, rec.Body)
	}

	// A status the daemon chose is kept; an error still overrides it.
	degraded := func(context.Context) (Health, error) { return Health{Status: "degraded"}, nil }
	rec = httptest.NewRecorder()
	served(degraded).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"status":"degraded"`) {
		t.Errorf("daemon status: %d %q", rec.Code, rec.Body)
	}
	broken := func(context.Context) (Health, error) { return Health{Status: "ok"}, errors.New("x") }
	rec = httptest.NewRecorder()
	served(broken).Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/healthz", nil))
	if rec.Code != 503 || !strings.Contains(rec.Body.String(), `"status":"unavailable"`) {
		t.Errorf("error with status ok: %d %q", rec.Code, rec.Body)
	}
}

func TestBeforeFirstSwap(t *testing.T) {
	f := newFixture(t, testPages(), nil, false)
	for _, path := range []string{"/", "/rss.xml", "/atom.xml", "/feed.json"} {
		resp, _ := f.do(t, "GET", path, nil)
		if resp.StatusCode != http.StatusServiceUnavailable {
			t.Errorf("%s: status %d, want 503", path, resp.StatusCode)
		}
		if resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s: no Retry-After", path)
		}
		if resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, resp.Header.Get("Cache-Control"))
		}
	}
	// Article pages come from Pages, which does not depend on the Snapshot.
	if resp, _ := f.do(t, "GET", "/articles/hello-world.html", nil); resp.StatusCode != 200 {
		t.Errorf("article before Swap: %d", resp.StatusCode)
	}
	f.srv.Swap(nil) // ignored
	f.srv.Swap(testSnapshot("v1", testModTime))
	if resp, _ := f.do(t, "GET", "/rss.xml", nil); resp.StatusCode != 200 {
		t.Errorf("after Swap: %d", resp.StatusCode)
	}
}

// TestSwapConsistent checks under -race that concurrent readers always get a body and
// validators from the same Snapshot.
func TestSwapConsistent(t *testing.T) {
	s := New(Config{}, nil, nil)
	snaps := []*Snapshot{testSnapshot("a", testModTime), testSnapshot("b", testModTime.Add(time.Hour))}
	byETag := map[string][]byte{}
	for _, sn := range snaps {
		for _, r := range sn.Files {
			byETag[r.ETag()] = r.Body()
		}
	}
	s.Swap(snaps[0])
	h := s.Handler()
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
				s.Swap(snaps[i%2])
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			for range 500 {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/feed.json", nil))
				want, ok := byETag[rec.Header().Get("ETag")]
				if rec.Code != 200 || !ok || !bytes.Equal(want, rec.Body.Bytes()) {
					t.Errorf("status %d, ETag %q does not name the body", rec.Code, rec.Header().Get("ETag"))
					return
				}
			}
		})
	}
	time.Sleep(10 * time.Millisecond)
	close(stop)
	wg.Wait()
}

// blockingPages holds Page until released, to have a request in flight during shutdown.
type blockingPages struct {
	entered chan struct{}
	release chan struct{}
}

func (b *blockingPages) Page(ctx context.Context, slug string) (*Resource, error) {
	close(b.entered)
	<-b.release
	return NewResource(typeHTML, []byte("<p>done</p>"), testModTime), nil
}

func TestServeDrains(t *testing.T) {
	pages := &blockingPages{entered: make(chan struct{}), release: make(chan struct{})}
	s := New(Config{ShutdownTimeout: 5 * time.Second}, pages, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()

	type result struct {
		code int
		body string
		err  error
	}
	got := make(chan result, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/articles/slow.html")
		if err != nil {
			got <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		got <- result{resp.StatusCode, string(b), err}
	}()
	<-pages.entered
	cancel()

	select {
	case err := <-served:
		t.Fatalf("Serve returned %v with a request in flight", err)
	case <-time.After(100 * time.Millisecond):
	}
	// New connections are refused once shutdown has begun.
	if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Errorf("listener still accepting after cancel")
	}

	close(pages.release)
	r := <-got
	if r.err != nil || r.code != 200 || r.body != "<p>done</p>" {
		t.Errorf("in-flight request: %d %q %v", r.code, r.body, r.err)
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after the drain")
	}
}

func TestServeDrainDeadline(t *testing.T) {
	pages := &blockingPages{entered: make(chan struct{}), release: make(chan struct{})}
	defer close(pages.release)
	s := New(Config{ShutdownTimeout: 50 * time.Millisecond}, pages, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, ln) }()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String() + "/articles/stuck.html"); err == nil {
			resp.Body.Close()
		}
	}()
	<-pages.entered
	cancel()
	select {
	case err := <-served:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Serve = %v, want a deadline error", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve ignored its drain deadline")
	}
}

func TestServeListenerError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	if err := New(Config{}, nil, nil).Serve(context.Background(), ln); err == nil {
		t.Errorf("Serve on a closed listener returned nil")
	}
}

func TestAccessLogDebugOnly(t *testing.T) {
	for _, level := range []slog.Level{slog.LevelInfo, slog.LevelDebug} {
		var buf bytes.Buffer
		s := New(Config{Logger: slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: level}))}, nil, nil)
		s.Swap(testSnapshot("v1", testModTime))
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/rss.xml", nil))
		if rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
		logged := strings.Contains(buf.String(), "uri=/rss.xml")
		if logged != (level == slog.LevelDebug) {
			t.Errorf("level %v: access log %q", level, buf.String())
		}
		if level == slog.LevelDebug && !strings.Contains(buf.String(), "status=200") {
			t.Errorf("access log without status: %q", buf.String())
		}
	}
}

func TestConfigDefaults(t *testing.T) {
	s := New(Config{}, nil, nil)
	c := s.cfg
	if c.ReadHeaderTimeout != 5*time.Second || c.ReadTimeout != 10*time.Second || c.WriteTimeout != 30*time.Second ||
		c.IdleTimeout != 120*time.Second || c.MaxHeaderBytes != 16<<10 {
		t.Errorf("defaults: %+v", c)
	}
	// MaxAge and ShutdownTimeout are the daemon's settings: taken as given, zero included.
	if s.cacheControl[0] != "public, max-age=0" || c.ShutdownTimeout != 0 {
		t.Errorf("zero max age and drain: %q, %v", s.cacheControl[0], c.ShutdownTimeout)
	}
	s = New(Config{MaxAge: DefaultMaxAge, ShutdownTimeout: DefaultShutdownTimeout}, nil, nil)
	if s.cacheControl[0] != "public, max-age=300" || s.cfg.ShutdownTimeout != 10*time.Second {
		t.Errorf("default Cache-Control %q, drain %v", s.cacheControl[0], s.cfg.ShutdownTimeout)
	}
	s = New(Config{MaxAge: -1, WriteTimeout: -1, ReadTimeout: 3 * time.Second}, nil, nil)
	if s.cacheControl[0] != "public, max-age=0" || s.cfg.WriteTimeout != 0 || s.cfg.ReadTimeout != 3*time.Second {
		t.Errorf("overrides: %+v, %q", s.cfg, s.cacheControl[0])
	}
}

package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// ctxPages fails like a database query would when its context is cancelled.
type ctxPages struct{}

func (ctxPages) Page(ctx context.Context, slug string) (*Resource, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return NewResource("text/html; charset=utf-8", []byte("<p>page</p>"), time.Unix(1_700_000_000, 0)), nil
}

// A request whose context net/http has cancelled (the client half-closed its side after
// sending it) is still answered: it is no server error.
func TestCancelledRequestAnswered(t *testing.T) {
	health := func(ctx context.Context) (Health, error) { return Health{Articles: 1}, ctx.Err() }
	s := New(Config{}, ctxPages{}, health)
	page, _ := ctxPages{}.Page(context.Background(), "x")
	s.Swap(&Snapshot{Files: map[string]*Resource{"/rss.xml": page}}) // serving: /healthz may say 200
	for _, path := range []string{"/healthz", "/articles/hello.html"} {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", path, nil).WithContext(ctx))
		if rec.Code != http.StatusOK {
			t.Errorf("%s with a cancelled context: %d, want 200", path, rec.Code)
		}
	}
}

// A request with a body is answered with Connection: close; one without keeps its connection.
func TestRequestWithBodyClosesConnection(t *testing.T) {
	s := New(Config{}, nil, nil)
	for _, c := range []struct {
		name  string
		req   func() *http.Request
		close bool
	}{
		{"no body", func() *http.Request { return httptest.NewRequest("GET", "/healthz", nil) }, false},
		{"content-length", func() *http.Request { return httptest.NewRequest("GET", "/healthz", strings.NewReader("hello")) }, true},
		{"chunked", func() *http.Request {
			r := httptest.NewRequest("GET", "/healthz", strings.NewReader("hello"))
			r.ContentLength, r.TransferEncoding = -1, []string{"chunked"}
			return r
		}, true},
	} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, c.req())
		if got := rec.Header().Get("Connection") == "close"; got != c.close {
			t.Errorf("%s: Connection %q, want close %v", c.name, rec.Header().Get("Connection"), c.close)
		}
	}
}

package s3test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
)

// Proxy stands between feedpub and the server on loopback and counts the requests that pass,
// by method, with the bytes of their bodies; a hook can act on each (stop the server mid-way).
// It forwards the Host header unchanged, so request signatures stay valid.
type Proxy struct {
	Endpoint string // http://127.0.0.1:PORT

	mu     sync.Mutex
	counts map[string]int
	bytes  int64
	hook   func(method, path string)
}

// Counts is a snapshot of a Proxy's tally.
type Counts struct {
	Get, Put, Delete, Post, Head int // LIST is a GET on the bucket
	BytesPut                     int64
}

// Total is the number of requests.
func (c Counts) Total() int { return c.Get + c.Put + c.Delete + c.Post + c.Head }

// NewProxy starts a counting proxy to s, closed when the test ends.
func (s *Server) NewProxy(t testing.TB) *Proxy {
	t.Helper()
	target, err := url.Parse(s.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{counts: map[string]int{}}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Host = r.In.Host // signed by the client; the server checks it
		},
		// A stopped server is what the fault tests want; a 502 tells the client, quietly.
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) },
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.counts[r.Method]++
		if r.Method == http.MethodPut && r.ContentLength > 0 {
			p.bytes += r.ContentLength
		}
		hook := p.hook
		p.mu.Unlock()
		if hook != nil {
			hook(r.Method, r.URL.Path)
		}
		rp.ServeHTTP(w, r)
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	p.Endpoint = srv.URL
	return p
}

// Counts returns the tally so far.
func (p *Proxy) Counts() Counts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Counts{Get: p.counts["GET"], Put: p.counts["PUT"], Delete: p.counts["DELETE"],
		Post: p.counts["POST"], Head: p.counts["HEAD"], BytesPut: p.bytes}
}

// Reset zeroes the tally.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	clear(p.counts)
	p.bytes = 0
}

// OnRequest sets a function called before each request is forwarded (nil removes it).
func (p *Proxy) OnRequest(f func(method, path string)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.hook = f
}

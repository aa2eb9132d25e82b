package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/feedpub/feedpub/internal/feedcheck"
	"github.com/feedpub/feedpub/internal/s3test"
	"github.com/feedpub/feedpub/internal/testfix"
)

const bucketBase = "https://news.example.org/site/"

// bucketSite is one SeaweedFS on loopback, reached through a counting proxy, and the prefix
// that feedpub keeps the site in.
type bucketSite struct {
	srv    *s3test.Server
	proxy  *s3test.Proxy
	prefix string // "site/"
}

func newBucketSite(t testing.TB) *bucketSite {
	t.Helper()
	srv := s3test.Start(t, "feedpub-it")
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v) // feedpub finds them through its default credential chain
	}
	return &bucketSite{srv: srv, proxy: srv.NewProxy(t), prefix: "site/"}
}

// args are the flags that point feedpub at the bucket.
func (b *bucketSite) args() []string {
	return []string{"--out", "s3://" + b.srv.Bucket + "/" + b.prefix, "--s3-endpoint", b.proxy.Endpoint,
		"--s3-region", "us-east-1", "--base-url", bucketBase}
}

// build runs feedpub build on dir into the bucket.
func (b *bucketSite) build(t testing.TB, dir, state string) string {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"build", "--dir", dir, "--state", state,
		"--timezone", "Asia/Seoul", "--log-format", "json"}, b.args()...)...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "FEEDPUB_CONFIG=")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return string(out)
}

// get reads name back through the S3 HTTP endpoint.
func (b *bucketSite) get(t testing.TB, name string) ([]byte, string, string) {
	t.Helper()
	body, hdr, code := b.srv.Get(t, b.prefix+name)
	if code != 200 {
		t.Fatalf("GET %s from the bucket: %d %s", name, code, body)
	}
	return body, hdr.Get("Content-Type"), hdr.Get("Cache-Control")
}

// names lists the objects under the prefix, relative to it.
func (b *bucketSite) names(t testing.TB) []string {
	t.Helper()
	var names []string
	for _, k := range b.srv.Keys(t, b.prefix) {
		names = append(names, strings.TrimPrefix(k, b.prefix))
	}
	slices.Sort(names)
	return names
}

func (b *bucketSite) remove(t testing.TB, name string) {
	t.Helper()
	if err := b.srv.Client().RemoveObject(context.Background(), b.srv.Bucket, b.prefix+name, minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
}

// checkConsistent asserts what a reader of the bucket relies on: every article link in the
// feeds and the index resolves to an object, there is one page per article beside the root's
// feeds and the site files, and the Atom feed reads back through the S3 endpoint. It returns it.
func (b *bucketSite) checkConsistent(t *testing.T, articles int) []byte {
	t.Helper()
	names := b.names(t)
	held := map[string]bool{}
	pages := 0
	for _, n := range names {
		held[n] = true
		if strings.HasPrefix(n, "articles/") {
			pages++
		}
	}
	for _, n := range []string{"rss.xml", "atom.xml", "feed.json", "index.html", "sitemap.xml", "robots.txt", "feeds.opml"} {
		if !held[n] {
			t.Fatalf("bucket has no %s; it holds %q", n, names)
		}
	}
	if pages != articles {
		t.Errorf("bucket holds %d pages, want %d", pages, articles)
	}
	atom, _, _ := b.get(t, "atom.xml")
	index, _, _ := b.get(t, "index.html")
	f := feedcheck.Gofeed(t, atom)
	links := 0
	for _, it := range f.Items {
		links++
		if !held[strings.TrimPrefix(it.Link, bucketBase)] {
			t.Errorf("atom.xml links %s, which the bucket does not hold", it.Link)
		}
	}
	for _, m := range hrefRE.FindAllSubmatch(index, -1) {
		if link := string(m[1]); strings.HasPrefix(link, bucketBase+"articles/") && !held[strings.TrimPrefix(link, bucketBase)] {
			t.Errorf("index.html links %s, which the bucket does not hold", link)
		}
	}
	if links == 0 && articles > 0 {
		t.Errorf("atom.xml has no entries")
	}
	return atom
}

// TestBucketBuild: feedpub build --out s3://... puts the same files as a directory build, with
// their types and cache headers, readable by the real feed parsers; then uploads only what
// changed, in an order that never breaks a link, and repairs what was changed behind its back.
func TestBucketBuild(t *testing.T) {
	b := newBucketSite(t)
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state.db")
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	drop(t, dir, "notes/one.txt", []byte("First note\n\nWith one paragraph & a <tag>."))
	drop(t, dir, "notes/two.txt", []byte("Second note\n\nAnother paragraph."))
	b.build(t, dir, state)
	atom := b.checkConsistent(t, 3)

	for _, tc := range []struct{ name, ctype, cache string }{
		{"rss.xml", "application/rss+xml; charset=utf-8", "public, max-age=300"},
		{"atom.xml", "application/atom+xml; charset=utf-8", "public, max-age=300"},
		{"feed.json", "application/feed+json; charset=utf-8", "public, max-age=300"},
		{"index.html", "text/html; charset=utf-8", "public, max-age=300"},
		{"sections/notes/atom.xml", "application/atom+xml; charset=utf-8", "public, max-age=300"},
		{"archive/0.xml", "application/atom+xml; charset=utf-8", "public, max-age=300"}, // the newest page is not full
		{"sitemap.xml", "application/xml; charset=utf-8", "public, max-age=300"},
	} {
		_, ctype, cache := b.get(t, tc.name)
		if ctype != tc.ctype || cache != tc.cache {
			t.Errorf("%s: Content-Type %q, Cache-Control %q; want %q, %q", tc.name, ctype, cache, tc.ctype, tc.cache)
		}
	}
	var page string
	for _, n := range b.names(t) {
		if strings.HasPrefix(n, "articles/") {
			page = n
			if _, ctype, cache := b.get(t, n); ctype != "text/html; charset=utf-8" || cache != "public, max-age=3600" {
				t.Errorf("%s: Content-Type %q, Cache-Control %q", n, ctype, cache)
			}
		}
	}
	rss, _, _ := b.get(t, "rss.xml")
	jsonFeed, _, _ := b.get(t, "feed.json")
	feedcheck.Feedparser(t, rss, func(t *testing.T, p feedcheck.Parsed) {
		if len(p.Entries) != 3 {
			t.Errorf("feedparser read %d entries from the bucket's rss.xml, want 3", len(p.Entries))
		}
	})
	feedcheck.Feedparser(t, atom, nil)
	feedcheck.Jing(t, atom)
	feedcheck.JSONSchema(t, jsonFeed)

	// The same file set as a directory build of the same catalog.
	out := t.TempDir()
	cmd := exec.Command(binary, "build", "--dir", dir, "--state", filepath.Join(t.TempDir(), "dir.db"),
		"--out", out, "--timezone", "Asia/Seoul", "--base-url", bucketBase)
	cmd.Dir, cmd.Env = t.TempDir(), append(os.Environ(), "FEEDPUB_CONFIG=")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("directory build: %v\n%s", err, msg)
	}
	var local []string
	filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && !strings.HasPrefix(fi.Name(), ".") { // not the directory's manifest
			rel, _ := filepath.Rel(out, p)
			local = append(local, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(local)
	if got := b.names(t); !slices.Equal(got, local) {
		t.Errorf("bucket holds %q, a directory build writes %q", got, local)
	}

	t.Run("no change makes no PUT", func(t *testing.T) {
		b.proxy.Reset()
		b.build(t, dir, state)
		c := b.proxy.Counts()
		if c.Put != 0 || c.Delete != 0 || c.Post != 0 {
			t.Errorf("no-change build: %+v, want no write", c)
		}
		t.Logf("no-change build: %d requests (%+v)", c.Total(), c)
	})

	var order []string
	var mu sync.Mutex
	b.proxy.OnRequest(func(method, path string) {
		if method == "PUT" || method == "DELETE" {
			mu.Lock()
			order = append(order, method+" "+strings.TrimPrefix(path, "/"+b.srv.Bucket+"/"+b.prefix))
			mu.Unlock()
		}
	})
	requests := func() []string {
		mu.Lock()
		defer mu.Unlock()
		r := order
		order = nil
		return r
	}

	t.Run("a new article: its page before the feeds", func(t *testing.T) {
		drop(t, dir, "notes/three.txt", []byte("Third note\n\nA new one."))
		b.build(t, dir, state)
		got := requests()
		if len(got) < 5 || !strings.HasPrefix(got[0], "PUT articles/") || strings.Contains(strings.Join(got[1:], " "), "articles/") ||
			!slices.Contains(got, "PUT atom.xml") || !slices.Contains(got, "PUT sitemap.xml") {
			t.Fatalf("adding one article sent %q; want its page first, then the feeds and site files", got)
		}
		if ai := slices.Index(got, "PUT atom.xml"); ai < slices.Index(got, "PUT sitemap.xml") {
			t.Errorf("the root's feeds went up before the site files they follow: %q", got)
		}
		b.checkConsistent(t, 4)
	})

	t.Run("a removed article: its page after the feeds", func(t *testing.T) {
		if err := os.Remove(filepath.Join(dir, "notes", "three.txt")); err != nil {
			t.Fatal(err)
		}
		b.build(t, dir, state)
		got := requests()
		last := len(got) - 1
		if last < 4 || !strings.HasPrefix(got[last], "DELETE articles/") || strings.Contains(strings.Join(got[:last], " "), "DELETE") ||
			!slices.Contains(got, "PUT atom.xml") {
			t.Fatalf("removing one article sent %q; want the feeds, then the page's DELETE", got)
		}
		b.checkConsistent(t, 3)
	})

	t.Run("what changed behind its back is repaired at the next start", func(t *testing.T) {
		before, _, _ := b.get(t, page)
		rss, _, _ := b.get(t, "rss.xml")
		b.remove(t, "atom.xml")
		b.remove(t, page)
		if _, err := b.srv.Client().PutObject(context.Background(), b.srv.Bucket, b.prefix+"rss.xml",
			strings.NewReader("defaced"), 7, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		b.build(t, dir, state)
		got := requests()
		slices.Sort(got)
		want := []string{"PUT " + page, "PUT atom.xml", "PUT rss.xml"}
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("repair sent %q, want %q", got, want)
		}
		if after, _, _ := b.get(t, page); !bytes.Equal(before, after) {
			t.Errorf("%s restored with different bytes", page)
		}
		if rss2, _, _ := b.get(t, "rss.xml"); !bytes.Equal(rss2, rss) {
			t.Errorf("rss.xml not restored")
		}
		b.checkConsistent(t, 3)
	})

	t.Run("an emptied bucket is refilled", func(t *testing.T) {
		all := b.names(t)
		for _, n := range all {
			b.remove(t, n)
		}
		b.build(t, dir, state)
		if got := requests(); len(got) != len(all) {
			t.Errorf("refilling sent %d requests (%q), want %d PUTs", len(got), got, len(all))
		}
		if got := b.names(t); !slices.Equal(got, all) {
			t.Errorf("refilled bucket holds %q, want %q", got, all)
		}
		b.checkConsistent(t, 3)
	})
}

// bucketHealth is the part of /healthz about the static copy.
type bucketHealth struct {
	Status string `json:"status"`
	Output *struct {
		State    string `json:"state"`
		Seq      int64  `json:"seq"`
		Behind   int64  `json:"behind"`
		Attempts int    `json:"failed_attempts"`
	} `json:"output"`
	Articles int `json:"articles"`
}

func outputHealth(t *testing.T, d *daemon) bucketHealth {
	t.Helper()
	_, body := d.get("/healthz")
	var h bucketHealth
	if err := json.Unmarshal(body, &h); err != nil || h.Output == nil {
		t.Fatalf("/healthz without output state: %s", body)
	}
	return h
}

// synced reports whether the bucket holds what the daemon serves.
func (b *bucketSite) synced(t *testing.T, d *daemon) bool {
	h := outputHealth(t, d)
	if h.Output.State != "ok" || h.Output.Behind != 0 {
		return false
	}
	_, served := d.get("/atom.xml")
	body, _, code := b.srv.Get(t, b.prefix+"atom.xml")
	return code == 200 && bytes.Equal(body, served)
}

// TestBucketServe: the daemon keeps the bucket in step with the served feeds; with the S3
// server stopped in the middle of a publish it keeps serving and ingesting, says so in
// /healthz, logs the failure once, and completes the bucket when the server is back; an object
// deleted while it was down is restored at its next start.
func TestBucketServe(t *testing.T) {
	b := newBucketSite(t)
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state.db")
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	d := startDaemon(t, dir, state, b.args()...)
	waitFor(t, 20*time.Second, "the bucket in step with the served feeds", func() bool { return b.synced(t, d) })
	b.checkConsistent(t, 1)

	drop(t, dir, "note.txt", []byte("A second note\n\nIt has a page too."))
	waitFor(t, 10*time.Second, "the new article in the bucket", func() bool {
		// Served first (the catalog counts it before the render), then in the bucket.
		return hasTitle(d.feed("/atom.xml"), "A second note") && b.synced(t, d)
	})
	b.checkConsistent(t, 2)

	// A burst of articles; the S3 server goes down after a few of their uploads.
	var once sync.Once
	stopped := make(chan struct{})
	b.proxy.Reset()
	b.proxy.OnRequest(func(method, _ string) {
		if method == "PUT" && b.proxy.Counts().Put == 10 {
			once.Do(func() { go func() { b.srv.Stop(); close(stopped) }() })
		}
	})
	for i := range 60 {
		drop(t, dir, fmt.Sprintf("burst/%02d.txt", i), fmt.Appendf(nil, "Burst article %d\n\nNumber %d of a burst.", i, i))
	}
	<-stopped
	b.proxy.OnRequest(nil)
	waitFor(t, 30*time.Second, "/healthz to show the failing bucket", func() bool {
		h := outputHealth(t, d)
		return h.Output.State == "retrying" && h.Output.Attempts >= 2 && h.Status == "degraded"
	})
	// Ingesting and serving go on while the bucket is down.
	drop(t, dir, "while-down.txt", []byte("Written while the bucket was down\n\nStill served."))
	waitFor(t, 5*time.Second, "ingest while the bucket is down", func() bool {
		return health(t, d).Articles == 63 && hasTitle(d.feed("/atom.xml"), "Written while the bucket was down")
	})
	if n := d.count("output write failed; retrying with backoff while serving continues", ""); n != 1 {
		t.Errorf("the failure was logged %d times, want once", n)
	}

	b.srv.Restart()
	waitFor(t, 60*time.Second, "the bucket complete after the server is back", func() bool { return b.synced(t, d) })
	b.checkConsistent(t, 63)
	if n := d.count("output write recovered", ""); n != 1 {
		t.Errorf("recovery logged %d times, want once", n)
	}
	for name, path := range map[string]string{"rss.xml": "/rss.xml", "feed.json": "/feed.json", "index.html": "/"} {
		stored, _, _ := b.get(t, name)
		if _, served := d.get(path); !bytes.Equal(stored, served) {
			t.Errorf("%s in the bucket differs from the served %s", name, path)
		}
	}

	// Deleted behind its back while the daemon is down: restored at the next start.
	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("daemon exited %d", code)
	}
	var page string
	for _, n := range b.names(t) {
		if strings.HasPrefix(n, "articles/") {
			page = n
			break
		}
	}
	b.remove(t, page)
	b.remove(t, "feed.json")
	d = startDaemon(t, dir, state, b.args()...)
	waitFor(t, 20*time.Second, "the deleted objects restored", func() bool {
		held := b.names(t)
		return b.synced(t, d) && slices.Contains(held, page) && slices.Contains(held, "feed.json")
	})
	b.checkConsistent(t, 63)
}

package bucket

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"

	"github.com/feedpub/feedpub/internal/feedcheck"
	"github.com/feedpub/feedpub/internal/s3test"
)

func TestMain(m *testing.M) { os.Exit(feedcheck.Main(m)) }

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Location
		err  bool
	}{
		{in: "s3://news", want: Location{Bucket: "news"}},
		{in: "s3://news/", want: Location{Bucket: "news"}},
		{in: "s3://news/site", want: Location{Bucket: "news", Prefix: "site/"}},
		{in: "s3://news/site/feeds/", want: Location{Bucket: "news", Prefix: "site/feeds/"}},
		{in: "s3://", err: true},
		{in: "s3:///site", err: true},
		{in: "s3://news/a//b", err: true},
		{in: "s3://news/site?x=1", err: true},
		{in: "s3://key@news/site", err: true},
		{in: "public", err: true},
		{in: "https://news/site", err: true},
	} {
		got, err := ParseURL(tc.in)
		if tc.err {
			if !errors.Is(err, ErrURL) {
				t.Errorf("ParseURL(%q) = %v, %v; want an ErrURL", tc.in, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("ParseURL(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if back, err := ParseURL(got.String()); err != nil || back != got {
			t.Errorf("ParseURL(%q.String()) = %+v, %v", tc.in, back, err)
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	for _, tc := range []struct {
		in     string
		host   string
		secure bool
		err    bool
	}{
		{in: "", host: DefaultEndpoint, secure: true},
		{in: "storage.example.org", host: "storage.example.org", secure: true},
		{in: "127.0.0.1:8333", host: "127.0.0.1:8333", secure: true},
		{in: "http://127.0.0.1:8333", host: "127.0.0.1:8333"},
		{in: "http://127.0.0.1:8333/", host: "127.0.0.1:8333"},
		{in: "https://storage.example.org", host: "storage.example.org", secure: true},
		{in: "ftp://storage.example.org", err: true},
		{in: "https://storage.example.org/bucket", err: true},
		{in: "http://", err: true},
	} {
		host, secure, err := parseEndpoint(tc.in)
		if tc.err != (err != nil) || host != tc.host || secure != tc.secure {
			t.Errorf("parseEndpoint(%q) = %q, %v, %v", tc.in, host, secure, err)
		}
	}
}

// open returns a Bucket on the server through a counting proxy.
func open(t *testing.T, srv *s3test.Server, proxy *s3test.Proxy, manifest string) *Bucket {
	t.Helper()
	b, err := Open(context.Background(), Config{
		URL: "s3://" + srv.Bucket + "/site", Endpoint: proxy.Endpoint, Region: "us-east-1",
		Manifest: manifest, Credentials: srv.Creds(), MaxRetries: 2,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func put(t *testing.T, b *Bucket, name, body, ct, cc string) bool {
	t.Helper()
	changed, err := b.Put(context.Background(), name, []byte(body), ct, cc)
	if err != nil {
		t.Fatal(err)
	}
	return changed
}

func TestBucket(t *testing.T) {
	srv := s3test.Start(t, "feedpub-unit")
	proxy := srv.NewProxy(t)
	ctx := context.Background()
	manifest := filepath.Join(t.TempDir(), "state.bucket")
	b := open(t, srv, proxy, manifest)

	if intact, err := b.Intact(ctx); err != nil || intact {
		t.Fatalf("Intact of an empty bucket and manifest = %v, %v; want not intact", intact, err)
	}
	const css = "text/html; charset=utf-8"
	if !put(t, b, "articles/a.html", "<p>a</p>", css, "public, max-age=3600") {
		t.Fatal("first Put reported no change")
	}
	put(t, b, "atom.xml", "<feed/>", "application/atom+xml; charset=utf-8", "public, max-age=300")
	proxy.Reset()
	if put(t, b, "articles/a.html", "<p>a</p>", css, "public, max-age=3600") {
		t.Error("Put of the same bytes and headers reported a change")
	}
	if c := proxy.Counts(); c.Total() != 0 {
		t.Errorf("Put of unchanged bytes made requests: %+v", c)
	}
	if !put(t, b, "articles/a.html", "<p>a</p>", css, "public, max-age=60") {
		t.Error("Put with a new Cache-Control reported no change")
	}
	if c := proxy.Counts(); c.Put != 1 {
		t.Errorf("re-upload for new headers: %+v, want one PUT", c)
	}

	body, hdr, code := srv.Get(t, "site/articles/a.html")
	if code != 200 || string(body) != "<p>a</p>" || hdr.Get("Content-Type") != css || hdr.Get("Cache-Control") != "public, max-age=60" {
		t.Errorf("GET through the S3 endpoint: %d %q Content-Type %q Cache-Control %q", code, body,
			hdr.Get("Content-Type"), hdr.Get("Cache-Control"))
	}
	if err := b.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	t.Run("remembers across a restart", func(t *testing.T) {
		b := open(t, srv, proxy, manifest)
		proxy.Reset()
		if intact, err := b.Intact(ctx); err != nil || !intact {
			t.Fatalf("Intact = %v, %v; want intact", intact, err)
		}
		if put(t, b, "articles/a.html", "<p>a</p>", css, "public, max-age=60") {
			t.Error("Put after a restart re-uploaded an object the manifest knows")
		}
		if c := proxy.Counts(); c.Put != 0 || c.Get != 1 {
			t.Errorf("restart + verify + unchanged Put: %+v; want one GET (the listing) and no PUT", c)
		}
		b.Close()
	})

	t.Run("repairs what changed behind its back", func(t *testing.T) {
		c := srv.Client()
		if err := c.RemoveObject(ctx, srv.Bucket, "site/atom.xml", minio.RemoveObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutObject(ctx, srv.Bucket, "site/articles/a.html", stringReader("defaced"), 7, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.PutObject(ctx, srv.Bucket, "site/articles/stray.html", stringReader("stray"), 5, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
		b := open(t, srv, proxy, manifest)
		if intact, err := b.Intact(ctx); err != nil || intact {
			t.Fatalf("Intact = %v, %v; want not intact", intact, err)
		}
		names, _ := b.Names(ctx, "articles/")
		slices.Sort(names)
		if !slices.Equal(names, []string{"articles/a.html", "articles/stray.html"}) {
			t.Errorf("Names(articles/) = %q", names)
		}
		if !put(t, b, "articles/a.html", "<p>a</p>", css, "public, max-age=60") {
			t.Error("a replaced object was not uploaded again")
		}
		if !put(t, b, "atom.xml", "<feed/>", "application/atom+xml; charset=utf-8", "public, max-age=300") {
			t.Error("a deleted object was not uploaded again")
		}
		if removed, err := b.Remove(ctx, "articles/stray.html"); err != nil || !removed {
			t.Errorf("Remove(stray) = %v, %v", removed, err)
		}
		proxy.Reset()
		if removed, err := b.Remove(ctx, "articles/never.html"); err != nil || removed || proxy.Counts().Total() != 0 {
			t.Errorf("Remove of an object never held = %v, %v with %+v", removed, err, proxy.Counts())
		}
		body, _, _ := srv.Get(t, "site/articles/a.html")
		if string(body) != "<p>a</p>" {
			t.Errorf("after repair a.html = %q", body)
		}
		keys := srv.Keys(t, "site/")
		slices.Sort(keys)
		if !slices.Equal(keys, []string{"site/articles/a.html", "site/atom.xml"}) {
			t.Errorf("bucket holds %q", keys)
		}
		if err := b.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		b.Close()
		b = open(t, srv, proxy, manifest)
		if intact, err := b.Intact(ctx); err != nil || !intact {
			t.Errorf("Intact after the repair = %v, %v; want intact", intact, err)
		}
		b.Close()
	})

	t.Run("a lost manifest costs a HEAD per object, not an upload", func(t *testing.T) {
		b := open(t, srv, proxy, filepath.Join(t.TempDir(), "fresh.bucket"))
		if intact, err := b.Intact(ctx); err != nil || intact {
			t.Fatalf("Intact with an empty manifest = %v, %v; want not intact", intact, err)
		}
		proxy.Reset()
		if put(t, b, "articles/a.html", "<p>a</p>", css, "public, max-age=60") {
			t.Error("an object with the same bytes and headers was uploaded again")
		}
		if c := proxy.Counts(); c.Put != 0 || c.Head != 1 {
			t.Errorf("adopting one object: %+v, want one HEAD and no PUT", c)
		}
		if !put(t, b, "atom.xml", "<feed/>", "application/atom+xml; charset=utf-8", "public, max-age=30") {
			t.Error("an object with other headers was not uploaded")
		}
		proxy.Reset()
		if put(t, b, "articles/a.html", "<p>a</p>", css, "public, max-age=60") || proxy.Counts().Total() != 0 {
			t.Errorf("an adopted object is not remembered: %+v", proxy.Counts())
		}
	})
}

func stringReader(s string) *strings.Reader { return strings.NewReader(s) }

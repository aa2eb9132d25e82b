package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/feedcheck"
	"github.com/feedpub/feedpub/internal/testfix"
)

// scrape reads /metrics from d with the Prometheus client library's text parser.
func scrape(t testing.TB, d *daemon) feedcheck.Metrics {
	t.Helper()
	return scrapeURL(t, d.base+"/metrics")
}

func scrapeURL(t testing.TB, u string) feedcheck.Metrics {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	return feedcheck.ParseMetrics(t, body)
}

func value(t testing.TB, m feedcheck.Metrics, name string, labels ...string) float64 {
	t.Helper()
	v, _ := m.Value(name, labels...)
	return v
}

// TestMetrics: the counters move as files are added and rejected and as polls get 200 or 304,
// and readers' subscriber counts reach the gauge and the stats page.
func TestMetrics(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))
	m0 := scrape(t, d)
	if _, ok := m0.Value("go_goroutines"); !ok {
		t.Error("no Go runtime metrics")
	}
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	drop(t, dir, "empty.txt", nil)
	// The counters move at the reconcile, the histograms once its render is served.
	waitFor(t, 5*time.Second, "an article added, a file rejected, and their render", func() bool {
		m := scrape(t, d)
		return value(t, m, "feedpub_ingested_total", "change", "added") == 1 &&
			value(t, m, "feedpub_rejections_total", "reason", "empty") == 1 &&
			value(t, m, "feedpub_file_to_feed_seconds") >= 1
	})
	m := scrape(t, d)
	if live, rej := value(t, m, "feedpub_articles", "state", "live"), value(t, m, "feedpub_articles", "state", "rejected"); live != 1 || rej != 1 {
		t.Errorf("articles: %v live, %v rejected; want 1 and 1", live, rej)
	}
	if n := value(t, m, "feedpub_file_to_feed_seconds"); n < 1 {
		t.Errorf("file-to-feed histogram has %v samples", n)
	}
	if n := value(t, m, "feedpub_render_duration_seconds"); n < 2 {
		t.Errorf("render histogram has %v samples, want the start-up render and one more", n)
	}

	ok0 := value(t, m, "feedpub_http_requests_total", "route", "/atom.xml", "code", "200")
	nm0 := value(t, m, "feedpub_http_requests_total", "route", "/atom.xml", "code", "304")
	req, _ := http.NewRequest("GET", d.base+"/atom.xml", nil)
	req.Header.Set("User-Agent", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 265 subscribers; like FeedFetcher-Google)")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	req.Header.Set("If-None-Match", resp.Header.Get("ETag"))
	req.Header.Set("User-Agent", "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 3 subscribers; )")
	for range 2 {
		r, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != 304 {
			t.Fatalf("conditional poll: %s", r.Status)
		}
	}
	m = scrape(t, d)
	if ok := value(t, m, "feedpub_http_requests_total", "route", "/atom.xml", "code", "200"); ok != ok0+1 {
		t.Errorf("200s on /atom.xml: %v, want %v", ok, ok0+1)
	}
	if nm := value(t, m, "feedpub_http_requests_total", "route", "/atom.xml", "code", "304"); nm != nm0+2 {
		t.Errorf("304s on /atom.xml: %v, want %v", nm, nm0+2)
	}
	if v := value(t, m, "feedpub_reader_subscribers", "feed", "/atom.xml", "reader", "Feedly"); v != 265 {
		t.Errorf("Feedly subscribers %v, want 265", v)
	}
	resp, body := d.get("/stats")
	var stats struct {
		Feeds []struct {
			Feed        string
			Subscribers int
		}
	}
	if err := json.Unmarshal(body, &stats); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/stats: %s %v %s", resp.Status, err, body)
	}
	if len(stats.Feeds) != 1 || stats.Feeds[0].Feed != "/atom.xml" || stats.Feeds[0].Subscribers != 268 {
		t.Errorf("/stats %s", body)
	}

	// A rejected file fixed is an article; an edit is an update.
	os.Remove(filepath.Join(dir, "empty.txt"))
	drop(t, dir, "fixed.txt", []byte("Fixed\n\nNo longer empty."))
	waitFor(t, 5*time.Second, "the second article", func() bool {
		return value(t, scrape(t, d), "feedpub_ingested_total", "change", "added") == 2
	})
}

// TestMetricsAddr: with metrics_addr, /metrics and /stats leave the public listener for their
// own; with off there are none.
func TestMetricsAddr(t *testing.T) {
	maddr := freeAddr(t)
	d := startDaemon(t, t.TempDir(), filepath.Join(t.TempDir(), "state.db"), "--metrics-addr", maddr)
	for _, p := range []string{"/metrics", "/stats"} {
		if r, _ := d.get(p); r.StatusCode != 404 {
			t.Errorf("main listener %s: %s, want 404", p, r.Status)
		}
	}
	if _, ok := scrapeURL(t, "http://"+maddr+"/metrics").Value("feedpub_articles", "state", "live"); !ok {
		t.Error("metrics_addr serves no feedpub_articles")
	}
	off := startDaemon(t, t.TempDir(), filepath.Join(t.TempDir(), "state.db"), "--metrics-addr", "off")
	if r, _ := off.get("/metrics"); r.StatusCode != 404 {
		t.Errorf("metrics_addr=off: /metrics %s", r.Status)
	}
}

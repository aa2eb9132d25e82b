package metrics

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/article"
	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feedcheck"
	"github.com/feedpub/feedpub/internal/subscribers"
)

type fakeCatalog struct{ st catalog.Stats }

func (f fakeCatalog) Stats(context.Context) (catalog.Stats, error) { return f.st, nil }

type fakeSubs map[string]int

func (f fakeSubs) SubscriptionCounts(context.Context) (map[string]int, error) { return f, nil }

func scrape(t *testing.T, m *Metrics) feedcheck.Metrics {
	t.Helper()
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("/metrics: %d", w.Code)
	}
	body, _ := io.ReadAll(w.Body)
	return feedcheck.ParseMetrics(t, body)
}

func want(t *testing.T, got feedcheck.Metrics, v float64, name string, labels ...string) {
	t.Helper()
	if g, ok := got.Value(name, labels...); !ok || g != v {
		t.Errorf("%s%v = %v (present %v), want %v", name, labels, g, ok, v)
	}
}

func TestMetrics(t *testing.T) {
	tr := &subscribers.Tracker{}
	m := New(Config{
		Catalog:       fakeCatalog{catalog.Stats{Live: 7, Removed: 2, Rejected: 1, Held: 4, NextDue: time.Unix(1_800_000_000, 0)}},
		Subscriptions: fakeSubs{"https://news.example.org/atom.xml": 3},
		Readers:       tr,
	})
	m.Reconciled(catalog.Report{
		Added:    make([]catalog.Change, 3),
		Removed:  make([]catalog.Change, 1),
		Held:     make([]catalog.Change, 2),
		Released: make([]catalog.Change, 1),
		Rejected: []catalog.Rejection{
			{Path: "a.txt", Err: fmt.Errorf("a.txt: %w", article.ErrEmpty)},
			{Path: "b.txt", Err: fmt.Errorf("b.txt: %w", article.ErrEmpty)},
			{Path: "c.md", Err: fmt.Errorf("c.md: %w", catalog.ErrDuplicateID)},
			{Path: "d.md", Err: errors.New("d.md: input/output error")},
		},
	})
	m.Rendered(12 * time.Millisecond)
	m.FileToFeed(300 * time.Millisecond)
	feedly := httptest.NewRequest(http.MethodGet, "/atom.xml", nil)
	feedly.Header.Set("User-Agent", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 265 subscribers; like FeedFetcher-Google)")
	m.Served(feedly, "/atom.xml", 200, true)
	m.Served(feedly, "/atom.xml", 304, true)
	m.Served(feedly, "/atom.xml", 304, true)
	m.Served(httptest.NewRequest(http.MethodGet, "/nope", nil), "", 404, false)
	m.Notified("sent")
	m.Delivered("retry")
	m.Verified("subscribe", "verified")

	got := scrape(t, m)
	want(t, got, 3, "feedpub_ingested_total", "change", "added")
	want(t, got, 1, "feedpub_ingested_total", "change", "removed")
	want(t, got, 0, "feedpub_ingested_total", "change", "moved")
	want(t, got, 2, "feedpub_rejections_total", "reason", "empty")
	want(t, got, 1, "feedpub_rejections_total", "reason", "duplicate_id")
	want(t, got, 1, "feedpub_rejections_total", "reason", "other")
	want(t, got, 1, "feedpub_render_duration_seconds")
	want(t, got, 1, "feedpub_file_to_feed_seconds")
	want(t, got, 1, "feedpub_http_requests_total", "route", "/atom.xml", "code", "200", "encoding", "gzip")
	want(t, got, 2, "feedpub_http_requests_total", "route", "/atom.xml", "code", "304")
	want(t, got, 1, "feedpub_http_requests_total", "route", "other", "code", "404", "encoding", "identity")
	want(t, got, 7, "feedpub_articles", "state", "live")
	want(t, got, 2, "feedpub_articles", "state", "removed")
	want(t, got, 1, "feedpub_articles", "state", "rejected")
	want(t, got, 4, "feedpub_articles", "state", "held")
	want(t, got, 1_800_000_000, "feedpub_next_release_timestamp_seconds")
	want(t, got, 2, "feedpub_ingested_total", "change", "held")
	want(t, got, 1, "feedpub_ingested_total", "change", "released")
	want(t, got, 3, "feedpub_websub_subscriptions", "topic", "https://news.example.org/atom.xml")
	want(t, got, 265, "feedpub_reader_subscribers", "feed", "/atom.xml", "reader", "Feedly")
	want(t, got, 1, "feedpub_websub_notifications_total", "outcome", "sent")
	want(t, got, 1, "feedpub_websub_deliveries_total", "outcome", "retry")
	want(t, got, 1, "feedpub_websub_verifications_total", "mode", "subscribe", "outcome", "verified")
	if _, ok := got.Value("go_goroutines"); !ok {
		t.Error("no Go runtime metrics")
	}
}

func BenchmarkServed(b *testing.B) {
	m := New(Config{Readers: &subscribers.Tracker{}})
	r := httptest.NewRequest(http.MethodGet, "/atom.xml", nil)
	r.Header.Set("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")
	for b.Loop() {
		m.Served(r, "/atom.xml", 304, true)
	}
}

func BenchmarkServedNoReaders(b *testing.B) {
	m := New(Config{})
	r := httptest.NewRequest(http.MethodGet, "/atom.xml", nil)
	for b.Loop() {
		m.Served(r, "/atom.xml", 304, true)
	}
}

// Package metrics exports what the daemon does in the Prometheus text format, with the
// maintained client library: articles by state, ingests and rejections, file-to-feed latency,
// render durations, HTTP requests, WebSub traffic, subscriptions and readers' subscriber counts.
// It observes the other packages through the small interfaces they define and changes nothing.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/publish"
	"github.com/feedpub/feedpub/internal/server"
	"github.com/feedpub/feedpub/internal/subscribers"
	"github.com/feedpub/feedpub/internal/websub"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Catalog reports the catalog's counts; *catalog.Catalog is one.
type Catalog interface {
	Stats(ctx context.Context) (catalog.Stats, error)
}

// Subscriptions reports the built-in hub's subscriptions per topic; *catalog.WebSubStore is one.
type Subscriptions interface {
	SubscriptionCounts(ctx context.Context) (map[string]int, error)
}

// Readers keeps readers' subscriber counts; *subscribers.Tracker is one.
type Readers interface {
	Seen(feed, userAgent string)
	Snapshot() []subscribers.Feed
}

var (
	_ publish.Observer = (*Metrics)(nil)
	_ server.Observer  = (*Metrics)(nil)
	_ websub.Observer  = (*Metrics)(nil)
	_ Catalog          = (*catalog.Catalog)(nil)
	_ Subscriptions    = (*catalog.WebSubStore)(nil)
	_ Readers          = (*subscribers.Tracker)(nil)
)

// Config names the sources read at each scrape; any may be nil.
type Config struct {
	Catalog       Catalog
	Subscriptions Subscriptions
	Readers       Readers
	Logger        *slog.Logger
}

// Metrics holds the daemon's collectors. Its methods are safe for concurrent use.
type Metrics struct {
	reg     *prometheus.Registry
	readers Readers

	ingested      *prometheus.CounterVec
	rejections    *prometheus.CounterVec
	latency       prometheus.Histogram
	render        prometheus.Histogram
	requests      *prometheus.CounterVec
	notifications *prometheus.CounterVec
	deliveries    *prometheus.CounterVec
	verifications *prometheus.CounterVec

	// reqs caches the request counter of each (route, status, encoding): the lookup by label
	// values hashes strings, and this is on the path of every poll.
	reqs sync.Map // reqKey -> prometheus.Counter
}

type reqKey struct {
	route  string
	status int
	gzip   bool
}

// New registers every collector on a registry of its own (with the Go runtime and process
// collectors), so that tests and several daemons in one process do not share state.
func New(cfg Config) *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		reg:     reg,
		readers: cfg.Readers,
		ingested: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedpub_ingested_total",
			Help: "Articles the reconciles added, updated, removed or moved, held for their date or released at it.",
		}, []string{"change"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedpub_rejections_total",
			Help: "Article files rejected, by reason.",
		}, []string{"reason"}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "feedpub_file_to_feed_seconds",
			Help:    "Time from a file stopping changing (its last event) to its feeds being served.",
			Buckets: []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 10, 30, 60},
		}),
		render: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "feedpub_render_duration_seconds",
			Help:    "Time to render and swap in every feed and page of one catalog change.",
			Buckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10},
		}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedpub_http_requests_total",
			Help: "HTTP requests answered, by route, status code and content encoding.",
		}, []string{"route", "code", "encoding"}),
		notifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedpub_websub_notifications_total",
			Help: "Publish notifications to external WebSub hubs, by outcome.",
		}, []string{"outcome"}),
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedpub_websub_deliveries_total",
			Help: "Content distributions of the built-in hub to subscribers, by outcome.",
		}, []string{"outcome"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "feedpub_websub_verifications_total",
			Help: "Verifications of intent of the built-in hub, by mode and outcome.",
		}, []string{"mode", "outcome"}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.ingested, m.rejections, m.latency, m.render, m.requests,
		m.notifications, m.deliveries, m.verifications,
		&scraped{cfg: cfg},
	)
	// Zero series for the outcomes that matter, so a dashboard's rate() has a start.
	for _, c := range []string{"added", "updated", "removed", "moved", "held", "released"} {
		m.ingested.WithLabelValues(c)
	}
	return m
}

// Handler serves the registry in the Prometheus text format (or OpenMetrics when asked).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, Timeout: 10 * time.Second})
}

// Reconciled counts what one reconcile did.
func (m *Metrics) Reconciled(rep catalog.Report) {
	add := func(change string, n int) {
		if n > 0 {
			m.ingested.WithLabelValues(change).Add(float64(n))
		}
	}
	add("added", len(rep.Added))
	add("updated", len(rep.Updated))
	add("removed", len(rep.Removed))
	add("moved", len(rep.Moved))
	add("held", len(rep.Held))
	add("released", len(rep.Released))
	for _, r := range rep.Rejected {
		m.rejections.WithLabelValues(r.Reason()).Inc()
	}
}

// Rendered records how long a render took.
func (m *Metrics) Rendered(d time.Duration) { m.render.Observe(d.Seconds()) }

// FileToFeed records the time from a file's first event to its feeds being served.
func (m *Metrics) FileToFeed(d time.Duration) { m.latency.Observe(d.Seconds()) }

// Served counts one HTTP response and hands the User-Agent of a successful poll to the
// readers' tracker, by request path. route is the pattern that matched ("" when none did).
func (m *Metrics) Served(r *http.Request, route string, status int, gzip bool) {
	k := reqKey{route, status, gzip}
	c, ok := m.reqs.Load(k)
	if !ok {
		enc := "identity"
		if gzip {
			enc = "gzip"
		}
		label := route
		if label == "" {
			label = "other"
		}
		c, _ = m.reqs.LoadOrStore(k, m.requests.WithLabelValues(label, strconv.Itoa(status), enc))
	}
	c.(prometheus.Counter).Inc()
	if m.readers != nil && route != "" && (status == http.StatusOK || status == http.StatusNotModified) {
		// By path, not route: a section's feed and the root's are different feeds to readers.
		m.readers.Seen(r.URL.Path, r.UserAgent())
	}
}

// Notified counts a publish notification's outcome.
func (m *Metrics) Notified(outcome string) { m.notifications.WithLabelValues(outcome).Inc() }

// Delivered counts a content distribution's outcome.
func (m *Metrics) Delivered(outcome string) { m.deliveries.WithLabelValues(outcome).Inc() }

// Verified counts a verification of intent's outcome.
func (m *Metrics) Verified(mode, outcome string) {
	m.verifications.WithLabelValues(mode, outcome).Inc()
}

// scraped reads the gauges from their sources at each scrape, so they are never stale and
// cost nothing between scrapes.
type scraped struct{ cfg Config }

var (
	descArticles = prometheus.NewDesc("feedpub_articles", "Articles in the catalog, by state.", []string{"state"}, nil)
	descNextDue  = prometheus.NewDesc("feedpub_next_release_timestamp_seconds", "When the first held article is due, as a Unix time; absent when none is held.", nil, nil)
	descSubs     = prometheus.NewDesc("feedpub_websub_subscriptions", "Subscriptions of the built-in hub, by topic.", []string{"topic"}, nil)
	descReaders  = prometheus.NewDesc("feedpub_reader_subscribers", "Subscribers a hosted reader reported in its User-Agent on its latest poll, by feed and reader.", []string{"feed", "reader"}, nil)
)

func (s *scraped) Describe(ch chan<- *prometheus.Desc) {
	ch <- descArticles
	ch <- descNextDue
	ch <- descSubs
	ch <- descReaders
}

func (s *scraped) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	log := s.cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if s.cfg.Catalog != nil {
		if st, err := s.cfg.Catalog.Stats(ctx); err != nil {
			log.Warn("metrics: catalog stats", "err", err)
		} else {
			for state, n := range map[string]int{"live": st.Live, "removed": st.Removed, "rejected": st.Rejected, "held": st.Held} {
				ch <- prometheus.MustNewConstMetric(descArticles, prometheus.GaugeValue, float64(n), state)
			}
			if !st.NextDue.IsZero() {
				ch <- prometheus.MustNewConstMetric(descNextDue, prometheus.GaugeValue, float64(st.NextDue.Unix()))
			}
		}
	}
	if s.cfg.Subscriptions != nil {
		if counts, err := s.cfg.Subscriptions.SubscriptionCounts(ctx); err != nil {
			log.Warn("metrics: subscription counts", "err", err)
		} else {
			for topic, n := range counts {
				ch <- prometheus.MustNewConstMetric(descSubs, prometheus.GaugeValue, float64(n), topic)
			}
		}
	}
	if s.cfg.Readers != nil {
		for _, f := range s.cfg.Readers.Snapshot() {
			for _, r := range f.Readers {
				ch <- prometheus.MustNewConstMetric(descReaders, prometheus.GaugeValue, float64(r.Subscribers), f.Feed, r.Name)
			}
		}
	}
}

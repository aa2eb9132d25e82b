// Package server publishes prebuilt feed and page Resources over HTTP with validators,
// precompressed gzip and conditional GETs. It holds no files and renders nothing: the daemon
// hands it Snapshots and a Pages source, and it answers the million daily polls from memory.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// ErrNotFound is what a Pages implementation wraps when there is no article for a slug.
var ErrNotFound = errors.New("not found")

// ErrGone is what a Pages implementation wraps when the article existed and was removed: its
// page answers 410 Gone, so that readers and crawlers drop the link instead of retrying it.
var ErrGone = errors.New("gone")

// Pages is what the server needs to serve one article page; the daemon implements it.
// Page returns an error wrapping ErrNotFound when there is no such article, ErrGone when it
// was removed.
type Pages interface {
	Page(ctx context.Context, slug string) (*Resource, error)
}

// Files serves every path that is not fixed: the feeds of sections, authors and tags, archive
// pages, sitemaps. name is the request path without its leading "/" ("" never: that is the
// root index). File returns an error wrapping ErrNotFound when there is no such file.
type Files interface {
	File(ctx context.Context, name string) (*Resource, error)
}

// Validated is a Files that can answer a conditional request without making the file: Stub
// returns the current file's validators (a Resource made by Resource.Stub), or nil when it
// does not know them. The daemon keeps validators of thousands of feeds it does not keep.
type Validated interface {
	Stub(ctx context.Context, name string) *Resource
}

// Health is the body of /healthz, for load balancers and people: 503 until the first render
// is served, 200 after. The daemon fills the catalog's fields (and may set Status); the server
// fills Serving and Version, and Status when the daemon left it empty or failed.
type Health struct {
	Status        string       `json:"status"`         // "ok"; "starting" (503) before the first Swap; "unavailable" (503) when the daemon cannot tell
	Serving       bool         `json:"serving"`        // a Snapshot has been swapped in, so feeds answer 200
	Version       string       `json:"version"`        // of the feedpub binary
	Articles      int          `json:"articles"`       // published articles in the current catalog
	Rejected      int          `json:"rejected"`       // files that could not be published
	LastReconcile *time.Time   `json:"last_reconcile"` // end of the last reconcile; null before the first
	LastError     *HealthError `json:"last_error"`     // the last failed ingest or render; null if none
	Renders       int          `json:"renders"`        // feed renders since start; stuck while reconciles run means trouble
	Held          int          `json:"held"`           // articles dated in the future, waiting for their time
	NextDue       *time.Time   `json:"next_due"`       // when the first held article is due; null when none is

	// Output is the static copy written in the background (a bucket), when there is one.
	Output *OutputHealth `json:"output,omitempty"`
}

// OutputHealth is the state of a static copy that is written behind the served feeds.
type OutputHealth struct {
	Target       string    `json:"target"`                   // e.g. s3://bucket/prefix/
	State        string    `json:"state"`                    // "ok", "pending" (not written yet) or "retrying"
	Seq          int64     `json:"seq"`                      // catalog sequence the copy holds (0: none yet)
	Behind       int64     `json:"behind"`                   // how far, in catalog sequence, the copy lags the served feeds
	LastWrite    time.Time `json:"last_write,omitzero"`      // end of the last successful write
	FailingSince time.Time `json:"failing_since,omitzero"`   // first failure of the current run of failures
	Attempts     int       `json:"failed_attempts,omitzero"` // failures since FailingSince
}

// CacheControl is the Cache-Control value for a response that may be cached for maxAge
// (negative counts as 0): the served feeds' and the static copy's one rule.
func CacheControl(maxAge time.Duration) string {
	return "public, max-age=" + strconv.FormatInt(max(int64(maxAge/time.Second), 0), 10)
}

// HealthError is a failure /healthz reports.
type HealthError struct {
	At    time.Time `json:"at"`
	Error string    `json:"error"`
}

// FilesRoute is the route Observer is given for the paths Config.Files serves (section,
// author and tag feeds, archives, ...) and for unknown paths.
const FilesRoute = "/{path...}"

// Observer is told of every response the server sends; metrics implement it. route is the
// path of the pattern that matched ("/atom.xml", "/articles/{file}", FilesRoute), "" when none
// did (a path refused before routing, a method not allowed); gzip
// says whether the body was sent gzip-encoded. It is called on the request's goroutine
// after the response was written, so it must be quick.
type Observer interface {
	Served(r *http.Request, route string, status int, gzip bool)
}

// HealthFunc reports the daemon's state for /healthz; an error turns the answer into a 503.
type HealthFunc func(ctx context.Context) (Health, error)

// Config tunes a Server. MaxAge and ShutdownTimeout are daemon settings and are taken as
// given (their defaults, DefaultMaxAge and DefaultShutdownTimeout, are what the settings start
// from); zero means what it says. The other limits are no setting: for them a zero value means
// the default named beside it, and a negative value means no limit.
type Config struct {
	MaxAge   time.Duration // Cache-Control max-age; 0 or negative means max-age=0
	Logger   *slog.Logger  // nil discards
	Version  string        // shown by /healthz
	Files    Files         // serves the paths beyond the fixed ones; nil answers them 404
	Observer Observer      // nil observes nothing
	// Routes are more handlers to serve beside the feeds, by ServeMux pattern ("POST /hub",
	// "GET /metrics"), each more specific than "GET /"; they get the same path guard, limits
	// and observer.
	Routes map[string]http.Handler

	ReadHeaderTimeout time.Duration // default 5s: bounds slowloris-style header trickling
	ReadTimeout       time.Duration // default 10s: requests here have no bodies worth waiting for
	WriteTimeout      time.Duration // default 30s: a slow reader fetching a large feed
	IdleTimeout       time.Duration // default 120s: keep-alive for readers polling several feeds
	MaxHeaderBytes    int           // default 16 KiB
	ShutdownTimeout   time.Duration // how long Serve drains in-flight requests; 0 means not at all
}

// Defaults: the first two are where the daemon's max_age and drain settings start; the rest
// are applied by New to zero fields.
const (
	DefaultMaxAge            = 300 * time.Second
	DefaultShutdownTimeout   = 10 * time.Second
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultReadTimeout       = 10 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 16 << 10
)

// retryAfter is how long a reader should wait when asking before the first Snapshot. Short,
// because the first reconcile usually finishes within seconds of startup.
const retryAfter = "10"

// Server serves the current Snapshot and article pages. It is safe for concurrent use.
type Server struct {
	cfg    Config
	log    *slog.Logger
	obs    Observer
	pages  Pages
	health HealthFunc

	cur     atomic.Pointer[served]
	handler http.Handler

	// Constant header values, built once and shared read-only by all responses.
	cacheControl []string
	vary         []string
	nosniff      []string
	csp          []string
	gzipEnc      []string
	closeConn    []string
}

// served is a private copy of a Snapshot's map, swapped in as a whole, so that a caller
// changing its map after Swap cannot change what is served.
type served struct {
	files map[string]*Resource
}

// New returns a Server that answers 503 on feed paths until the first Swap. pages and health
// may be nil: article paths then answer 404, and /healthz reports only what the server knows.
func New(cfg Config, pages Pages, health HealthFunc) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:          cfg,
		log:          cfg.Logger,
		pages:        pages,
		health:       health,
		obs:          cfg.Observer,
		cacheControl: []string{CacheControl(cfg.MaxAge)},
		vary:         []string{"Accept-Encoding"},
		nosniff:      []string{"nosniff"},
		// Pages are rendered articles without scripts; this keeps an injected <script> or
		// form in article HTML inert while still showing remote images and inline styles.
		csp:       []string{"default-src 'none'; img-src * data:; style-src 'unsafe-inline'"},
		gzipEnc:   []string{"gzip"},
		closeConn: []string{"close"},
	}

	mux := http.NewServeMux()
	// "GET" patterns also match HEAD; any other method on these paths gets the mux's 405
	// with "Allow: GET, HEAD".
	mux.Handle("GET /{$}", s.fixed("/"))
	mux.Handle("GET /rss.xml", s.fixed("/rss.xml"))
	mux.Handle("GET /atom.xml", s.fixed("/atom.xml"))
	mux.Handle("GET /feed.json", s.fixed("/feed.json"))
	mux.Handle("GET /favicon.ico", s.fixed("/favicon.ico")) // 404 unless the Snapshot has an icon
	mux.HandleFunc("GET /articles/{file}", s.serveArticle)
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.HandleFunc("GET /", s.serveFile)
	for pattern, h := range cfg.Routes {
		mux.Handle(pattern, h)
	}
	s.handler = s.guard(mux)
	return s
}

// withDefaults fills the zero limits with their defaults.
func (cfg Config) withDefaults() Config {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.ReadHeaderTimeout = orDefault(cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	cfg.ReadTimeout = orDefault(cfg.ReadTimeout, DefaultReadTimeout)
	cfg.WriteTimeout = orDefault(cfg.WriteTimeout, DefaultWriteTimeout)
	cfg.IdleTimeout = orDefault(cfg.IdleTimeout, DefaultIdleTimeout)
	cfg.ShutdownTimeout = max(cfg.ShutdownTimeout, 0)
	if cfg.MaxHeaderBytes <= 0 {
		cfg.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return cfg
}

// orDefault maps 0 to def and negative to 0, which http.Server reads as no limit.
func orDefault(d, def time.Duration) time.Duration {
	switch {
	case d == 0:
		return def
	case d < 0:
		return 0
	}
	return d
}

// Swap makes snap the set of fixed paths served from now on. Requests already running keep
// the set they started with; none sees a mix. A nil snap is ignored.
func (s *Server) Swap(snap *Snapshot) {
	if snap == nil {
		return
	}
	sv := &served{files: make(map[string]*Resource, len(snap.Files))}
	for p, r := range snap.Files {
		if r != nil {
			sv.files[p] = r
		}
	}
	s.cur.Store(sv)
}

// Handler returns the HTTP handler, for tests and for embedding behind another server.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers requests on ln until ctx is done, then stops accepting, waits up to
// Config.ShutdownTimeout for in-flight requests and returns nil. It returns an error when
// the listener fails or the drain deadline passes (remaining connections are then closed).
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	return serve(ctx, ln, s.handler, s.cfg)
}

// ServeHandler serves h on ln as Serve serves the feeds, with cfg's limits, logger and drain:
// for a listener of its own, such as a separate metrics address. cfg's Observer and Routes
// are not used.
func ServeHandler(ctx context.Context, ln net.Listener, h http.Handler, cfg Config) error {
	return serve(ctx, ln, h, cfg.withDefaults())
}

func serve(ctx context.Context, ln net.Listener, h http.Handler, cfg Config) error {
	log := cfg.Logger
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		// net/http reports accept errors, TLS junk and handler panics here; route them
		// through the daemon's logger so they are not lost on stderr.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// Debug: the daemon announces itself; this only confirms the listener handed in.
	log.Debug("http serving", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
	}

	// The drain deadline must not inherit ctx's cancellation, or it would have expired already.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		srv.Close()
		<-errc
		return fmt.Errorf("server: shutdown: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("server: %w", err)
	}
	log.Debug("http drained")
	return nil
}

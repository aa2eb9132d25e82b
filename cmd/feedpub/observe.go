package main

import (
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/config"
	"github.com/feedpub/feedpub/internal/metrics"
	"github.com/feedpub/feedpub/internal/publish"
	"github.com/feedpub/feedpub/internal/server"
	"github.com/feedpub/feedpub/internal/subscribers"
	"github.com/feedpub/feedpub/internal/websub"
)

// The parts wired here, checked against the interfaces their consumers define (metrics checks
// its own).
var (
	_ publish.Notifier = (*websub.Service)(nil)
	_ http.Handler     = (*websub.Service)(nil)
	_ http.Handler     = (*subscribers.Tracker)(nil)
)

// advertisedHubs are the hubs every feed names: the external ones and the built-in hub.
func advertisedHubs(s config.Settings) []string {
	hubs := slices.Clone(s.Hubs)
	if s.HubURL != "" {
		hubs = append(hubs, s.HubURL)
	}
	return hubs
}

// observers are the parts that watch the pipeline and tell others of it: metrics (with the
// readers' subscriber counts) and WebSub, with the routes they add to the main listener and
// the handler for metrics_addr.
type observers struct {
	metrics  *metrics.Metrics // nil when metrics_addr is off
	server   server.Observer  // metrics, or nil
	websub   *websub.Service  // nil without hubs
	routes   map[string]http.Handler
	operator http.Handler // /metrics and /stats
}

func observe(s config.Settings, cat *catalog.Catalog, log *slog.Logger) (observers, error) {
	o := observers{routes: map[string]http.Handler{}}
	tracker := &subscribers.Tracker{}
	operator := http.NewServeMux()
	o.operator = operator
	var wsObs websub.Observer
	if s.MetricsAddr != config.MetricsOff {
		mc := metrics.Config{Catalog: cat, Readers: tracker, Logger: log}
		if s.Hub {
			mc.Subscriptions = cat.WebSub()
		}
		o.metrics = metrics.New(mc)
		o.server, wsObs = o.metrics, o.metrics
		operator.Handle("GET /metrics", o.metrics.Handler())
		operator.Handle("GET /stats", tracker)
		if s.MetricsAddr == "" {
			o.routes["GET /metrics"] = operator
			o.routes["GET /stats"] = operator
		}
	}
	ws, err := newWebSub(s, cat, wsObs, log)
	if err != nil {
		return o, err
	}
	o.websub = ws
	if ws != nil && s.Hub {
		// By method: a pattern for every method would conflict with the server's "GET /".
		// The hub answers GET itself with 405; other methods get the server's 405.
		o.routes["POST /"+config.HubPath] = ws
		o.routes["GET /"+config.HubPath] = ws
	}
	return o, nil
}

// newWebSub makes the WebSub service of the settings, or nil when they name no hub.
func newWebSub(s config.Settings, cat *catalog.Catalog, obs websub.Observer, log *slog.Logger) (*websub.Service, error) {
	if len(s.Hubs) == 0 && !s.Hub {
		return nil, nil
	}
	return websub.New(websub.Config{
		Hubs: s.Hubs, HubURL: s.HubURL, Store: cat.WebSub(),
		Guard: websub.Guard{AllowPrivate: s.HubAllowPrivate},
		Lease: s.HubLease, MaxLease: s.HubMaxLease, MaxSubscriptions: s.HubMaxSubscriptions,
		Observer: obs, Logger: log,
	})
}

// buildFlushTimeout bounds how long build waits for hubs before it exits; what is not sent
// by then stays owed, for the next build or serve.
const buildFlushTimeout = 30 * time.Second

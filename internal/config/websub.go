package config

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/feed"
)

// HubPath is where the built-in hub is served, below the base URL.
const HubPath = "hub"

// MetricsOff is the metrics_addr value that serves no metrics.
const MetricsOff = "off"

// webSubKeys are the WebSub and metrics settings, listed after the others.
var webSubKeys = []key{
	{name: "hubs", arg: "URLS", usage: "WebSub hubs to name in every feed and notify of every change (comma-separated)", set: func(s *Settings, v string) error {
		s.Hubs = nil
		for _, h := range strings.Split(v, ",") {
			if h = strings.TrimSpace(h); h != "" {
				s.Hubs = append(s.Hubs, h)
			}
		}
		return nil
	}, get: func(s *Settings) string { return strings.Join(s.Hubs, ",") }},
	serveOnly(boolKey("hub", "run the built-in WebSub hub at BASE_URL/hub", func(s *Settings) *bool { return &s.Hub })),
	serveOnly(boolKey("hub_allow_private", "let the built-in hub call callbacks on loopback and private networks", func(s *Settings) *bool { return &s.HubAllowPrivate })),
	durKey("hub_lease", "built-in hub: lease of a subscription that asks for none", func(s *Settings) *time.Duration { return &s.HubLease }),
	durKey("hub_max_lease", "built-in hub: longest lease granted", func(s *Settings) *time.Duration { return &s.HubMaxLease }),
	serveOnly(key{name: "hub_max_subscriptions", arg: "N", usage: "built-in hub: most subscriptions held, all feeds together", set: func(s *Settings, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("want a positive whole number")
		}
		s.HubMaxSubscriptions = n
		return nil
	}, get: func(s *Settings) string { return strconv.Itoa(s.HubMaxSubscriptions) }}),
	serveOnly(strKey("metrics_addr", "ADDR", "where /metrics and /stats are served: empty for the main address, an address of their own, or off", func(s *Settings) *string { return &s.MetricsAddr })),
}

// finishWebSub checks the WebSub and metrics settings and derives the built-in hub's URL.
func (s *Settings) finishWebSub() error {
	for i, h := range s.Hubs {
		u, err := feed.HubURL(h)
		if err != nil {
			return fmt.Errorf("%w: hubs %q: %w", ErrInvalid, h, err)
		}
		s.Hubs[i] = u
	}
	s.HubURL = ""
	if s.Hub {
		s.HubURL = s.BaseURL + HubPath
	}
	if s.HubLease <= 0 || s.HubMaxLease <= 0 || s.HubLease > s.HubMaxLease {
		return fmt.Errorf("%w: hub_lease %v and hub_max_lease %v: want positive, the lease no longer than the maximum",
			ErrInvalid, s.HubLease, s.HubMaxLease)
	}
	switch s.MetricsAddr {
	case "", MetricsOff:
	case s.Addr:
		s.MetricsAddr = "" // the same address is the main listener
	default:
		if _, err := net.ResolveTCPAddr("tcp", s.MetricsAddr); err != nil {
			return fmt.Errorf("%w: metrics_addr %q: %v (or empty for addr, or off)", ErrInvalid, s.MetricsAddr, err)
		}
	}
	return nil
}

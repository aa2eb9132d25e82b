package websub

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrForbiddenAddress is wrapped when a callback URL, or the address a request to it would
// connect to, is one the hub refuses to call.
var ErrForbiddenAddress = errors.New("address not allowed")

// MaxURLLength bounds a callback URL; real ones are far shorter, and the hub stores each.
const MaxURLLength = 2048

// Guard decides which URLs a hub that calls strangers' URLs may call. The zero value refuses
// every address that is not public unicast: loopback, private, link-local, shared (CGNAT),
// documentation, benchmarking and reserved ranges, multicast and the unspecified address.
// AllowPrivate admits the loopback, private, link-local and shared ranges (tests and closed
// networks need it); multicast, broadcast and unspecified addresses are refused whatever it says.
type Guard struct {
	AllowPrivate bool
	// Resolver looks names up when a callback is checked; nil means net.DefaultResolver.
	Resolver interface {
		LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
	}
}

// nonPublic are the IPv4 and IPv6 ranges that no public callback lives in.
var nonPublic = func() []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
		"172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16",
		"198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24", "240.0.0.0/4",
		"::/128", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/23",
		"2001:db8::/32", "2002::/16", "fc00::/7", "fe80::/10", "fec0::/10",
	} {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}()

// AllowedIP reports whether the guard lets a request connect to ip.
func (g Guard) AllowedIP(ip netip.Addr) bool {
	ip = ip.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	if !ip.IsValid() || ip.IsUnspecified() || ip.IsMulticast() || ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return false
	}
	if g.AllowPrivate {
		return true
	}
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}

// CheckURL parses a callback URL and refuses what the hub will not call: other schemes than
// http and https, user info, over-long URLs, fragments, and hosts that are (or resolve to)
// addresses AllowedIP refuses. The check at dial time (Client) still applies: a name may
// resolve differently when it is called.
func (g Guard) CheckURL(ctx context.Context, raw string) (*url.URL, error) {
	if len(raw) > MaxURLLength {
		return nil, fmt.Errorf("URL is %d bytes, longer than %d", len(raw), MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("URL %q does not parse", raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("URL %q: only http and https are allowed", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("URL %q: user info is not allowed", raw)
	}
	if u.Fragment != "" || u.Opaque != "" {
		return nil, fmt.Errorf("URL %q: not an absolute URL without a fragment", raw)
	}
	host := u.Hostname()
	if host == "" {
		return nil, fmt.Errorf("URL %q has no host", raw)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		if ip.Zone() != "" || !g.AllowedIP(ip) {
			return nil, fmt.Errorf("URL %q: %w: %s", raw, ErrForbiddenAddress, host)
		}
		return u, nil
	}
	if numericHost(host) {
		// "127.1", "2130706433", "0x7f.1": the C resolver reads these as IPv4 addresses.
		return nil, fmt.Errorf("URL %q: %w: %s is not a canonical address", raw, ErrForbiddenAddress, host)
	}
	lower := strings.ToLower(strings.TrimSuffix(host, "."))
	if !g.AllowPrivate && (lower == "localhost" || strings.HasSuffix(lower, ".localhost")) {
		return nil, fmt.Errorf("URL %q: %w: %s", raw, ErrForbiddenAddress, host)
	}
	res := g.Resolver
	if res == nil {
		res = net.DefaultResolver
	}
	lctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	ips, err := res.LookupNetIP(lctx, "ip", host)
	if err != nil || len(ips) == 0 {
		return nil, fmt.Errorf("URL %q: host %s does not resolve", raw, host)
	}
	for _, ip := range ips {
		if !g.AllowedIP(ip) {
			return nil, fmt.Errorf("URL %q: %w: %s resolves to %s", raw, ErrForbiddenAddress, host, ip)
		}
	}
	return u, nil
}

// numericHost reports whether host is one to four dot-separated numbers in decimal, octal or
// 0x hex: the shapes inet_aton (and so the C resolver) reads as an IPv4 address.
func numericHost(host string) bool {
	parts := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(parts) > 4 {
		return false
	}
	for _, p := range parts {
		digits := "0123456789"
		if len(p) >= 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') {
			p, digits = p[2:], "0123456789abcdefABCDEF"
			if p == "" {
				continue // "0x" alone is zero to inet_aton
			}
		}
		if p == "" || strings.Trim(p, digits) != "" {
			return false
		}
	}
	return true
}

// control runs after a name has been resolved and before each connection is made, so a name
// that resolved to a public address when it was checked and to 127.0.0.1 now (DNS
// rebinding) is still refused.
func (g Guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("dial %s: %w: unparseable address", address, ErrForbiddenAddress)
	}
	if !g.AllowedIP(ap.Addr()) {
		return fmt.Errorf("dial %s: %w", address, ErrForbiddenAddress)
	}
	return nil
}

// Client returns an HTTP client that calls only addresses the guard allows, checked at dial
// time, ignores proxy settings (a proxy would make the dialled address the proxy's), follows
// no redirect (a redirect is another URL nobody checked) and gives up after timeout.
func (g Guard) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: min(timeout, 5*time.Second), Control: g.control}
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            d.DialContext,
		TLSHandshakeTimeout:    min(timeout, 5*time.Second),
		ResponseHeaderTimeout:  timeout,
		MaxIdleConns:           16,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        30 * time.Second,
		MaxResponseHeaderBytes: 16 << 10,
	}
	return &http.Client{
		Transport: tr,
		Timeout:   timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

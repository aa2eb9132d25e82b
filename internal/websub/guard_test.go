package websub

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// fakeResolver answers every name with the same addresses, as a DNS server under an
// attacker's control would.
type fakeResolver []netip.Addr

func (f fakeResolver) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	if len(f) == 0 {
		return nil, errors.New("no such host")
	}
	return f, nil
}

func TestGuardRefusesEachNonPublicAddress(t *testing.T) {
	refused := []string{
		"127.0.0.1", "127.255.255.254", "0.0.0.0", "0.1.2.3", "10.0.0.1", "100.64.0.1", "169.254.169.254",
		"172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1", "192.168.1.1", "198.18.0.1", "198.51.100.7",
		"203.0.113.9", "224.0.0.1", "240.0.0.1", "255.255.255.255",
		"::", "::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::7f00:1", "2001:db8::1", "2002:7f00:1::1",
		"fc00::1", "fd12:3456::1", "fe80::1", "fec0::1", "ff02::1",
	}
	for _, s := range refused {
		if (Guard{}).AllowedIP(netip.MustParseAddr(s)) {
			t.Errorf("%s allowed", s)
		}
	}
	for _, s := range []string{"93.184.215.14", "8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450:4001:82a::200e"} {
		if !(Guard{}).AllowedIP(netip.MustParseAddr(s)) {
			t.Errorf("public %s refused", s)
		}
	}
	// AllowPrivate opens the private ranges, never multicast, broadcast or unspecified.
	for _, s := range []string{"127.0.0.1", "10.0.0.1", "fe80::1", "::1"} {
		if !(Guard{AllowPrivate: true}).AllowedIP(netip.MustParseAddr(s)) {
			t.Errorf("AllowPrivate refused %s", s)
		}
	}
	for _, s := range []string{"0.0.0.0", "::", "224.0.0.1", "ff02::1", "255.255.255.255"} {
		if (Guard{AllowPrivate: true}).AllowedIP(netip.MustParseAddr(s)) {
			t.Errorf("AllowPrivate allowed %s", s)
		}
	}
}

func TestGuardCheckURL(t *testing.T) {
	ctx := context.Background()
	public := Guard{Resolver: fakeResolver{netip.MustParseAddr("93.184.215.14")}}
	cases := []struct {
		url, why string
		g        Guard
	}{
		{"ftp://reader.example/cb", "only http and https", public},
		{"file:///etc/passwd", "only http and https", public},
		{"gopher://reader.example/", "only http and https", public},
		{"javascript:alert(1)", "only http and https", public},
		{"//reader.example/cb", "only http and https", public},
		{"http://user:pw@reader.example/cb", "user info", public},
		{"http:///cb", "no host", public},
		{"http://reader.example/cb#frag", "fragment", public},
		{"http://" + strings.Repeat("a", MaxURLLength) + ".example/", "longer than", public},
		{"http://127.0.0.1:8080/cb", "not allowed", public},
		{"http://[::1]/cb", "not allowed", public},
		{"http://[::ffff:127.0.0.1]/cb", "not allowed", public},
		{"http://10.1.2.3/cb", "not allowed", public},
		{"http://192.168.0.10/cb", "not allowed", public},
		{"http://172.20.0.1/cb", "not allowed", public},
		{"http://169.254.169.254/latest/meta-data/", "not allowed", public},
		{"http://[fe80::1%25eth0]/cb", "not allowed", public},
		{"http://[fd00::1]/cb", "not allowed", public},
		{"http://0.0.0.0/cb", "not allowed", public},
		{"http://127.1/cb", "not a canonical address", public},
		{"http://2130706433/cb", "not a canonical address", public},
		{"http://0x7f000001/cb", "not a canonical address", public},
		{"http://0177.0.0.1/cb", "not a canonical address", public},
		{"http://localhost/cb", "not allowed", public},
		{"http://LOCALHOST./cb", "not allowed", public},
		{"http://app.localhost/cb", "not allowed", public},
		{"http://rebind.example/cb", "resolves to 127.0.0.1", Guard{Resolver: fakeResolver{netip.MustParseAddr("127.0.0.1")}}},
		{"http://mixed.example/cb", "resolves to 10.0.0.1", Guard{Resolver: fakeResolver{netip.MustParseAddr("93.184.215.14"), netip.MustParseAddr("10.0.0.1")}}},
		{"http://nowhere.example/cb", "does not resolve", Guard{Resolver: fakeResolver{}}},
	}
	for _, c := range cases {
		_, err := c.g.CheckURL(ctx, c.url)
		if err == nil || !strings.Contains(err.Error(), c.why) {
			t.Errorf("CheckURL(%.60q) = %v, want an error saying %q", c.url, err, c.why)
		}
	}
	for _, ok := range []string{"https://reader.example/websub/cb?id=42", "http://93.184.215.14:8080/cb", "http://cafe.example/", "http://1e100.example/", "http://123.example/"} {
		if _, err := public.CheckURL(ctx, ok); err != nil {
			t.Errorf("CheckURL(%q): %v", ok, err)
		}
	}
	if _, err := (Guard{AllowPrivate: true}).CheckURL(ctx, "http://127.0.0.1:9/cb"); err != nil {
		t.Errorf("AllowPrivate refused loopback: %v", err)
	}
}

// TestGuardClientRefusesAtDialTime: a name that passed the check (or never went through it)
// and now resolves to a forbidden address is refused when the connection is made, so DNS
// rebinding gets nowhere.
func TestGuardClientRefusesAtDialTime(t *testing.T) {
	hit := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit = true }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	c := Guard{}.Client(2 * time.Second)
	// "localhost" resolves through /etc/hosts to loopback: the dialled address is refused.
	for _, u := range []string{srv.URL, "http://localhost:" + port + "/"} {
		resp, err := c.Get(u)
		if err == nil {
			resp.Body.Close()
			t.Errorf("GET %s succeeded through the guard", u)
		} else if !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("GET %s: %v, want ErrForbiddenAddress", u, err)
		}
	}
	if hit {
		t.Error("the guarded client reached a loopback server")
	}
	resp, err := Guard{AllowPrivate: true}.Client(2 * time.Second).Get(srv.URL)
	if err != nil {
		t.Fatalf("AllowPrivate client: %v", err)
	}
	resp.Body.Close()
	if !hit {
		t.Error("AllowPrivate client did not reach the server")
	}
}

// TestGuardClientFollowsNoRedirect: a redirect is a URL nobody checked.
func TestGuardClientFollowsNoRedirect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/next" {
			t.Error("redirect followed")
		}
		http.Redirect(w, r, "/next", http.StatusFound)
	}))
	defer srv.Close()
	resp, err := Guard{AllowPrivate: true}.Client(2 * time.Second).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("status %d, want the 302 itself", resp.StatusCode)
	}
}

// TestGuardClientTimesOut: a callback that never answers costs at most the timeout.
func TestGuardClientTimesOut(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	start := time.Now()
	resp, err := Guard{AllowPrivate: true}.Client(200 * time.Millisecond).Get(srv.URL)
	if err == nil {
		resp.Body.Close()
		t.Fatal("no timeout")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

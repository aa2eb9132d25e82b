package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/feedcheck"
	"github.com/feedpub/feedpub/internal/testfix"
)

// fakeHub is an external WebSub hub: it counts the publish notifications it accepts per
// topic (hub.url), and answers 503 while down.
type fakeHub struct {
	*httptest.Server
	mu    sync.Mutex
	down  bool
	tries int
	got   map[string]int
}

func newFakeHub(t *testing.T) *fakeHub {
	h := &fakeHub{got: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		h.mu.Lock()
		defer h.mu.Unlock()
		h.tries++
		if r.Method != http.MethodPost || r.PostForm.Get("hub.mode") != "publish" || r.PostForm.Get("hub.url") == "" {
			t.Errorf("hub got %s %v", r.Method, r.PostForm)
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		if h.down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		h.got[r.PostForm.Get("hub.url")]++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *fakeHub) counts() map[string]int {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]int{}
	for k, v := range h.got {
		out[k] = v
	}
	return out
}

func (h *fakeHub) attempts() int { h.mu.Lock(); defer h.mu.Unlock(); return h.tries }

func topics(base string) []string {
	return []string{base + "/rss.xml", base + "/atom.xml", base + "/feed.json"}
}

// TestWebSubExternalHub: a hub in the hubs setting is named by every feed and receives exactly
// one publish notification per changed topic.
func TestWebSubExternalHub(t *testing.T) {
	hub := newFakeHub(t)
	dir := t.TempDir()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	d := startDaemon(t, dir, t.TempDir()+"/state.db", "--hubs", hub.URL+"/")
	tp := topics(d.base)
	// The first render is the first the hub hears of each topic.
	waitFor(t, 5*time.Second, "one notification per topic at start", func() bool {
		c := hub.counts()
		return c[tp[0]] == 1 && c[tp[1]] == 1 && c[tp[2]] == 1
	})
	resp, body := d.get("/atom.xml")
	if l := resp.Header.Get("Link"); !strings.Contains(l, "<"+hub.URL+`/>; rel="hub"`) || !strings.Contains(l, "<"+d.base+`/atom.xml>; rel="self"`) {
		t.Errorf("atom.xml Link header %q", l)
	}
	if !strings.Contains(string(body), `<link href="`+hub.URL+`/" rel="hub"></link>`) {
		t.Errorf("atom.xml names no hub:\n%.600s", body)
	}
	drop(t, dir, "note.txt", []byte("A second note\n\nIt changes every feed."))
	waitFor(t, 5*time.Second, "one more notification per topic", func() bool {
		c := hub.counts()
		return c[tp[0]] == 2 && c[tp[1]] == 2 && c[tp[2]] == 2
	})
	// An event that changes no feed's bytes notifies no one.
	drop(t, dir, "note.txt", []byte("A second note\n\nIt changes every feed."))
	time.Sleep(time.Second)
	for _, topic := range tp {
		if n := hub.counts()[topic]; n != 2 {
			t.Errorf("%s: %d notifications, want exactly 2 (start and one change)", topic, n)
		}
	}
	// The seed's author has a feed of its own, another topic; the note (by no one) left it as
	// it was, so its hub heard of it once.
	for _, topic := range topics(d.base + "/authors/na-ri-shin") {
		if n := hub.counts()[topic]; n != 1 {
			t.Errorf("%s: %d notifications, want 1", topic, n)
		}
	}
}

// TestWebSubOwedAcrossKill: a notification the hub has not accepted when feedpub is killed
// with SIGKILL is sent after the restart, once per topic.
func TestWebSubOwedAcrossKill(t *testing.T) {
	hub := newFakeHub(t)
	dir, state := t.TempDir(), t.TempDir()+"/state.db"
	// The topics are the base URL's feeds; both daemons publish the same ones.
	const base = "http://news.example.test"
	tp := topics(base)
	args := []string{"--hubs", hub.URL, "--base-url", base + "/"}
	d := startDaemon(t, dir, state, args...)
	waitFor(t, 5*time.Second, "notifications at start", func() bool { return len(hub.counts()) == 3 })
	hub.mu.Lock()
	hub.down = true
	hub.mu.Unlock()
	before := hub.attempts()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	waitFor(t, 5*time.Second, "a refused notification", func() bool { return hub.attempts() >= before+3 })
	d.stop(syscall.SIGKILL)
	hub.mu.Lock()
	hub.down = false
	hub.mu.Unlock()
	startDaemon(t, dir, state, args...)
	waitFor(t, 10*time.Second, "the owed notifications after the restart", func() bool {
		c := hub.counts()
		return c[tp[0]] == 2 && c[tp[1]] == 2 && c[tp[2]] == 2
	})
	time.Sleep(500 * time.Millisecond)
	for _, topic := range tp {
		if n := hub.counts()[topic]; n != 2 {
			t.Errorf("%s: %d notifications accepted, want 2", topic, n)
		}
	}
}

// linkRE reads one link-value of an HTTP Link header (RFC 8288): <URI> and its rel.
var linkRE = regexp.MustCompile(`<([^>]*)>\s*;\s*rel="?([^";,]+)"?`)

// discover finds a topic's hub and self URL the way WebSub §4 says a subscriber must: from
// the Link headers of the topic's response.
func discover(t *testing.T, topicURL string) (hub, self string) {
	t.Helper()
	resp, err := http.Get(topicURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, v := range resp.Header.Values("Link") {
		for _, m := range linkRE.FindAllStringSubmatch(v, -1) {
			switch m[2] {
			case "hub":
				hub = m[1]
			case "self":
				self = m[1]
			}
		}
	}
	if hub == "" || self == "" {
		t.Fatalf("%s: no hub or self in Link %q", topicURL, resp.Header.Values("Link"))
	}
	return hub, self
}

// subscriber is a WebSub subscriber written from the W3C Recommendation: it sends a
// subscription request (§5.1), confirms only the intent it has (§5.3), and accepts content
// distributions (§7) whose X-Hub-Signature is the HMAC of the body under its secret (§8).
type subscriber struct {
	*httptest.Server
	t      *testing.T
	topic  string
	secret string

	mu         sync.Mutex
	pending    map[string]bool // modes it asked for and not yet had verified
	verified   []url.Values
	deliveries []delivery
}

type delivery struct {
	at          time.Time
	body        []byte
	contentType string
	link        string
	signed      bool
}

func newSubscriber(t *testing.T, topic, secret string) *subscriber {
	s := &subscriber{t: t, topic: topic, secret: secret, pending: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *subscriber) serve(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		s.mu.Lock()
		ok := q.Get("hub.topic") == s.topic && s.pending[q.Get("hub.mode")] && q.Get("hub.challenge") != ""
		if ok {
			delete(s.pending, q.Get("hub.mode"))
			s.verified = append(s.verified, q)
		}
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r) // §5.3.1: not an intent of ours
			return
		}
		io.WriteString(w, q.Get("hub.challenge"))
	case http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		d := delivery{at: time.Now(), body: body, contentType: r.Header.Get("Content-Type"), link: strings.Join(r.Header.Values("Link"), ", ")}
		if s.secret != "" {
			sig, ok := strings.CutPrefix(r.Header.Get("X-Hub-Signature"), "sha256=")
			m := hmac.New(sha256.New, []byte(s.secret))
			m.Write(body)
			d.signed = ok && hmac.Equal([]byte(sig), []byte(hex.EncodeToString(m.Sum(nil))))
		}
		s.mu.Lock()
		s.deliveries = append(s.deliveries, d)
		s.mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}
}

// request sends a subscription request to hub and returns the answer.
func (s *subscriber) request(hub, mode string, extra url.Values) (int, string) {
	s.t.Helper()
	form := url.Values{"hub.mode": {mode}, "hub.topic": {s.topic}, "hub.callback": {s.URL + "/cb"}}
	if s.secret != "" && mode == "subscribe" {
		form.Set("hub.secret", s.secret)
	}
	for k, v := range extra {
		form[k] = v
	}
	s.mu.Lock()
	s.pending[mode] = true
	s.mu.Unlock()
	resp, err := http.PostForm(hub, form)
	if err != nil {
		s.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

func (s *subscriber) nVerified() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.verified) }

func (s *subscriber) got() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivery(nil), s.deliveries...)
}

func startHubDaemon(t *testing.T, dir, state string, args ...string) *daemon {
	return startDaemon(t, dir, state, append([]string{"--hub", "--hub-allow-private"}, args...)...)
}

// TestWebSubBuiltInHub: a subscriber discovers the built-in hub, subscribes, sees the
// verification, and receives the new feed body, signed, when an article is dropped in.
func TestWebSubBuiltInHub(t *testing.T) {
	dir := t.TempDir()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	d := startHubDaemon(t, dir, t.TempDir()+"/state.db")
	hub, self := discover(t, d.base+"/atom.xml")
	if hub != d.base+"/hub" || self != d.base+"/atom.xml" {
		t.Fatalf("discovered hub %q, self %q", hub, self)
	}
	sub := newSubscriber(t, self, "correct horse battery staple")
	if code, body := sub.request(hub, "subscribe", nil); code != http.StatusAccepted {
		t.Fatalf("subscribe: %d %s", code, body)
	}
	waitFor(t, 5*time.Second, "verification of intent", func() bool { return sub.nVerified() == 1 })
	if q := sub.verified[0]; q.Get("hub.mode") != "subscribe" || q.Get("hub.lease_seconds") != "864000" {
		t.Errorf("verification %v", q)
	}
	waitFor(t, 2*time.Second, "subscription in /metrics", func() bool {
		v, _ := scrape(t, d).Value("feedpub_websub_subscriptions", "topic", self)
		return v == 1
	})
	drop(t, dir, "late.txt", []byte("Late news for subscribers\n\nPushed, not polled."))
	waitFor(t, 5*time.Second, "content distribution", func() bool { return len(sub.got()) == 1 })
	got := sub.got()[0]
	if !got.signed {
		t.Error("delivery without a valid X-Hub-Signature")
	}
	if got.contentType != "application/atom+xml; charset=utf-8" || !strings.Contains(got.link, "<"+hub+`>; rel="hub"`) ||
		!strings.Contains(got.link, "<"+self+`>; rel="self"`) {
		t.Errorf("delivery Content-Type %q, Link %q", got.contentType, got.link)
	}
	if _, served := d.get("/atom.xml"); string(served) != string(got.body) {
		t.Error("the delivered body is not the served feed")
	}
	if !strings.Contains(string(got.body), "Late news for subscribers") {
		t.Errorf("delivered feed lacks the new article")
	}
	if v, _ := scrape(t, d).Value("feedpub_websub_deliveries_total", "outcome", "sent"); v != 1 {
		t.Errorf("deliveries sent per /metrics: %v", v)
	}

	// Unsubscribed: verified again, and nothing more is delivered.
	if code, body := sub.request(hub, "unsubscribe", nil); code != http.StatusAccepted {
		t.Fatalf("unsubscribe: %d %s", code, body)
	}
	waitFor(t, 5*time.Second, "unsubscribe verified", func() bool { return sub.nVerified() == 2 })
	// The verification's answer is applied after it is read: wait until the hub counts it.
	waitFor(t, 5*time.Second, "subscription gone from /metrics", func() bool {
		v, _ := scrape(t, d).Value("feedpub_websub_subscriptions", "topic", self)
		return v == 0
	})
	drop(t, dir, "later.txt", []byte("Later news\n\nNobody is told."))
	waitFor(t, 5*time.Second, "the feed with the later article", func() bool { return hasTitle(d.feed("/atom.xml"), "Later news") })
	time.Sleep(500 * time.Millisecond)
	if n := len(sub.got()); n != 1 {
		t.Errorf("%d deliveries after unsubscribing, want 1", n)
	}
}

// TestWebSubLeaseExpiry: a subscription whose lease has ended gets no more deliveries.
func TestWebSubLeaseExpiry(t *testing.T) {
	dir := t.TempDir()
	d := startHubDaemon(t, dir, t.TempDir()+"/state.db")
	hub, self := discover(t, d.base+"/rss.xml")
	sub := newSubscriber(t, self, "")
	if code, body := sub.request(hub, "subscribe", url.Values{"hub.lease_seconds": {"2"}}); code != http.StatusAccepted {
		t.Fatalf("subscribe: %d %s", code, body)
	}
	waitFor(t, 5*time.Second, "verification", func() bool { return sub.nVerified() == 1 })
	if got := sub.verified[0].Get("hub.lease_seconds"); got != "2" {
		t.Fatalf("lease %s s, want 2", got)
	}
	drop(t, dir, "a.txt", []byte("Within the lease\n\nDelivered."))
	waitFor(t, 5*time.Second, "delivery within the lease", func() bool { return len(sub.got()) == 1 })
	time.Sleep(2500 * time.Millisecond)
	drop(t, dir, "b.txt", []byte("After the lease\n\nNot delivered."))
	waitFor(t, 5*time.Second, "the feed with the second article", func() bool { return hasTitle(d.feed("/rss.xml"), "After the lease") })
	time.Sleep(time.Second)
	if n := len(sub.got()); n != 1 {
		t.Errorf("%d deliveries, want 1: the lease had ended", n)
	}
}

// TestWebSubSSRFGuards: without hub_allow_private the built-in hub refuses, with a 400 that
// says why, every callback on an address that is not public, and never calls it.
func TestWebSubSSRFGuards(t *testing.T) {
	called := false
	victim := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { called = true }))
	defer victim.Close()
	_, port, _ := strings.Cut(strings.TrimPrefix(victim.URL, "http://"), ":")
	d := startDaemon(t, t.TempDir(), t.TempDir()+"/state.db", "--hub")
	hub, self := discover(t, d.base+"/atom.xml")
	for _, cb := range []string{
		victim.URL + "/cb",
		"http://localhost:" + port + "/cb",
		"http://[::1]:" + port + "/cb",
		"http://[::ffff:127.0.0.1]:" + port + "/cb",
		"http://0.0.0.0:" + port + "/cb",
		"http://2130706433:" + port + "/cb",
		"http://127.1:" + port + "/cb",
		"http://10.0.0.1/cb",
		"http://172.16.5.4/cb",
		"http://192.168.0.1/cb",
		"http://100.64.0.1/cb",
		"http://169.254.169.254/latest/meta-data/",
		"http://[fe80::1]/cb",
		"http://[fd00::1]/cb",
		"ftp://example.org/cb",
		"file:///etc/passwd",
		"http://user:pw@example.org/cb",
	} {
		resp, err := http.PostForm(hub, url.Values{"hub.mode": {"subscribe"}, "hub.topic": {self}, "hub.callback": {cb}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), "hub.callback") {
			t.Errorf("callback %s: %d %q, want 400 naming hub.callback", cb, resp.StatusCode, b)
		}
	}
	for _, c := range []struct {
		form url.Values
		why  string
	}{
		{url.Values{"hub.mode": {"subscribe"}, "hub.topic": {"https://elsewhere.example/feed"}, "hub.callback": {"https://example.org/cb"}}, "not a topic"},
		{url.Values{"hub.mode": {"subscribe"}, "hub.topic": {self}, "hub.callback": {"https://example.org/" + strings.Repeat("x", 3000)}}, "longer than"},
		{url.Values{"hub.mode": {"subscribe"}, "hub.topic": {self}, "hub.callback": {"https://93.184.215.14/cb"}, "hub.secret": {strings.Repeat("s", 200)}}, "hub.secret"},
		{url.Values{"hub.mode": {"subscribe"}, "hub.topic": {self}, "hub.callback": {"https://93.184.215.14/cb"}, "hub.lease_seconds": {"soon"}}, "hub.lease_seconds"},
		{url.Values{"hub.mode": {"watch"}}, "hub.mode"},
	} {
		resp, err := http.PostForm(hub, c.form)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), c.why) {
			t.Errorf("%.80v: %d %q, want 400 saying %q", c.form, resp.StatusCode, b, c.why)
		}
	}
	if resp, _ := http.Get(hub); resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET %s: %d, want 405", hub, resp.StatusCode)
	}
	time.Sleep(200 * time.Millisecond)
	if called {
		t.Error("the hub called a loopback callback")
	}
}

// TestWebSubThirdPartySubscriber: the npm package pubsubhubbub, a subscriber nobody here wrote,
// subscribes at the built-in hub and receives the new feed when an article is dropped in.
func TestWebSubThirdPartySubscriber(t *testing.T) {
	dir := t.TempDir()
	d := startHubDaemon(t, dir, t.TempDir()+"/state.db")
	hub, self := discover(t, d.base+"/feed.json")
	feedcheck.PubSubHubbub(t, hub, self, func(t *testing.T, s *feedcheck.NodeSubscriber) {
		drop(t, dir, "pushed.txt", []byte("Pushed to a third party\n\nBy the built-in hub."))
		e := s.Next(t, "feed", 10*time.Second)
		if e.Topic != self || e.ContentType != "application/feed+json; charset=utf-8" || !strings.Contains(e.Body, "Pushed to a third party") {
			t.Errorf("feed event: topic %q, type %q, body %.200q", e.Topic, e.ContentType, e.Body)
		}
	})
}

// TestWebSubBuild: feedpub build tells the hubs of the feeds it changed before it exits, and a
// build that changes nothing tells them nothing.
func TestWebSubBuild(t *testing.T) {
	hub := newFakeHub(t)
	dir, out, state := t.TempDir(), t.TempDir(), t.TempDir()+"/state.db"
	const base = "https://news.example.org/feeds"
	build := func() {
		t.Helper()
		cmd := exec.Command(binary, "build", "--dir", dir, "--out", out, "--state", state,
			"--base-url", base+"/", "--hubs", hub.URL, "--log-format", "json")
		cmd.Dir = t.TempDir()
		cmd.Env = append(os.Environ(), "FEEDPUB_CONFIG=")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, b)
		}
	}
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	build()
	tp := topics(base)
	for _, topic := range tp {
		if n := hub.counts()[topic]; n != 1 {
			t.Errorf("after the first build %s: %d notifications, want 1", topic, n)
		}
	}
	atom, _ := os.ReadFile(filepath.Join(out, "atom.xml"))
	if !strings.Contains(string(atom), `href="`+hub.URL+`" rel="hub"`) {
		t.Errorf("built atom.xml names no hub")
	}
	build()
	drop(t, dir, "note.txt", []byte("A note\n\nA change."))
	build()
	for _, topic := range tp {
		if n := hub.counts()[topic]; n != 2 {
			t.Errorf("after three builds, one without change, %s: %d notifications, want 2", topic, n)
		}
	}
}

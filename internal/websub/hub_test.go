package websub_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/websub"
	"github.com/feedpub/feedpub/internal/websub/websubtest"
)

// subscriber is a WebSub subscriber written from the Recommendation (§5.1, §5.3, §7, §8):
// it asks the hub to subscribe, confirms the verification by echoing hub.challenge for the
// topic it asked for, and checks each content distribution's X-Hub-Signature.
type subscriber struct {
	*httptest.Server
	t      *testing.T
	secret string
	topic  string
	status int // answer to deliveries; 0 means 202

	mu       sync.Mutex
	verified []url.Values
	bodies   [][]byte
	headers  []http.Header
}

func newSubscriber(t *testing.T, topic, secret string) *subscriber {
	s := &subscriber{t: t, topic: topic, secret: secret}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

func (s *subscriber) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch r.Method {
	case http.MethodGet:
		q := r.URL.Query()
		if q.Get("hub.topic") != s.topic || q.Get("hub.challenge") == "" {
			http.NotFound(w, r) // not an intent we have
			return
		}
		s.verified = append(s.verified, q)
		io.WriteString(w, q.Get("hub.challenge"))
	case http.MethodPost:
		body, _ := io.ReadAll(r.Body)
		if s.secret != "" {
			sig, ok := strings.CutPrefix(r.Header.Get("X-Hub-Signature"), "sha256=")
			m := hmac.New(sha256.New, []byte(s.secret))
			m.Write(body)
			want := hex.EncodeToString(m.Sum(nil))
			if !ok || !hmac.Equal([]byte(sig), []byte(want)) {
				s.t.Errorf("delivery with a bad signature %q", r.Header.Get("X-Hub-Signature"))
				w.WriteHeader(http.StatusAccepted) // §8: accept, but ignore the content
				return
			}
		}
		s.bodies = append(s.bodies, body)
		s.headers = append(s.headers, r.Header.Clone())
		if s.status != 0 {
			w.WriteHeader(s.status)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	}
}

func (s *subscriber) deliveries() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.bodies) }

// request posts a subscription request to the hub handler and returns the status and body.
func request(t *testing.T, hub http.Handler, form url.Values) (int, string) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, hubURL, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w := httptest.NewRecorder()
	hub.ServeHTTP(w, r)
	return w.Code, w.Body.String()
}

func subscribe(cb, topic, secret string) url.Values {
	v := url.Values{"hub.mode": {"subscribe"}, "hub.topic": {topic}, "hub.callback": {cb}}
	if secret != "" {
		v.Set("hub.secret", secret)
	}
	return v
}

func hubConfig(store websub.Store, obs websub.Observer) websub.Config {
	return websub.Config{HubURL: hubURL, Store: store, Guard: websub.Guard{AllowPrivate: true}, Observer: obs}
}

func TestHubSubscribeVerifyDeliver(t *testing.T) {
	obs := &counter{}
	s := start(t, hubConfig(nil, obs))
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("<feed>old</feed>"))
	sub := newSubscriber(t, topicAtom, "a very secret secret")
	if code, body := request(t, s, subscribe(sub.URL+"/cb?id=7", topicAtom, sub.secret)); code != http.StatusAccepted {
		t.Fatalf("subscribe: %d %s", code, body)
	}
	eventually(t, "verification", func() bool { return obs.get("subscribe verified") == 1 })
	q := sub.verified[0]
	if q.Get("hub.mode") != "subscribe" || q.Get("hub.lease_seconds") != "864000" || q.Get("id") != "7" {
		t.Errorf("verification query %v", q)
	}
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("<feed>new</feed>"))
	eventually(t, "delivery", func() bool { return sub.deliveries() == 1 })
	h := sub.headers[0]
	if string(sub.bodies[0]) != "<feed>new</feed>" || h.Get("Content-Type") != ctAtom || h.Get("Link") != linkAtom {
		t.Errorf("delivery %q with headers %v", sub.bodies[0], h)
	}
	if obs.get("deliver sent") != 1 {
		t.Errorf("observer: %v", obs.n)
	}
	// A subscriber of another topic gets nothing; an unchanged body is not delivered again.
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("<feed>new</feed>"))
	time.Sleep(100 * time.Millisecond)
	if n := sub.deliveries(); n != 1 {
		t.Errorf("%d deliveries, want 1", n)
	}

	// Unsubscribe: verified, then no more deliveries.
	unsub := url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {topicAtom}, "hub.callback": {sub.URL + "/cb?id=7"}}
	if code, body := request(t, s, unsub); code != http.StatusAccepted {
		t.Fatalf("unsubscribe: %d %s", code, body)
	}
	eventually(t, "unsubscribe verified", func() bool { return obs.get("unsubscribe verified") == 1 })
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("<feed>newer</feed>"))
	time.Sleep(100 * time.Millisecond)
	if n := sub.deliveries(); n != 1 {
		t.Errorf("%d deliveries after unsubscribing, want 1", n)
	}
}

func TestHubSubscriberThatDoesNotConfirm(t *testing.T) {
	obs := &counter{}
	store := websubtest.NewMemStore()
	s := start(t, hubConfig(store, obs))
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("x"))
	sub := newSubscriber(t, topicRSS, "") // answers 404 to intents for another topic
	if code, _ := request(t, s, subscribe(sub.URL, topicAtom, "")); code != http.StatusAccepted {
		t.Fatalf("subscribe: %d", code)
	}
	eventually(t, "refused verification", func() bool { return obs.get("subscribe refused") == 1 })
	if counts, _ := store.SubscriptionCounts(context.Background()); counts[topicAtom] != 0 {
		t.Error("an unconfirmed subscription was stored")
	}
}

func TestHubLeaseExpiry(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	obs := &counter{}
	cfg := hubConfig(nil, obs)
	cfg.Now = clock
	cfg.MaxLease = 90 * time.Second
	s := start(t, cfg)
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("1"))
	sub := newSubscriber(t, topicAtom, "")
	form := subscribe(sub.URL, topicAtom, "")
	form.Set("hub.lease_seconds", "60")
	request(t, s, form)
	eventually(t, "verification", func() bool { return obs.get("subscribe verified") == 1 })
	if got := sub.verified[0].Get("hub.lease_seconds"); got != "60" {
		t.Errorf("lease %s s, want the 60 s asked for", got)
	}
	// A lease longer than the maximum is cut to it; none asked for gets the default, itself
	// no longer than the maximum.
	for ask, want := range map[string]string{"100000": "90", "": "90"} {
		sub2 := newSubscriber(t, topicAtom, "")
		f := subscribe(sub2.URL, topicAtom, "")
		if ask != "" {
			f.Set("hub.lease_seconds", ask)
		}
		n := obs.get("subscribe verified")
		request(t, s, f)
		eventually(t, "verification", func() bool { return obs.get("subscribe verified") == n+1 })
		if got := sub2.verified[0].Get("hub.lease_seconds"); got != want {
			t.Errorf("asked for %q s, granted %s s; want %s", ask, got, want)
		}
		u := obs.get("unsubscribe verified")
		request(t, s, url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {topicAtom}, "hub.callback": {sub2.URL}})
		eventually(t, "unsubscribe", func() bool { return obs.get("unsubscribe verified") == u+1 })
	}
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("2"))
	eventually(t, "delivery within the lease", func() bool { return sub.deliveries() == 1 })
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("3"))
	time.Sleep(150 * time.Millisecond)
	if n := sub.deliveries(); n != 1 {
		t.Errorf("%d deliveries after the lease ended, want 1", n)
	}
}

// TestHubExpiryDropsOwedDelivery: a delivery owed (the subscriber was failing) is dropped, not
// sent, once the lease has ended.
func TestHubExpiryDropsOwedDelivery(t *testing.T) {
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	obs := &counter{}
	cfg := hubConfig(nil, obs)
	cfg.Now, cfg.MinBackoff = clock, 50*time.Millisecond
	s := start(t, cfg)
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("1"))
	sub := newSubscriber(t, topicAtom, "")
	sub.status = 500
	form := subscribe(sub.URL, topicAtom, "")
	form.Set("hub.lease_seconds", "60")
	request(t, s, form)
	eventually(t, "verification", func() bool { return obs.get("subscribe verified") == 1 })
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("2"))
	eventually(t, "failed delivery", func() bool { return obs.get("deliver retry") >= 1 })
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	eventually(t, "owed delivery dropped at expiry", func() bool { return obs.get("deliver expired") == 1 })
}

func TestHubGone(t *testing.T) {
	obs := &counter{}
	store := websubtest.NewMemStore()
	s := start(t, hubConfig(store, obs))
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("1"))
	sub := newSubscriber(t, topicAtom, "")
	sub.status = http.StatusGone
	request(t, s, subscribe(sub.URL, topicAtom, ""))
	eventually(t, "verification", func() bool { return obs.get("subscribe verified") == 1 })
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("2"))
	eventually(t, "410 handled", func() bool { return obs.get("deliver gone") == 1 })
	if _, ok, _ := store.GetSubscription(context.Background(), topicAtom, sub.URL); ok {
		t.Error("subscription kept after 410 Gone")
	}
}

func TestHubGivesUpAfterMaxAttempts(t *testing.T) {
	obs := &counter{}
	cfg := hubConfig(nil, obs)
	cfg.MaxAttempts, cfg.MaxBackoff = 3, 20*time.Millisecond
	s := start(t, cfg)
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("1"))
	sub := newSubscriber(t, topicAtom, "")
	sub.status = 503
	request(t, s, subscribe(sub.URL, topicAtom, ""))
	eventually(t, "verification", func() bool { return obs.get("subscribe verified") == 1 })
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("2"))
	eventually(t, "given up", func() bool { return obs.get("deliver failed") == 1 })
	if n := sub.deliveries(); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
}

// TestHubDeliveryGuardedAtDialTime: a stored callback that points at a forbidden address (the
// name was rebound after it was checked) is refused when the delivery connects.
func TestHubDeliveryGuardedAtDialTime(t *testing.T) {
	obs := &counter{}
	store := websubtest.NewMemStore()
	sub := newSubscriber(t, topicAtom, "")
	store.PutSubscription(context.Background(), websub.Subscription{Topic: topicAtom, Callback: sub.URL, Expires: time.Now().Add(time.Hour)}, 10)
	cfg := hubConfig(store, obs)
	cfg.Guard = websub.Guard{}
	s := start(t, cfg)
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("1"))
	eventually(t, "refused delivery", func() bool { return obs.get("deliver failed") == 1 })
	if sub.deliveries() != 0 {
		t.Error("delivered to a loopback callback")
	}
}

func TestHubRefusesBadRequests(t *testing.T) {
	s := start(t, websub.Config{HubURL: hubURL, Store: websubtest.NewMemStore(), Guard: websub.Guard{}})
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("x"))
	good := "https://93.184.215.14/cb"
	with := func(k, v string) url.Values {
		f := subscribe(good, topicAtom, "")
		f.Set(k, v)
		return f
	}
	cases := []struct {
		form url.Values
		code int
		says string
	}{
		{url.Values{}, 400, "hub.mode is missing"},
		{with("hub.mode", "follow"), 400, "want subscribe or unsubscribe"},
		{with("hub.mode", "publish"), 400, "publish is not needed"},
		{with("hub.topic", ""), 400, "hub.topic is missing"},
		{with("hub.topic", "https://elsewhere.example/feed"), 400, "not a topic of this hub"},
		{with("hub.callback", ""), 400, "hub.callback is missing"},
		{with("hub.callback", "ftp://93.184.215.14/cb"), 400, "only http and https"},
		{with("hub.callback", "http://127.0.0.1/cb"), 400, "not allowed"},
		{with("hub.callback", "http://[::1]/cb"), 400, "not allowed"},
		{with("hub.callback", "http://10.0.0.8/cb"), 400, "not allowed"},
		{with("hub.callback", "http://192.168.1.20/cb"), 400, "not allowed"},
		{with("hub.callback", "http://169.254.169.254/cb"), 400, "not allowed"},
		{with("hub.callback", "http://[fe80::1]/cb"), 400, "not allowed"},
		{with("hub.callback", "http://localhost/cb"), 400, "not allowed"},
		{with("hub.callback", "http://2130706433/cb"), 400, "not a canonical address"},
		{with("hub.callback", "https://93.184.215.14/"+strings.Repeat("x", websub.MaxURLLength)), 400, "longer than"},
		{with("hub.secret", strings.Repeat("s", websub.MaxSecretLength)), 400, "must be shorter than 200"},
		{with("hub.lease_seconds", "-5"), 400, "positive whole number"},
		{with("hub.lease_seconds", "ten"), 400, "positive whole number"},
	}
	for _, c := range cases {
		code, body := request(t, s, c.form)
		if code != c.code || !strings.Contains(body, c.says) {
			t.Errorf("%v: %d %q, want %d saying %q", c.form, code, body, c.code, c.says)
		}
	}
	twice := subscribe(good, topicAtom, "")
	twice.Add("hub.callback", "https://93.184.215.14/other")
	if code, _ := request(t, s, twice); code != 400 {
		t.Errorf("a doubled hub.callback: %d, want 400", code)
	}
	// Not POST, not a form, too large.
	w := httptest.NewRecorder()
	s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, hubURL, nil))
	if w.Code != http.StatusMethodNotAllowed || w.Header().Get("Allow") != "POST" {
		t.Errorf("GET: %d, Allow %q", w.Code, w.Header().Get("Allow"))
	}
	r := httptest.NewRequest(http.MethodPost, hubURL, strings.NewReader(`{"hub.mode":"subscribe"}`))
	r.Header.Set("Content-Type", "application/json")
	w = httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusUnsupportedMediaType {
		t.Errorf("JSON body: %d, want 415", w.Code)
	}
	r = httptest.NewRequest(http.MethodPost, hubURL, strings.NewReader("hub.mode=subscribe&x="+strings.Repeat("a", 20<<10)))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	w = httptest.NewRecorder()
	s.ServeHTTP(w, r)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("20 KiB body: %d, want 413", w.Code)
	}
}

func TestHubLimits(t *testing.T) {
	obs := &counter{}
	cfg := hubConfig(nil, obs)
	cfg.MaxSubscriptions, cfg.MaxVerifications = 1, 1
	s := start(t, cfg)
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("x"))
	a := newSubscriber(t, topicAtom, "")
	request(t, s, subscribe(a.URL, topicAtom, ""))
	eventually(t, "first subscription", func() bool { return obs.get("subscribe verified") == 1 })
	b := newSubscriber(t, topicAtom, "")
	if code, body := request(t, s, subscribe(b.URL, topicAtom, "")); code != http.StatusTooManyRequests || !strings.Contains(body, "maximum of 1") {
		t.Errorf("subscription over the limit: %d %s", code, body)
	}
	// Renewing the existing one is always allowed.
	if code, _ := request(t, s, subscribe(a.URL, topicAtom, "")); code != http.StatusAccepted {
		t.Errorf("renewal at the limit: %d", code)
	}
	eventually(t, "renewal", func() bool { return obs.get("subscribe verified") == 2 })

	// One verification in flight at a time: a callback that hangs holds the only slot.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
	defer slow.Close()
	defer close(release)
	unsub := url.Values{"hub.mode": {"unsubscribe"}, "hub.topic": {topicAtom}, "hub.callback": {slow.URL}}
	if code, _ := request(t, s, unsub); code != http.StatusAccepted {
		t.Fatalf("first pending verification: %d", code)
	}
	if code, body := request(t, s, unsub); code != http.StatusTooManyRequests || !strings.Contains(body, "pending") {
		t.Errorf("second pending verification: %d %s", code, body)
	}
}

func TestHubDisabledAndStopped(t *testing.T) {
	s, _ := websub.New(websub.Config{Store: websubtest.NewMemStore()})
	if code, _ := request(t, s, subscribe("https://93.184.215.14/", topicAtom, "")); code != http.StatusNotFound {
		t.Errorf("disabled hub: %d, want 404", code)
	}
	s, _ = websub.New(websub.Config{HubURL: hubURL, Store: websubtest.NewMemStore()})
	if code, _ := request(t, s, subscribe("https://93.184.215.14/", topicAtom, "")); code != http.StatusServiceUnavailable {
		t.Errorf("hub without topics: %d, want 503", code)
	}
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("x"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Run(ctx)
	if code, _ := request(t, s, subscribe("https://93.184.215.14/", topicAtom, "")); code != http.StatusServiceUnavailable {
		t.Errorf("hub that has stopped: %d, want 503", code)
	}
}

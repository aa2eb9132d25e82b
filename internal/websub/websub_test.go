package websub_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/websub"
	"github.com/feedpub/feedpub/internal/websub/websubtest"
)

const (
	topicAtom = "https://news.example.org/atom.xml"
	topicRSS  = "https://news.example.org/rss.xml"
	ctAtom    = "application/atom+xml; charset=utf-8"
	hubURL    = "https://news.example.org/hub"
	linkAtom  = `<https://news.example.org/hub>; rel="hub", <https://news.example.org/atom.xml>; rel="self"`
)

// counter counts the outcomes the service reports.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *counter) add(k string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[k]++
}
func (c *counter) get(k string) int { c.mu.Lock(); defer c.mu.Unlock(); return c.n[k] }

func (c *counter) Notified(o string)       { c.add("notify " + o) }
func (c *counter) Delivered(o string)      { c.add("deliver " + o) }
func (c *counter) Verified(mode, o string) { c.add(mode + " " + o) }

var _ websub.Observer = (*counter)(nil)

// start runs a Service until the test ends.
func start(t *testing.T, cfg websub.Config) *websub.Service {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = websubtest.NewMemStore()
	}
	if cfg.MinBackoff == 0 {
		cfg.MinBackoff = 10 * time.Millisecond
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	s, err := websub.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return s
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// fakeHub records publish notifications and answers with the statuses it is given, then 204.
type fakeHub struct {
	*httptest.Server
	mu       sync.Mutex
	statuses []int
	got      map[string]int // hub.url -> notifications accepted
	tries    int
}

func newFakeHub(t *testing.T, statuses ...int) *fakeHub {
	h := &fakeHub{statuses: statuses, got: map[string]int{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		defer h.mu.Unlock()
		h.tries++
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
			t.Errorf("hub got %s with Content-Type %q", r.Method, r.Header.Get("Content-Type"))
		}
		r.ParseForm()
		if r.PostForm.Get("hub.mode") != "publish" {
			t.Errorf("hub.mode %q", r.PostForm.Get("hub.mode"))
		}
		if len(h.statuses) > 0 {
			code := h.statuses[0]
			h.statuses = h.statuses[1:]
			w.WriteHeader(code)
			return
		}
		h.got[r.PostForm.Get("hub.url")]++
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *fakeHub) count(topic string) int { h.mu.Lock(); defer h.mu.Unlock(); return h.got[topic] }

func TestNotifyOncePerChangedTopic(t *testing.T) {
	hub := newFakeHub(t)
	obs := &counter{}
	s := start(t, websub.Config{Hubs: []string{hub.URL}, Observer: obs})
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("<feed>1</feed>"))
	s.Changed(topicRSS, "application/rss+xml", "", []byte("<rss>1</rss>"))
	eventually(t, "both topics notified", func() bool { return hub.count(topicAtom) == 1 && hub.count(topicRSS) == 1 })
	// The same bytes again (a render that changed nothing in this feed) notify no one.
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("<feed>1</feed>"))
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("<feed>2</feed>"))
	eventually(t, "the change notified", func() bool { return hub.count(topicAtom) == 2 })
	time.Sleep(100 * time.Millisecond)
	if a, r := hub.count(topicAtom), hub.count(topicRSS); a != 2 || r != 1 {
		t.Errorf("notifications: atom %d, rss %d; want 2 and 1", a, r)
	}
	if n := obs.get("notify sent"); n != 3 {
		t.Errorf("observer saw %d sent, want 3", n)
	}
}

func TestNotifyRetriesTransientFailures(t *testing.T) {
	hub := newFakeHub(t, 503, 500, 429)
	obs := &counter{}
	s := start(t, websub.Config{Hubs: []string{hub.URL}, Observer: obs})
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("x"))
	eventually(t, "notification after three failures", func() bool { return hub.count(topicAtom) == 1 })
	if r := obs.get("notify retry"); r != 3 {
		t.Errorf("%d retries reported, want 3", r)
	}
}

func TestNotifyGivesUpOnRefusal(t *testing.T) {
	hub := newFakeHub(t, 400)
	obs := &counter{}
	s := start(t, websub.Config{Hubs: []string{hub.URL}, Observer: obs})
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("x"))
	eventually(t, "refusal", func() bool { return obs.get("notify failed") == 1 })
	time.Sleep(100 * time.Millisecond)
	if hub.tries != 1 {
		t.Errorf("%d tries after a 400, want 1", hub.tries)
	}
}

// TestNotifyOwedAcrossRestart: a notification still owed when the service stops is sent by the
// next service on the same store, without the topic being offered again.
func TestNotifyOwedAcrossRestart(t *testing.T) {
	store := websubtest.NewMemStore()
	down := newFakeHub(t, 503, 503, 503, 503, 503, 503, 503, 503, 503, 503)
	obs := &counter{}
	s1, _ := websub.New(websub.Config{Hubs: []string{down.URL}, Store: store, MinBackoff: time.Hour, Observer: obs})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s1.Run(ctx); close(done) }()
	s1.Changed(topicAtom, ctAtom, linkAtom, []byte("x"))
	eventually(t, "first failure", func() bool { return obs.get("notify retry") == 1 })
	cancel()
	<-done
	down.mu.Lock()
	down.statuses = nil
	down.mu.Unlock()
	// The retry was scheduled an hour out; a restarted daemon keeps that schedule, so the
	// test moves its clock.
	start(t, websub.Config{Hubs: []string{down.URL}, Store: store, Now: func() time.Time { return time.Now().Add(2 * time.Hour) }})
	eventually(t, "owed notification after restart", func() bool { return down.count(topicAtom) == 1 })
}

func TestNewRefusesBadHub(t *testing.T) {
	for _, h := range []string{"ftp://hub.example/", "hub.example", "http://u:p@hub.example/"} {
		if _, err := websub.New(websub.Config{Hubs: []string{h}, Store: websubtest.NewMemStore()}); err == nil {
			t.Errorf("hub %q accepted", h)
		}
	}
}

func TestSignature(t *testing.T) {
	// HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published test vector.
	got := websub.Signature("key", []byte("The quick brown fox jumps over the lazy dog"))
	if got != "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8" {
		t.Errorf("Signature = %s", got)
	}
}

// TestFlush: a process that does not stay (feedpub build) announces and sends what is due
// before it exits, and leaves what fails owed.
func TestFlush(t *testing.T) {
	store := websubtest.NewMemStore()
	up, down := newFakeHub(t), newFakeHub(t, 503, 503)
	s, err := websub.New(websub.Config{Hubs: []string{up.URL, down.URL}, Store: store, Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("x"))
	s.Changed(topicRSS, "application/rss+xml", "", []byte("y"))
	if err := s.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if up.count(topicAtom) != 1 || up.count(topicRSS) != 1 {
		t.Errorf("hub got atom %d, rss %d; want one each", up.count(topicAtom), up.count(topicRSS))
	}
	jobs, _ := store.Jobs(context.Background(), 10)
	if len(jobs) != 2 || jobs[0].Target != down.URL || jobs[0].Attempts != 1 {
		t.Errorf("owed after Flush: %+v, want the two for the hub that failed", jobs)
	}
}

// failingStore is a Store whose record of an outcome fails, as on a full disk.
type failingStore struct{ *websubtest.MemStore }

func (failingStore) FinishJob(context.Context, websub.Job) error { return errors.New("disk full") }
func (failingStore) RetryJob(context.Context, websub.Job) error  { return errors.New("disk full") }

// TestOutcomeNotRecorded: a job whose outcome cannot be recorded stays due in the Store; the
// service holds it back with backoff instead of sending it again at once, over and over.
func TestOutcomeNotRecorded(t *testing.T) {
	hub := newFakeHub(t)
	s := start(t, websub.Config{Hubs: []string{hub.URL}, Store: failingStore{websubtest.NewMemStore()}, MinBackoff: 300 * time.Millisecond})
	s.Changed(topicAtom, ctAtom, linkAtom, []byte("x"))
	eventually(t, "the first notification", func() bool { return hub.count(topicAtom) == 1 })
	time.Sleep(500 * time.Millisecond)
	if n := hub.count(topicAtom); n < 1 || n > 3 {
		t.Errorf("%d notifications in 0.5 s while the outcome could not be recorded; want 1 to 3, not a flood", n)
	}
}

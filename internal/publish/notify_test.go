package publish

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/watch"
)

// recNotifier records what the Publisher tells hubs; it is the consumer-side interface.
type recNotifier struct {
	mu  sync.Mutex
	got []string // topics, in order
	ct  map[string]string
	lk  map[string]string
}

func (n *recNotifier) Changed(topic, contentType, link string, body []byte) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.got = append(n.got, topic)
	if n.ct == nil {
		n.ct, n.lk = map[string]string{}, map[string]string{}
	}
	n.ct[topic], n.lk[topic] = contentType, link
}

func (n *recNotifier) take() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	got := n.got
	n.got = nil
	slices.Sort(got)
	return got
}

var _ Notifier = (*recNotifier)(nil)

func TestNotifierToldOfChangedFeeds(t *testing.T) {
	const hub = "https://hub.example.net/"
	e := newEnv(t, func(_ *catalog.Config, pc *Config) { pc.Site.Hubs = []string{hub} })
	n := &recNotifier{}
	e.pub.SetNotifier(n)
	e.std()
	base := "https://example.org/news/"
	all := []string{base + "atom.xml", base + "feed.json", base + "rss.xml"}
	var every []string // the root's and every section's and author's feeds are topics
	for _, dir := range []string{"", "authors/na-ri-shin/", "sections/news/"} {
		for _, name := range []string{"atom.xml", "feed.json", "rss.xml"} {
			every = append(every, base+dir+name)
		}
	}
	slices.Sort(every)
	if got := n.take(); !slices.Equal(got, every) {
		t.Fatalf("first render told %v, want every subscription feed (no HTML, no archive) %v", got, every)
	}
	// A section's feed is served with its Link header, from the render that told the hubs.
	res, err := e.pub.File(e.ctx, "sections/news/atom.xml")
	if err != nil {
		t.Fatal(err)
	}
	if want := `<` + hub + `>; rel="hub", <` + base + `sections/news/atom.xml>; rel="self"`; res.Link() != want {
		t.Errorf("sections/news/atom.xml served with Link %q, want %q", res.Link(), want)
	}
	if n.ct[base+"atom.xml"] != "application/atom+xml; charset=utf-8" ||
		n.lk[base+"atom.xml"] != `<`+hub+`>; rel="hub", <`+base+`atom.xml>; rel="self"` {
		t.Errorf("atom.xml told with type %q, link %q", n.ct[base+"atom.xml"], n.lk[base+"atom.xml"])
	}
	// The served feeds carry the same Link header.
	if l := e.sw.last().Files["/atom.xml"].Link(); l != n.lk[base+"atom.xml"] {
		t.Errorf("served atom.xml has Link %q", l)
	}
	if l := e.sw.last().Files["/"].Link(); l != "" {
		t.Errorf("the served index has Link %q", l)
	}
	e.render()
	if got := n.take(); len(got) != 0 {
		t.Errorf("a render that changed no bytes told %v", got)
	}
	e.write("gamma.txt", "Gamma\n\nA new article.")
	e.sync()
	e.render()
	if got := n.take(); !slices.Equal(got, all) {
		t.Errorf("a new article in no section and by no author told %v, want the root's %v", got, all)
	}
}

func TestNotifierWithoutHubs(t *testing.T) {
	e := newEnv(t)
	n := &recNotifier{}
	e.pub.SetNotifier(n)
	e.std()
	if got := n.take(); len(got) != 0 {
		t.Errorf("a site without hubs told %v", got)
	}
	if l := e.sw.last().Files["/atom.xml"].Link(); l != "" {
		t.Errorf("a feed without hubs is served with Link %q", l)
	}
}

type recObserver struct {
	mu         sync.Mutex
	reconciled []catalog.Report
	renders    int
	latencies  []time.Duration
}

func (o *recObserver) Reconciled(r catalog.Report) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.reconciled = append(o.reconciled, r)
}
func (o *recObserver) Rendered(time.Duration) { o.mu.Lock(); defer o.mu.Unlock(); o.renders++ }
func (o *recObserver) FileToFeed(d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.latencies = append(o.latencies, d)
}

var _ Observer = (*recObserver)(nil)

func TestObserver(t *testing.T) {
	e := newEnv(t)
	obs := &recObserver{}
	e.pub.SetObserver(obs)
	e.write("alpha.txt", "Alpha\n\nBody.")
	if _, err := e.pub.Reconcile(e.ctx); err != nil {
		t.Fatal(err)
	}
	batches := make(chan watch.Batch)
	stop := runPub(t, e, batches)
	e.write("gamma.txt", "Gamma\n\nA new article.")
	e.write("empty.txt", "")
	landed := time.Now().Add(-200 * time.Millisecond)
	batches <- watch.Batch{Paths: []string{"gamma.txt", "empty.txt"}, Landed: landed}
	waitRenders(t, e.pub, 2)
	stop()
	obs.mu.Lock()
	defer obs.mu.Unlock()
	if len(obs.reconciled) != 2 || len(obs.reconciled[0].Added) != 1 || len(obs.reconciled[1].Added) != 1 || len(obs.reconciled[1].Rejected) != 1 {
		t.Errorf("reconciles observed: %+v", obs.reconciled)
	}
	if obs.renders != 2 {
		t.Errorf("%d renders observed, want 2", obs.renders)
	}
	if len(obs.latencies) != 1 || obs.latencies[0] < 200*time.Millisecond || obs.latencies[0] > 10*time.Second {
		t.Errorf("file-to-feed latencies %v, want one of at least 200ms", obs.latencies)
	}
}

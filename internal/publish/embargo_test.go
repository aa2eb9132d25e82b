package publish

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/server"
	"github.com/feedpub/feedpub/internal/watch"
)

// fakeClock is a wall clock that runs with real time from a base that tests can jump.
type fakeClock struct {
	mu     sync.Mutex
	base   time.Time
	origin time.Time
}

func newFakeClock(base time.Time) *fakeClock { return &fakeClock{base: base, origin: time.Now()} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.base.Add(time.Since(c.origin))
}

// jump moves the wall clock by d, as NTP or an operator would, without time passing.
func (c *fakeClock) jump(d time.Duration) {
	c.mu.Lock()
	c.base = c.base.Add(d)
	c.mu.Unlock()
}

func withClock(c *fakeClock) envOpt {
	return func(cc *catalog.Config, pc *Config) { cc.Now, pc.Now = c.Now, c.Now }
}

func dated(title string, date time.Time) string {
	return "---\ntitle: " + title + "\ndate: " + date.UTC().Format(time.RFC3339) + "\n---\nBody of " + title + ".\n"
}

// inOutputs reports whether title is in the served snapshot's feeds, in the static feeds, and
// whether slug has a page (served and on disk).
func (e *env) inOutputs(title, slug string) (served, static, page, pageFile bool) {
	e.t.Helper()
	if s := e.sw.last(); s != nil {
		served = true
		for _, name := range []string{"/rss.xml", "/atom.xml", "/feed.json", "/"} {
			served = served && bytes.Contains(s.Files[name].Body(), []byte(title))
		}
	}
	static = true
	for _, name := range feedNames {
		b, err := os.ReadFile(filepath.Join(e.out, name))
		static = static && err == nil && bytes.Contains(b, []byte(title))
	}
	_, err := e.pub.Page(e.ctx, slug)
	if err != nil && !errors.Is(err, server.ErrNotFound) {
		e.t.Fatal(err)
	}
	page = err == nil
	pageFile = e.exists("articles/" + slug + ".html")
	return
}

// A held article is in no output; Run releases it at its time into every output, through one
// render, and re-arms for the next.
func TestRunReleasesAtDueTime(t *testing.T) {
	clock := newFakeClock(day0)
	e := newEnv(t, withClock(clock))
	e.std()
	// From the clock after the setup, which a loaded machine may make slow.
	due := clock.Now().Truncate(time.Second).Add(3 * time.Second)
	e.write("embargo.md", dated("Embargoed interview", due))
	e.write("later.md", dated("Later story", day0.Add(time.Hour)))
	if rep := e.sync(); len(rep.Held) != 2 {
		t.Fatalf("held %d, want 2", len(rep.Held))
	}
	e.render()
	if s, st, pg, pf := e.inOutputs("Embargoed interview", "embargoed-interview"); s || st || pg || pf {
		t.Fatalf("held article visible: served %v static %v page %v page file %v", s, st, pg, pf)
	}
	h, err := e.pub.Health(e.ctx)
	if err != nil || h.Held != 2 || h.NextDue == nil || !h.NextDue.Equal(due) || h.Articles != 3 {
		t.Fatalf("health %+v %v", h, err)
	}
	before := e.pub.Renders()
	stop := runPub(t, e, make(chan watch.Batch))
	waitRenders(t, e.pub, before+1)
	at := clock.Now()
	if at.Before(due) || at.After(due.Add(time.Second)) {
		t.Errorf("released at %v, want within a second after %v", at, due)
	}
	if s, st, pg, pf := e.inOutputs("Embargoed interview", "embargoed-interview"); !s || !st || !pg || !pf {
		t.Fatalf("released article: served %v static %v page %v page file %v", s, st, pg, pf)
	}
	if s, _, pg, _ := e.inOutputs("Later story", "later-story"); s || pg {
		t.Fatalf("the later article was released too")
	}
	time.Sleep(200 * time.Millisecond)
	if n := e.pub.Renders(); n != before+1 {
		t.Errorf("%d renders for one release, want 1", n-before)
	}
	h, _ = e.pub.Health(e.ctx)
	if h.Held != 1 || h.NextDue == nil || !h.NextDue.Equal(day0.Add(time.Hour)) {
		t.Errorf("health after release %+v", h)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// A wall clock set forward past a due time releases the entry within the due check, though the
// monotonic timer would still be waiting; one set back releases nothing early.
func TestRunReleasesAfterClockJump(t *testing.T) {
	clock := newFakeClock(day0)
	e := newEnv(t, withClock(clock))
	e.pub.dueCheck = 50 * time.Millisecond
	e.std()
	e.write("embargo.md", dated("Embargoed interview", day0.Add(time.Hour)))
	e.sync()
	e.render()
	before := e.pub.Renders()
	stop := runPub(t, e, make(chan watch.Batch))
	clock.jump(-time.Hour)
	time.Sleep(200 * time.Millisecond)
	if e.pub.Renders() != before {
		t.Fatal("released after the clock went back")
	}
	clock.jump(2*time.Hour + time.Second)
	start := time.Now()
	waitRenders(t, e.pub, before+1)
	if took := time.Since(start); took > time.Second {
		t.Errorf("release took %v after the jump", took)
	}
	if s, _, pg, _ := e.inOutputs("Embargoed interview", "embargoed-interview"); !s || !pg {
		t.Fatal("not released after the clock jump")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// An ingest that brings a held entry arms the timer for it; a full Reconcile after the due time
// (a daemon that was down) renders the release.
func TestIngestArmsAndReconcileReleases(t *testing.T) {
	clock := newFakeClock(day0)
	e := newEnv(t, withClock(clock))
	e.std()
	batches := make(chan watch.Batch)
	stop := runPub(t, e, batches)
	e.write("soon.md", dated("Soon", clock.Now().Add(1500*time.Millisecond)))
	before := e.pub.Renders()
	batches <- watch.Batch{Paths: []string{"soon.md"}}
	waitRenders(t, e.pub, before+1)
	if s, _, _, _ := e.inOutputs("Soon", "soon"); !s {
		t.Fatal("not released")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	e.write("down.md", dated("Down", clock.Now().Add(time.Hour)))
	if out, err := e.pub.Reconcile(e.ctx); err != nil || len(out.Catalog.Held) != 1 || out.Rendered {
		t.Fatalf("held while up: %+v %v", out, err)
	}
	clock.jump(2 * time.Hour)
	out, err := e.pub.Reconcile(e.ctx)
	if err != nil || len(out.Catalog.Released) != 1 || !out.Rendered {
		t.Fatalf("reconcile after the due time: %+v %v", out, err)
	}
	if s, st, pg, pf := e.inOutputs("Down", "down"); !s || !st || !pg || !pf {
		t.Fatalf("released while down: served %v static %v page %v file %v", s, st, pg, pf)
	}
}

// A release tells the hubs of the feeds it changed, as any new article does; holding told none.
func TestReleaseNotifiesHubs(t *testing.T) {
	clock := newFakeClock(day0)
	e := newEnv(t, withClock(clock), func(_ *catalog.Config, pc *Config) { pc.Site.Hubs = []string{"https://hub.example.net/"} })
	n := &recNotifier{}
	e.pub.SetNotifier(n)
	e.std()
	n.take()
	e.write("world/embargo.md", dated("Embargoed interview", clock.Now().Truncate(time.Second).Add(2*time.Second)))
	before := e.pub.Renders()
	batches := make(chan watch.Batch)
	stop := runPub(t, e, batches)
	batches <- watch.Batch{Paths: []string{"world/embargo.md"}}
	time.Sleep(300 * time.Millisecond)
	if got := n.take(); len(got) != 0 || e.pub.Renders() != before {
		t.Fatalf("holding told the hubs %v (%d renders)", got, e.pub.Renders()-before)
	}
	waitRenders(t, e.pub, before+1)
	base := "https://example.org/news/"
	var want []string
	for _, dir := range []string{"", "sections/world/"} {
		for _, name := range []string{"atom.xml", "feed.json", "rss.xml"} {
			want = append(want, base+dir+name)
		}
	}
	slices.Sort(want)
	// The hubs are told as the render returns, after Renders counts it.
	var got []string
	for deadline := time.Now().Add(2 * time.Second); len(got) < len(want) && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
		got = append(got, n.take()...)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("release told the hubs %v, want %v", got, want)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/testfix"
)

// embargoed is a Markdown article dated due, with an author and a tag of its own.
func embargoed(title string, due time.Time) []byte {
	return []byte("---\ntitle: " + title + "\ndate: " + due.UTC().Format(time.RFC3339) +
		"\nauthor: Secret Source\ntags: [Scoop]\n---\nThe story of " + title + ", filed ahead of time.\n")
}

// dueIn returns a whole-second due time between d and d+1s from now.
func dueIn(d time.Duration) time.Time { return time.Now().Add(d + time.Second).Truncate(time.Second) }

// sighting is where one poll found title: the served feeds and index, the served page, the
// feeds of its section, author and tag with the sitemap and feed list, and the static copies
// under out.
type sighting struct {
	feeds, page, staticFeeds, staticPage, others bool
	pageStatus                                   int
}

func (s sighting) any() bool { return s.feeds || s.page || s.staticFeeds || s.staticPage || s.others }
func (s sighting) all() bool { return s.feeds && s.page && s.staticFeeds && s.staticPage && s.others }

func look(t *testing.T, d *daemon, out, title, slug string) sighting {
	t.Helper()
	var s sighting
	s.feeds = true
	for _, path := range []string{"/rss.xml", "/atom.xml", "/feed.json", "/"} {
		resp, body := d.get(path)
		s.feeds = s.feeds && resp.StatusCode == 200 && bytes.Contains(body, []byte(title))
	}
	resp, body := d.get("/articles/" + slug + ".html")
	s.pageStatus = resp.StatusCode
	s.page = resp.StatusCode == 200 && bytes.Contains(body, []byte(title))
	s.staticFeeds = true
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json", "index.html"} {
		b, err := os.ReadFile(filepath.Join(out, name))
		s.staticFeeds = s.staticFeeds && err == nil && bytes.Contains(b, []byte(title))
	}
	b, err := os.ReadFile(filepath.Join(out, "articles", slug+".html"))
	s.staticPage = err == nil && bytes.Contains(b, []byte(title))
	// The other places an article shows: each must have it exactly when the main feeds do.
	s.others = true
	for path, want := range map[string]string{
		"/sections/world/atom.xml": title, "/authors/secret-source/atom.xml": title,
		"/tags/scoop/atom.xml": title, "/sitemap.xml": slug, "/feeds.opml": "Scoop",
	} {
		resp, body := d.get(path)
		s.others = s.others && resp.StatusCode == 200 && bytes.Contains(body, []byte(want))
	}
	return s
}

type embargoHealth struct {
	Articles int        `json:"articles"`
	Held     int        `json:"held"`
	NextDue  *time.Time `json:"next_due"`
}

func heldHealth(t *testing.T, d *daemon) embargoHealth {
	t.Helper()
	resp, body := d.get("/healthz")
	var h embargoHealth
	if resp.StatusCode != 200 || json.Unmarshal(body, &h) != nil {
		t.Fatalf("/healthz: %s %s", resp.Status, body)
	}
	return h
}

// TestDaemonEmbargo: an article due in 2 s is in no served or static output before its time
// (polled every 100 ms), and in all of them within a second after it.
func TestDaemonEmbargo(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"), "--out", out)
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	waitFor(t, 2*time.Second, "seed published", func() bool { return heldHealth(t, d).Articles == 1 })

	const title, slug = "Embargoed interview", "embargoed-interview"
	due := dueIn(2 * time.Second)
	drop(t, dir, "world/embargo.md", embargoed(title, due))
	// The log line comes before the commit: /healthz says when the hold is in the catalog.
	waitFor(t, 2*time.Second, "article held", func() bool { return heldHealth(t, d).Held == 1 })
	if h := heldHealth(t, d); h.Held != 1 || h.NextDue == nil || !h.NextDue.Equal(due) || h.Articles != 1 {
		t.Fatalf("/healthz while held: %+v, want held 1 due %v", h, due)
	}
	m := scrapeURL(t, d.base+"/metrics")
	if n, _ := m.Value("feedpub_articles", "state", "held"); n != 1 {
		t.Errorf("feedpub_articles{state=held} = %v, want 1", n)
	}
	if at, _ := m.Value("feedpub_next_release_timestamp_seconds"); at != float64(due.Unix()) {
		t.Errorf("feedpub_next_release_timestamp_seconds = %v, want %d", at, due.Unix())
	}
	var seen time.Time
	for seen.IsZero() {
		before := time.Now()
		s := look(t, d, out, title, slug)
		after := time.Now()
		switch {
		case before.Before(due) && s.any():
			t.Fatalf("visible %v before its time (%v early): %+v", before, due.Sub(before), s)
		case before.Before(due) && s.pageStatus != http.StatusNotFound:
			t.Fatalf("page answered %d before its time, want 404", s.pageStatus)
		case s.all():
			seen = after
		case after.After(due.Add(time.Second)):
			t.Fatalf("not in every output a second after its time: %+v", s)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("in every output %v after its time", seen.Sub(due))
	if h := heldHealth(t, d); h.Held != 0 || h.NextDue != nil || h.Articles != 2 {
		t.Errorf("/healthz after release: %+v", h)
	}
	if n := d.count("catalog released", "world/embargo.md"); n != 1 {
		t.Errorf("%d release lines, want 1", n)
	}
	if n := d.count("catalog added", "world/embargo.md"); n != 0 {
		t.Errorf("a held article was logged as added %d times", n)
	}
}

// TestDaemonEmbargoAcrossKill: a daemon killed with SIGKILL before the due time and started
// after it publishes the article at start, once, under the id minted when it was first seen.
func TestDaemonEmbargoAcrossKill(t *testing.T) {
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state.db")
	d := startDaemon(t, dir, state)
	due := dueIn(3 * time.Second)
	drop(t, dir, "embargo.md", embargoed("Killed before release", due))
	waitFor(t, 2*time.Second, "article held", func() bool { return heldHealth(t, d).Held == 1 })
	d.stop(syscall.SIGKILL)
	time.Sleep(time.Until(due.Add(500 * time.Millisecond)))

	d2 := startDaemon(t, dir, state)
	if n := len(d2.feed("/atom.xml").Items); n != 1 {
		t.Fatalf("%d entries right after the restart, want the released one", n)
	}
	id := d2.feed("/atom.xml").Items[0].GUID
	if !strings.HasPrefix(id, "tag:") || d2.count("catalog released", "embargo.md") != 1 {
		t.Fatalf("id %q, %d release lines", id, d2.count("catalog released", "embargo.md"))
	}
	d2.stop(syscall.SIGTERM)
	d3 := startDaemon(t, dir, state)
	f := d3.feed("/atom.xml")
	if len(f.Items) != 1 || f.Items[0].GUID != id || d3.count("catalog released", "") != 0 {
		t.Fatalf("after another restart: %d entries (%v), %d release lines", len(f.Items), entryIDs(f), d3.count("catalog released", ""))
	}
}

// TestDaemonEmbargoMovedLater: an edit moving the date later before the release holds the
// article again: it stays out past its first due time.
func TestDaemonEmbargoMovedLater(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"), "--out", out)
	const title, slug = "Moved story", "moved-story"
	first := dueIn(3 * time.Second)
	drop(t, dir, "moved.md", embargoed(title, first))
	waitFor(t, 2*time.Second, "article held", func() bool { return heldHealth(t, d).Held == 1 })
	later := first.Add(time.Hour)
	drop(t, dir, "moved.md", embargoed(title, later))
	waitFor(t, 2*time.Second, "article held again", func() bool {
		h := heldHealth(t, d)
		return d.count("catalog held", "moved.md") == 2 && h.NextDue != nil && h.NextDue.Equal(later)
	})
	time.Sleep(time.Until(first.Add(1500 * time.Millisecond)))
	if s := look(t, d, out, title, slug); s.any() || s.pageStatus != http.StatusNotFound {
		t.Fatalf("visible after its first due time: %+v", s)
	}
	if h := heldHealth(t, d); h.Held != 1 || h.NextDue == nil || !h.NextDue.Equal(later) {
		t.Fatalf("/healthz: %+v, want next due %v", h, later)
	}
}

// TestBuildAndInspectEmbargo: a one-off build leaves a held article out of the static site, and
// inspect says until when it is held, in the configured zone.
func TestBuildAndInspectEmbargo(t *testing.T) {
	dir, out, state := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "state.db")
	due := time.Now().Add(24 * time.Hour).Truncate(time.Second)
	drop(t, dir, "held.md", embargoed("Tomorrow's results", due))
	pastArticle := func(date time.Time) []byte {
		return []byte("---\ntitle: Yesterday's news\ndate: " + date.UTC().Format(time.RFC3339) + "\n---\nOld news.\n")
	}
	drop(t, dir, "past.md", pastArticle(due.Add(-48*time.Hour)))
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	cmd := exec.Command(binary, "build", "--dir", dir, "--out", out, "--state", state, "--log-format", "json")
	cmd.Dir = t.TempDir()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte("Tomorrow")) || bytes.Contains(b, []byte("Scoop")) || bytes.Contains(b, []byte("Secret Source")) ||
			strings.Contains(p, "tomorrow") || strings.Contains(p, "scoop") || strings.Contains(p, "secret") {
			t.Errorf("held article leaked into %s", p)
		}
		return nil
	})
	if _, err := os.Stat(filepath.Join(out, "articles")); err != nil {
		t.Fatal(err)
	}

	cmd = exec.Command(binary, "inspect", "--timezone", "Asia/Seoul", filepath.Join(dir, "held.md"))
	cmd.Env = append(os.Environ(), "FEEDPUB_CONFIG=")
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	var rep struct{ Status string }
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatal(err)
	}
	seoul, _ := time.LoadLocation("Asia/Seoul")
	if want := "held until " + due.In(seoul).Format(time.RFC3339); rep.Status != want {
		t.Errorf("inspect status %q, want %q", rep.Status, want)
	}
	// With the catalog: held, due then; an article published already is never held again, so
	// a later date on it is no hold either.
	drop(t, dir, "past.md", pastArticle(due))
	cmd = exec.Command(binary, "inspect", "--timezone", "Asia/Seoul", "--dir", dir, "--state", state,
		filepath.Join(dir, "held.md"), filepath.Join(dir, "past.md"))
	cmd.Env = append(os.Environ(), "FEEDPUB_CONFIG=")
	if b, err = cmd.Output(); err != nil {
		t.Fatalf("inspect with the catalog: %v %s", err, b)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var held, past struct {
		Status  string
		Catalog struct{ Status, At string }
	}
	if len(lines) != 2 || json.Unmarshal([]byte(lines[0]), &held) != nil || json.Unmarshal([]byte(lines[1]), &past) != nil {
		t.Fatalf("inspect with the catalog:\n%s", b)
	}
	if held.Catalog.Status != "held" || held.Catalog.At != due.In(seoul).Format(time.RFC3339) || !strings.HasPrefix(held.Status, "held until") {
		t.Errorf("held article: %+v", held)
	}
	if past.Catalog.Status != "published" || past.Status != "" {
		t.Errorf("published article dated later: %+v", past)
	}
	cmd = exec.Command(binary, "inspect", "--publish-future=true", filepath.Join(dir, "held.md"))
	cmd.Env = append(os.Environ(), "FEEDPUB_CONFIG=")
	if b, err := cmd.Output(); err != nil || strings.Contains(string(b), "held until") {
		t.Errorf("inspect --publish-future: %v %s", err, b)
	}
}

// TestDaemonEmbargoNotifiesHub: holding an article tells the hub nothing; its release tells it
// of every feed the article changed, once, as a new file would.
func TestDaemonEmbargoNotifiesHub(t *testing.T) {
	hub := newFakeHub(t)
	dir := t.TempDir()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"), "--hubs", hub.URL+"/")
	root, world := topics(d.base), topics(d.base+"/sections/world")
	waitFor(t, 5*time.Second, "one notification per topic at start", func() bool {
		c := hub.counts()
		return c[root[0]] == 1 && c[root[1]] == 1 && c[root[2]] == 1
	})
	due := dueIn(3 * time.Second)
	drop(t, dir, "world/embargo.md", embargoed("Hub story", due))
	waitFor(t, 2*time.Second, "article held", func() bool { return heldHealth(t, d).Held == 1 })
	time.Sleep(500 * time.Millisecond)
	if c := hub.counts(); c[root[1]] != 1 || c[world[1]] != 0 {
		t.Fatalf("holding notified the hub: %v", c)
	}
	waitFor(t, time.Until(due)+2*time.Second, "one notification per changed topic at release", func() bool {
		c := hub.counts()
		for _, topic := range root {
			if c[topic] != 2 {
				return false
			}
		}
		for _, topic := range world {
			if c[topic] != 1 {
				return false
			}
		}
		return true
	})
	if time.Now().Before(due) {
		t.Fatal("the hub was told before the due time")
	}
	time.Sleep(time.Second)
	if c := hub.counts(); c[root[1]] != 2 || c[world[1]] != 1 {
		t.Errorf("after the release: %v, want each topic told once more", c)
	}
}

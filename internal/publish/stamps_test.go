package publish

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
)

// served is what readers keep of each representation: its bytes, ETag and Last-Modified.
type served struct {
	body    []byte
	etag    string
	lastMod time.Time
}

func (e *env) served() map[string]served {
	e.t.Helper()
	out := map[string]served{}
	for path, r := range e.sw.last().Files {
		out[path] = served{r.Body(), r.ETag(), r.ModTime()}
	}
	// Feeds beyond the root's, served on demand: the news seed's section and author, and its
	// section's archive page. (The root's archive holds the old article, whose edit it shows.)
	for _, name := range []string{"sections/news/rss.xml", "sections/news/atom.xml", "sections/news/feed.json",
		"authors/na-ri-shin/atom.xml", "sections/news/archive/0.xml"} {
		r, err := e.pub.File(e.ctx, name)
		if err != nil {
			e.t.Fatalf("%s: %v", name, err)
		}
		out["/"+name] = served{r.Body(), r.ETag(), r.ModTime()}
	}
	return out
}

func sameServed(t *testing.T, when string, before, after map[string]served) {
	t.Helper()
	if len(before) != len(after) {
		t.Fatalf("%s: %d paths, then %d", when, len(before), len(after))
	}
	for path, b := range before {
		a := after[path]
		if !bytes.Equal(a.body, b.body) || a.etag != b.etag || !a.lastMod.Equal(b.lastMod) {
			t.Errorf("%s: %s changed: ETag %s -> %s, Last-Modified %v -> %v", when, path, b.etag, a.etag, b.lastMod, a.lastMod)
		}
	}
}

// TestNothingChangesForReaders: a rename, a move, a touch, an edit of an article outside the
// feed and a reconcile that finds nothing leave every feed's bytes, ETag and Last-Modified as
// they were, also for a new Publisher on the same catalog (a restart); an edit moves them, to
// the time of the render that first showed it.
func TestNothingChangesForReaders(t *testing.T) {
	e := newEnv(t, func(_ *catalog.Config, pc *Config) { pc.FeedSize = 2 })
	e.write("old.md", "---\ntitle: An old article\ndate: 2020-01-01\n---\nIt is not among the newest two.")
	e.sync()
	e.render()
	e.clock.Add(60)
	e.std() // alpha, beta and the seed: the feed holds the newest two
	before := e.served()
	firstRender := time.Unix(e.clock.Load(), 0)
	for path, s := range before {
		if strings.Contains(path, "archive/") || strings.HasPrefix(path, "/sections/") || strings.HasPrefix(path, "/authors/") {
			continue // dated by the change to the feed, checked below
		}
		if !s.lastMod.Equal(firstRender) {
			t.Errorf("%s: Last-Modified %v, want %v", path, s.lastMod, firstRender)
		}
	}

	steps := []struct {
		name string
		do   func()
	}{
		{"a rename", func() { e.files.Move("alpha.txt", "alpha-renamed.txt") }},
		// Within its top-level section: the root index lists top-level sections, and a new
		// one is news for its readers.
		{"a move", func() { e.files.Move("news/yoon.txt", "news/2024/yoon.txt") }},
		{"a touch", func() { e.files.Touch("beta.txt") }},
		{"an edit outside the feed", func() {
			e.write("old.md", "---\ntitle: An old article\ndate: 2020-01-01\n---\nEdited, but not in the feed.")
		}},
		{"a reconcile that finds nothing", func() {}},
	}
	for _, s := range steps {
		e.clock.Add(3600)
		s.do()
		e.sync()
		e.render()
		sameServed(t, "after "+s.name, before, e.served())
	}

	// A restart: a new Publisher on the same catalog.
	e.clock.Add(3600)
	pub, err := New(e.cat, e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	pub.SetServer(e.sw)
	if _, err := pub.Render(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.pub = pub // its on-demand feeds too
	sameServed(t, "after a restart", before, e.served())

	// An edit inside the feed: new bytes, dated by the render that showed them.
	e.clock.Add(3600)
	e.write("beta.txt", "Beta\n\nBody of the beta article.\n\nA second paragraph, which only the feeds show.")
	e.sync()
	e.pub = pub
	e.render()
	edited := e.served()
	now := time.Unix(e.clock.Load(), 0)
	for _, path := range []string{"/rss.xml", "/atom.xml", "/feed.json"} {
		if bytes.Equal(edited[path].body, before[path].body) || !edited[path].lastMod.Equal(now) {
			t.Errorf("%s after an edit: changed %v, Last-Modified %v, want %v", path,
				!bytes.Equal(edited[path].body, before[path].body), edited[path].lastMod, now)
		}
	}
	if rss := string(edited["/rss.xml"].body); !strings.Contains(rss, "<lastBuildDate>"+now.UTC().Format(time.RFC1123Z)+"</lastBuildDate>") {
		t.Errorf("RSS lastBuildDate is not the edit's render time:\n%s", rss)
	}
	// The index shows no body text: an edit of one changes nothing in it.
	if !bytes.Equal(edited["/"].body, before["/"].body) || !edited["/"].lastMod.Equal(before["/"].lastMod) {
		t.Errorf("the index changed with an edit it does not show")
	}
	// A clock set back never dates a change before the last one.
	e.clock.Add(-86400)
	e.write("beta.txt", "Beta\n\nBody of the beta article.\n\nEdited again, with the clock set back.")
	e.sync()
	e.render()
	if got := e.served()["/atom.xml"].lastMod; !got.After(now) {
		t.Errorf("Last-Modified %v after a clock set back, want after %v", got, now)
	}
}

func TestIcon(t *testing.T) {
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	icon := filepath.Join(t.TempDir(), "site-icon.png")
	if err := os.WriteFile(icon, png, 0o644); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(_ *catalog.Config, pc *Config) { pc.Icon = icon })
	e.std()
	res := e.sw.last().Files["/favicon.ico"]
	if res == nil || !bytes.Equal(res.Body(), png) || res.ContentType() != "image/png" {
		t.Fatalf("/favicon.ico: %+v", res)
	}
	if !bytes.Equal(e.read(feed.NameIcon), png) {
		t.Errorf("favicon.ico not written to the output directory")
	}
	if !bytes.Contains(e.read(feed.NameAtom), []byte("<icon>https://example.org/news/favicon.ico</icon>")) {
		t.Errorf("Atom does not name the icon")
	}
	for name, body := range map[string][]byte{
		"missing.png":  nil,
		"empty.png":    {},
		"notes.txt":    []byte("plain text, not an image"),
		"too-big.webp": bytes.Repeat([]byte{0}, maxIcon+1),
	} {
		path := filepath.Join(t.TempDir(), name)
		if body != nil {
			os.WriteFile(path, body, 0o644)
		}
		cfg := e.cfg
		cfg.Icon = path
		if err := e.pub.SetConfig(cfg); err == nil || !strings.Contains(err.Error(), path) {
			t.Errorf("icon %s: %v, want an error naming it", name, err)
		}
	}
}

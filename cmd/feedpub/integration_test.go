package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/feedcheck"
	"github.com/feedpub/feedpub/internal/testfix"
	"github.com/feedpub/feedpub/internal/testgen"
	"github.com/mmcdole/gofeed"
)

// TestDaemonLifecycle follows one article through its life in a running daemon: dropped in,
// edited, deleted, each visible to readers within a second.
func TestDaemonLifecycle(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))
	seed := testfix.Seed(t)

	drop(t, dir, testfix.SeedName, seed)
	took := waitFor(t, time.Second, "seed in the Atom feed", func() bool { return hasTitle(d.feed("/atom.xml"), "Russia Needs") })
	t.Logf("seed visible in Atom after %v", took)

	var id string
	var updated time.Time
	for _, path := range []string{"/rss.xml", "/atom.xml", "/feed.json"} {
		f := d.feed(path)
		if len(f.Items) != 1 {
			t.Fatalf("%s: %d items, want 1", path, len(f.Items))
		}
		it := f.Items[0]
		if id == "" {
			id = it.GUID
		} else if it.GUID != id {
			t.Errorf("%s: id %q, other feeds say %q", path, it.GUID, id)
		}
		if want := time.Date(2024, 7, 8, 22, 56, 0, 0, time.UTC); !it.PublishedParsed.Equal(want) {
			t.Errorf("%s: published %v, want %v", path, it.PublishedParsed, want)
		}
		if it.UpdatedParsed != nil {
			updated = *it.UpdatedParsed
		}
	}
	for _, path := range []string{"/rss.xml", "/atom.xml"} {
		_, body := d.get(path)
		feedcheck.Feedparser(t, body, nil)
	}

	// Edit: the id stays, updated moves forward.
	edited := bytes.Replace(seed, []byte("Additionally,"), []byte("In addition,"), 1)
	drop(t, dir, testfix.SeedName, edited)
	waitFor(t, 2*time.Second, "edited entry", func() bool {
		f := d.feed("/atom.xml")
		return len(f.Items) == 1 && f.Items[0].UpdatedParsed != nil && f.Items[0].UpdatedParsed.After(updated)
	})
	if got := d.feed("/atom.xml").Items[0].GUID; got != id {
		t.Fatalf("edit changed the id: %q -> %q", id, got)
	}
	if f := d.feed("/feed.json"); !strings.Contains(f.Items[0].Content, "In addition,") {
		t.Errorf("JSON Feed content not updated")
	}

	// Delete: gone from every feed.
	if err := os.Remove(filepath.Join(dir, testfix.SeedName)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "entry removed", func() bool { return len(d.feed("/atom.xml").Items) == 0 })
	for _, path := range []string{"/rss.xml", "/feed.json"} {
		if n := len(d.feed(path).Items); n != 0 {
			t.Errorf("%s still has %d items after delete", path, n)
		}
	}
	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("SIGTERM: exit %d, want 0", code)
	}
}

// TestDaemonSlowCopy writes a file in 10 chunks over 1.5 seconds: with the default settle time it
// must be published once, whole. A run in which the writer itself is held up longer than the
// settle time (a loaded machine) paused the copy, and is made again rather than judged.
func TestDaemonSlowCopy(t *testing.T) {
	const settle = 250 * time.Millisecond
	for try := 1; ; try++ {
		if slowCopyOnce(t, settle) {
			return
		}
		// The writer itself was held up (a loaded machine) longer than settle: its copy
		// paused, and publishing the paused file was right. That run proves nothing.
		if try == 3 {
			t.Fatalf("the writer was held up longer than %v in %d runs: too loaded to test", settle, try)
		}
		t.Logf("run %d: the writer paused longer than settle; running again", try)
	}
}

// slowCopyOnce is one run of TestDaemonSlowCopy; it returns false when the writer could not
// keep its chunks closer together than settle.
func slowCopyOnce(t *testing.T, settle time.Duration) bool {
	dir := t.TempDir()
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"), "--settle", settle.String())
	defer d.stop(syscall.SIGTERM)
	seed := testfix.Seed(t)
	path := filepath.Join(dir, "slow.txt")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	chunk := (len(seed) + 9) / 10
	last := time.Now()
	for i := 0; i < len(seed); i += chunk {
		if i > 0 && time.Since(last) >= settle {
			f.Close()
			return false
		}
		if _, err := f.Write(seed[i:min(i+chunk, len(seed))]); err != nil {
			t.Fatal(err)
		}
		last = time.Now()
		f.Sync()
		if n := len(d.feed("/atom.xml").Items); n != 0 {
			if time.Since(last) >= settle {
				f.Close()
				return false
			}
			t.Fatalf("published while still being written (after %d of %d bytes)", i+chunk, len(seed))
		}
		// 10 chunks over about 1.5 s, each well within settle of the one before.
		time.Sleep(150*time.Millisecond - time.Since(last))
	}
	f.Close()
	waitFor(t, 2*time.Second, "slow file published", func() bool { return len(d.feed("/atom.xml").Items) == 1 })
	it := d.feed("/atom.xml").Items[0]
	if !strings.Contains(it.Content, "joint message condemning these actions") {
		t.Errorf("published content is incomplete: ...%s", it.Content[max(0, len(it.Content)-120):])
	}
	time.Sleep(500 * time.Millisecond)
	if a, u := d.count("catalog added", "slow.txt"), d.count("catalog updated", "slow.txt"); a != 1 || u != 0 {
		t.Errorf("slow copy logged %d adds and %d updates, want 1 and 0", a, u)
	}
	return true
}

// TestDaemonBurstAndSubdir copies 1,000 files in at once and then adds a subdirectory.
func TestDaemonBurstAndSubdir(t *testing.T) {
	dir := t.TempDir()
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))
	const n = 1000
	staging := t.TempDir()
	if _, err := testgen.WriteDir(staging, 7, n, 2000, 0); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(staging)
	for _, e := range ents {
		if err := os.Rename(filepath.Join(staging, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 30*time.Second, "1,000 articles in the catalog", func() bool { return health(t, d).Articles == n })
	// The catalog commits before the render that follows it: wait for the feed to catch up.
	waitFor(t, 5*time.Second, "the newest 50 in the Atom feed", func() bool { return len(d.feed("/atom.xml").Items) == 50 })
	renders := d.count("render", "")
	t.Logf("1,000 files ingested with %d renders", renders)
	if renders > 50 {
		t.Errorf("%d renders for a burst of 1,000 files; want them coalesced (<= 50)", renders)
	}

	// A new subdirectory with a file dropped in right away.
	sub := filepath.Join(dir, "2026", "11")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sub, "late.txt"), []byte("Late news from a subfolder\n\nIt arrived in a new directory."), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "article in a new subdirectory", func() bool { return health(t, d).Articles == n+1 })
}

type healthz struct {
	Articles int `json:"articles"`
}

func health(t testing.TB, d *daemon) healthz {
	resp, body := d.get("/healthz")
	var h healthz
	if resp.StatusCode != 200 || json.Unmarshal(body, &h) != nil {
		t.Fatalf("/healthz: %s %s", resp.Status, body)
	}
	return h
}

// TestDaemonCrashRecovery kills the daemon with SIGKILL in the middle of a burst, adds files while
// it is down, and restarts it: every file is published exactly once and no id changes.
func TestDaemonCrashRecovery(t *testing.T) {
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state.db")
	d := startDaemon(t, dir, state, "--feed-size", "1000")
	staging := t.TempDir()
	if _, err := testgen.WriteDir(staging, 11, 400, 2000, 0); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(staging)
	for i, e := range ents {
		os.Rename(filepath.Join(staging, e.Name()), filepath.Join(dir, e.Name()))
		if i == 200 {
			// Let part of the burst land, so the kill comes mid-ingest.
			waitFor(t, 10*time.Second, "first articles", func() bool { return health(t, d).Articles > 0 })
		}
	}
	before := entryIDs(d.feed("/atom.xml"))
	d.stop(syscall.SIGKILL)
	t.Logf("killed with %d entries published", len(before))

	if _, err := testgen.WriteDir(dir, 12, 50, 2000, 0); err != nil { // added while down
		t.Fatal(err)
	}
	d2 := startDaemon(t, dir, state, "--feed-size", "1000")
	waitFor(t, 30*time.Second, "450 articles after restart", func() bool { return health(t, d2).Articles == 450 })
	var f *gofeed.Feed
	waitFor(t, 5*time.Second, "450 entries in the feed", func() bool {
		f = d2.feed("/atom.xml")
		return len(f.Items) == 450
	})
	seen := map[string]int{}
	for _, it := range f.Items {
		seen[it.GUID]++
		if seen[it.GUID] > 1 {
			t.Errorf("id %s published twice", it.GUID)
		}
	}
	after := entryIDs(f)
	for title, id := range before {
		if after[title] != id {
			t.Errorf("%q: id changed across the crash: %s -> %s", title, id, after[title])
		}
	}
}

// TestDaemonHTTP checks the conditional and compressed responses readers rely on, against the
// running daemon.
func TestDaemonHTTP(t *testing.T) {
	dir := t.TempDir()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))
	resp, body := d.get("/atom.xml")
	etag, lm := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if etag == "" || lm == "" || resp.Header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("headers: %v", resp.Header)
	}
	for _, h := range []http.Header{{"If-None-Match": {etag}}, {"If-Modified-Since": {lm}}} {
		req, _ := http.NewRequest("GET", d.base+"/atom.xml", nil)
		req.Header = h
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r.Body)
		r.Body.Close()
		if r.StatusCode != 304 || len(b) != 0 || r.Header.Get("ETag") != etag || r.Header.Get("Last-Modified") == "" {
			t.Errorf("%v: %s, %d bytes, headers %v", h, r.Status, len(b), r.Header)
		}
	}
	req, _ := http.NewRequest("GET", d.base+"/atom.xml", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	r, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if r.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip: %v", r.Header)
	}
	zr, err := gzip.NewReader(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, body) {
		t.Error("gzip body does not decode to the plain body")
	}
	f := d.feed("/feed.json")
	page, pbody := d.get(strings.TrimPrefix(f.Items[0].Link, d.base))
	if page.StatusCode != 200 || !bytes.Contains(pbody, []byte("Na-Ri Shin")) {
		t.Errorf("article page %s: %s", f.Items[0].Link, page.Status)
	}
	for _, p := range []string{"/nope", "/articles/nope.html", "/../rss.xml", "/%2e%2e/rss.xml"} {
		if r, _ := d.get(p); r.StatusCode != 404 {
			t.Errorf("GET %s: %s, want 404", p, r.Status)
		}
	}
}

// TestDaemonSecondInstance: two daemons on one state file would mint ids twice; the second refuses.
func TestDaemonSecondInstance(t *testing.T) {
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state.db")
	startDaemon(t, dir, state)
	out, err := exec.Command(binary, "serve", "--dir", dir, "--state", state, "--addr", freeAddr(t)).CombinedOutput()
	if err == nil {
		t.Fatal("second instance started")
	}
	if !strings.Contains(string(out), "in use") {
		t.Errorf("second instance's error does not say the state is in use: %s", out)
	}
}

// TestNewsboat points a real reader at the served feed, edits the article, reloads and expects
// the same single item, not a duplicate.
func TestNewsboat(t *testing.T) {
	feedcheck.Newsboat(t, newsboatNoDuplicate)
}

func newsboatNoDuplicate(t *testing.T, nb string) {
	dir := t.TempDir()
	seed := testfix.Seed(t)
	drop(t, dir, testfix.SeedName, seed)
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))
	// One newsboat cache per feed: newsboat files items by guid, and our RSS and Atom share ids.
	type reader struct{ urls, conf, cache, home string }
	readers := map[string]reader{}
	for _, path := range []string{"/rss.xml", "/atom.xml"} {
		home := t.TempDir()
		r := reader{filepath.Join(home, "urls"), filepath.Join(home, "config"), filepath.Join(home, "cache.db"), home}
		os.WriteFile(r.urls, []byte(d.base+path+"\n"), 0o644)
		os.WriteFile(r.conf, []byte("reload-threads 1\n"), 0o644)
		readers[path] = r
	}
	reload := func(path string) string {
		r := readers[path]
		cmd := exec.Command(nb, "-x", "reload", "print-unread", "-u", r.urls, "-c", r.cache, "-C", r.conf)
		cmd.Env = append(os.Environ(), "HOME="+r.home)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("newsboat %s: %v\n%s", path, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	for path := range readers {
		if got := reload(path); got != "1 unread articles" {
			t.Fatalf("%s first reload: %q, want 1 unread articles", path, got)
		}
	}
	drop(t, dir, testfix.SeedName, bytes.Replace(seed, []byte("Additionally,"), []byte("In addition,"), 1))
	waitFor(t, 2*time.Second, "edit published", func() bool {
		_, b := d.get("/atom.xml")
		return bytes.Contains(b, []byte("In addition,"))
	})
	for path := range readers {
		if got := reload(path); got != "1 unread articles" {
			t.Errorf("%s after an edit: %q, want still 1 unread article (no duplicate)", path, got)
		}
	}
}

// TestBuildNoChange: a second build with nothing changed reads no article and rewrites no file.
func TestBuildNoChange(t *testing.T) {
	dir, out, state := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "state.db")
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	drop(t, dir, "notes/plain.txt", []byte("A plain note\n\nWith one paragraph & a <tag>."))
	build := func() string {
		cmd := exec.Command(binary, "build", "--dir", dir, "--out", out, "--state", state,
			"--base-url", "https://news.example.org/feeds/", "--timezone", "Asia/Seoul", "--log-format", "json")
		cmd.Dir = t.TempDir()
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("build: %v\n%s", err, b)
		}
		return string(b)
	}
	build()
	mtimes := map[string]time.Time{}
	filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			mtimes[p] = fi.ModTime()
		}
		return nil
	})
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json", "index.html"} {
		if _, ok := mtimes[filepath.Join(out, name)]; !ok {
			t.Errorf("build did not write %s", name)
		}
	}
	pages, _ := filepath.Glob(filepath.Join(out, "articles", "*.html"))
	if len(pages) != 2 {
		t.Errorf("%d article pages, want 2", len(pages))
	}
	time.Sleep(20 * time.Millisecond)
	log := build()
	if !strings.Contains(log, `"read":0`) {
		t.Errorf("second build read article files:\n%s", log)
	}
	filepath.Walk(out, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && !fi.ModTime().Equal(mtimes[p]) {
			t.Errorf("second build modified %s", p)
		}
		return nil
	})
	atom, _ := os.ReadFile(filepath.Join(out, "atom.xml"))
	feedcheck.Jing(t, atom)
	if !bytes.Contains(atom, []byte("https://news.example.org/feeds/articles/")) {
		t.Errorf("entry links do not use the base URL")
	}
}

// TestInspectSeed is the user's "why is my article (not) in the feed?" on the seed.
func TestInspectSeed(t *testing.T) {
	cmd := exec.Command(binary, "inspect", "--timezone", "Asia/Seoul", testfix.SeedPath(t))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("inspect: %v", err)
	}
	var rep struct {
		Title, Published, Updated, Summary string
		ContentHTML                        string `json:"content_html"`
		Authors                            []struct{ Name, Email string }
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if rep.Published != "2024-07-09T07:56:00+09:00" || rep.Updated != rep.Published {
		t.Errorf("dates %s / %s", rep.Published, rep.Updated)
	}
	if !strings.HasPrefix(rep.Title, "Yoon: “Russia") || strings.Count(rep.ContentHTML, "<p>") != 7 {
		t.Errorf("title %q, %d paragraphs", rep.Title, strings.Count(rep.ContentHTML, "<p>"))
	}
	if len(rep.Authors) != 1 || rep.Authors[0].Name != "Na-Ri Shin" || rep.Authors[0].Email != "journari@donga.com" {
		t.Errorf("authors %+v", rep.Authors)
	}

	bad := filepath.Join(t.TempDir(), "empty.txt")
	os.WriteFile(bad, nil, 0o644)
	cmd = exec.Command(binary, "inspect", bad)
	out, err = cmd.Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("inspect of an empty file: %v, want exit 1", err)
	}
	if !strings.Contains(string(out), `"error"`) || !strings.Contains(string(out), "empty.txt") {
		t.Errorf("inspect error line %s", out)
	}
}

// TestDaemonReload: SIGHUP re-reads the config file; the new title reaches the feeds without
// a restart and without touching entry ids.
func TestDaemonReload(t *testing.T) {
	dir := t.TempDir()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	conf := filepath.Join(t.TempDir(), "feedpub.toml")
	if err := os.WriteFile(conf, []byte("title = \"Before\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"), "--config", conf)
	f := d.feed("/atom.xml")
	if f.Title != "Before" {
		t.Fatalf("title %q, want the config file's", f.Title)
	}
	id := f.Items[0].GUID
	if err := os.WriteFile(conf, []byte("title = \"After\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 2*time.Second, "new title after SIGHUP", func() bool { return d.feed("/atom.xml").Title == "After" })
	if got := d.feed("/atom.xml").Items[0].GUID; got != id {
		t.Errorf("reload changed the entry id: %s -> %s", id, got)
	}
	if err := os.WriteFile(conf, []byte("feed_size = \"many\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.cmd.Process.Signal(syscall.SIGHUP)
	waitFor(t, 2*time.Second, "rejected reload logged", func() bool { return d.count("reload: settings rejected; keeping the old ones", "") == 1 })
	if d.feed("/atom.xml").Title != "After" {
		t.Error("a rejected reload changed the feed")
	}
}

// TestDaemonStaticOut: with --out the daemon keeps a static copy that a web server or CDN can
// serve: the same feed bytes as over HTTP, a page per article, and no page for a deleted one.
func TestDaemonStaticOut(t *testing.T) {
	dir, out := t.TempDir(), t.TempDir()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"), "--out", out)
	for _, name := range []string{"rss.xml", "atom.xml", "feed.json"} {
		onDisk, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if _, served := d.get("/" + name); !bytes.Equal(onDisk, served) {
			t.Errorf("%s on disk differs from the served one", name)
		}
	}
	drop(t, dir, "note.txt", []byte("A second note\n\nIt has a page too."))
	var pages []string
	waitFor(t, 2*time.Second, "two article pages", func() bool {
		pages, _ = filepath.Glob(filepath.Join(out, "articles", "*.html"))
		return len(pages) == 2
	})
	if err := os.Remove(filepath.Join(dir, "note.txt")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "the deleted article's page removed", func() bool {
		pages, _ = filepath.Glob(filepath.Join(out, "articles", "*.html"))
		return len(pages) == 1
	})
	// The archive pages are written after the article pages: wait for that render to end.
	waitFor(t, 2*time.Second, "no temp files left behind", func() bool {
		tmp, _ := filepath.Glob(filepath.Join(out, "*", ".feedpub-*"))
		return len(tmp) == 0
	})
}

// TestDaemonReloadDuringFirstImport: a SIGHUP that arrives while the first reconcile still runs
// (systemd's reload during a long import) is applied after it, instead of ending the process.
func TestDaemonReloadDuringFirstImport(t *testing.T) {
	dir := t.TempDir()
	if _, err := testgen.WriteDir(dir, 21, 3000, 2000, 0); err != nil {
		t.Fatal(err)
	}
	d := launch(t, launchOpts{dir: dir, state: filepath.Join(t.TempDir(), "state.db"), noWait: true})
	waitFor(t, 20*time.Second, "listening", func() bool { return len(d.logged("listening")) == 1 })
	if len(d.logged("serving")) != 0 {
		t.Skip("the first reconcile finished before the signal could be sent; nothing to check")
	}
	if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 60*time.Second, "serving after an early SIGHUP", func() bool {
		select {
		case <-d.done:
			t.Fatalf("feedpub exited on a SIGHUP during its first reconcile:\n%s", d.log())
		default:
		}
		return len(d.logged("serving")) == 1
	})
	waitFor(t, 10*time.Second, "the early reload applied", func() bool {
		return d.count("reload: settings applied", "") == 1
	})
	if got := len(d.feed("/atom.xml").Items); got == 0 {
		t.Error("no entries after the reload")
	}
}

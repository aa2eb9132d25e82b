package main

import (
	"bytes"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/testfix"
)

// TestFaultSymlinkOutside (issue 7, item 6): a link inside --dir to a file outside it is not
// published unless a setting allows it.
func TestFaultSymlinkOutside(t *testing.T) {
	outside := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(outside, []byte("Secret outside note\n\nroot:x:0:0:root:/root:/bin/bash"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	drop(t, dir, "inside.txt", []byte("Inside note\n\nA note that lives in the folder."))
	if err := os.Symlink(outside, filepath.Join(dir, "leak.txt")); err != nil {
		t.Fatal(err)
	}
	// A link that stays inside the directory is still followed.
	if err := os.Symlink(filepath.Join(dir, "inside.txt"), filepath.Join(dir, "alias.txt")); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))
	_, body := d.get("/feed.json")
	leaked := bytes.Contains(body, []byte("root:x:0:0"))
	t.Logf("file outside --dir published through a symbolic link: %v", leaked)
	if leaked {
		t.Error("a symbolic link to a file outside --dir published that file")
	}
	// The outside file was written just now: it is looked at once it has settled.
	waitFor(t, 3*time.Second, "leak.txt refused", func() bool { return d.logHas("leak.txt", "outside") })
	if d.published("alias.txt") != 1 {
		t.Errorf("a link inside --dir was not followed")
	}
	// Drop a second link while the daemon runs: the event path refuses it too.
	if err := os.Symlink(outside, filepath.Join(dir, "leak2.txt")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "leak2.txt refused", func() bool { return d.logHas("leak2.txt", "outside") })
	if _, body := d.get("/feed.json"); bytes.Contains(body, []byte("root:x:0:0")) {
		t.Error("a symbolic link dropped into --dir published a file outside it")
	}

	// Allowed on purpose, the link is followed.
	d2 := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"), "--allow-outside-links")
	if _, body := d2.get("/feed.json"); !bytes.Contains(body, []byte("root:x:0:0")) {
		t.Error("--allow-outside-links did not publish the linked file")
	}
}

// TestFaultSecondDaemonWithoutLockFile (issue 7, item 7): the lock cannot be removed from under
// its holder: deleting files beside the catalog does not let a second daemon in.
func TestFaultSecondDaemonWithoutLockFile(t *testing.T) {
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state.db")
	startDaemon(t, dir, state)
	os.Remove(state + ".lock")
	out, started := serveOnce(t, dir, state)
	t.Logf("second daemon after deleting the lock file: started: %v", started)
	if started {
		t.Fatal("a second daemon started on the catalog after its lock file was deleted")
	}
	if !strings.Contains(out, "in use") {
		t.Errorf("second instance's error does not say the state is in use: %s", out)
	}
}

// TestFaultEditKeepsStat (issue 7, item 7): an edit that keeps size and mtime is still
// published when an event names the file.
func TestFaultEditKeepsStat(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "note.txt")
	if err := os.WriteFile(path, []byte("A steady note\n\nThe first version."), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	os.Chtimes(path, old, old)
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))
	// Same size, then the mtime put back, as some sync tools and editors with "preserve times" do.
	if err := os.WriteFile(path, []byte("A steady note\n\nThe other version."), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(path, old, old)
	seen := true
	for start := time.Now(); !strings.Contains(d.feed("/feed.json").Items[0].Content, "other version"); {
		if time.Since(start) > 3*time.Second {
			seen = false
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("edit keeping size and mtime published after its event: %v", seen)
	if !seen {
		t.Error("an edit that kept size and mtime was missed although an event named the file")
	}
}

// TestFaultDatesOutsideRange (issue 7, item 7): dates no reader can parse (years outside
// 0001-9999 in UTC) are refused with a reason, in inspect and in the daemon.
func TestFaultDatesOutsideRange(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"late.md":  "---\ntitle: Late\ndate: 9999-12-31T23:30:00-01:00\n---\nBody.\n",
		"early.md": "---\ntitle: Early\ndate: 0001-01-01T00:30:00+01:00\n---\nBody.\n",
	}
	for name, body := range files {
		drop(t, dir, name, []byte(body))
	}
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))
	_, atom := d.get("/atom.xml")
	_, js := d.get("/feed.json")
	bad := bytes.Contains(atom, []byte("10000-")) || bytes.Contains(js, []byte("10000-")) ||
		bytes.Contains(atom, []byte("0000-12-31")) || bytes.Contains(js, []byte("0000-12-31"))
	t.Logf("dates outside 0001-9999 UTC written into the feeds: %v", bad)
	if bad {
		t.Errorf("a feed carries a year no reader parses:\n%s", atom)
	}
	for name := range files {
		if !d.logHas(`"msg":"catalog rejected"`, name, "9999") {
			t.Errorf("%s: no rejection naming the range:\n%s", name, d.log())
		}
		out, err := exec.Command(binary, "inspect", filepath.Join(dir, name)).Output()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.Contains(string(out), "9999") {
			t.Errorf("inspect %s: %v %s, want exit 1 and a reason naming the range", name, err, out)
		}
	}
}

// TestFaultHalfClosedClient (issue 7, item 7): a client that half-closes its side after the
// request gets its answer, not a server error.
func TestFaultHalfClosedClient(t *testing.T) {
	dir := t.TempDir()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))
	page := strings.TrimPrefix(d.feed("/feed.json").Items[0].Link, d.base)
	addr := strings.TrimPrefix(d.base, "http://")
	const tries = 30
	for _, path := range []string{"/healthz", page, "/atom.xml"} {
		bad := 0
		for range tries {
			resp, _ := rawHTTP(t, addr, "GET "+path+" HTTP/1.1\r\nHost: x\r\n\r\n", true)
			if resp.StatusCode != http.StatusOK {
				bad++
			}
		}
		t.Logf("%s: %d of %d half-closed requests answered with an error", path, bad, tries)
		if bad > 0 {
			t.Errorf("%s: %d of %d half-closed requests got an error status", path, bad, tries)
		}
	}
	if d.logHas(`"level":"ERROR"`) || d.logHas("health check failed") {
		t.Errorf("half-closed requests were logged as server errors:\n%s", d.log())
	}
}

// TestFaultRequestWithBody (issue 7, item 7): feedpub serves only GET and HEAD, so a request
// that carries a body (Content-Length, chunked, or both: RFC 9112 section 6.1) is answered with
// Connection: close and the connection is not reused.
func TestFaultRequestWithBody(t *testing.T) {
	dir := t.TempDir()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))
	addr := strings.TrimPrefix(d.base, "http://")
	reqs := map[string]string{
		"both":           "GET /rss.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"chunked":        "GET /rss.xml HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
		"content-length": "GET /rss.xml HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
	}
	for name, req := range reqs {
		resp, closed := rawHTTP(t, addr, req, false)
		t.Logf("%s: %s, Connection %q, closed %v", name, resp.Status, resp.Header.Get("Connection"), closed)
		if !resp.Close || !closed {
			t.Errorf("%s: the connection was kept after a request with a body (Connection %q, closed %v)",
				name, resp.Header.Get("Connection"), closed)
		}
	}
	// An ordinary GET keeps its connection.
	if resp, closed := rawHTTP(t, addr, "GET /rss.xml HTTP/1.1\r\nHost: x\r\n\r\n", false); resp.Close || closed {
		t.Errorf("a GET without a body lost its keep-alive")
	}
}

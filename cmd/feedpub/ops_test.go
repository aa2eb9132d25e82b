package main

import (
	"github.com/feedpub/feedpub/internal/testfix"

	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/testgen"
)

// TestConfigFromAnotherDirectory starts the daemon from a directory without feedpub.toml: it
// says it read none and where it looked, then with --config it names the file and the zone,
// base URL, authority and directory that came from it.
func TestConfigFromAnotherDirectory(t *testing.T) {
	cfgDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(cfgDir, "articles"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(cfgDir, "feedpub.toml")
	os.WriteFile(conf, []byte("dir = \"articles\"\ntimezone = \"Asia/Seoul\"\nbase_url = \"https://news.example.org/\"\n"), 0o644)
	elsewhere := t.TempDir()

	d := launch(t, launchOpts{dir: t.TempDir(), state: filepath.Join(t.TempDir(), "s.db"), cwd: elsewhere})
	m := d.waitLogged(time.Second, "settings")
	if m["config"] != nil && m["config"] != "" {
		t.Errorf("config = %v, want none", m["config"])
	}
	if looked, _ := m["config_searched"].(string); !strings.Contains(looked, filepath.Join(elsewhere, "feedpub.toml")) {
		t.Errorf("config_searched = %v, want it to name %s", m["config_searched"], filepath.Join(elsewhere, "feedpub.toml"))
	}
	if m["timezone"] != "UTC" {
		t.Errorf("timezone = %v, want UTC", m["timezone"])
	}
	d.stop(syscall.SIGTERM)

	d = launch(t, launchOpts{state: filepath.Join(t.TempDir(), "s.db"), cwd: elsewhere, args: []string{"--config", conf}})
	m = d.waitLogged(time.Second, "settings")
	for k, want := range map[string]string{"config": conf, "timezone": "Asia/Seoul", "base_url": "https://news.example.org/",
		"authority": "news.example.org", "dir": filepath.Join(cfgDir, "articles")} {
		if m[k] != want {
			t.Errorf("settings %s = %v, want %q", k, m[k], want)
		}
	}
	if n := len(d.logged("entry ids use a provisional authority")); n != 0 {
		t.Errorf("warned about the authority with base_url set")
	}
}

// TestZoneChangeRereads: the seed's dates carry no zone. Published with the wrong zone and then
// restarted with the right one, the entry keeps its id and shows the corrected date as an update.
func TestZoneChangeRereads(t *testing.T) {
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "s.db")
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	d := launch(t, launchOpts{dir: dir, state: state, args: []string{"--timezone", "UTC"}})
	before := d.feed("/atom.xml").Items[0]
	if want := time.Date(2024, 7, 9, 7, 56, 0, 0, time.UTC); !before.PublishedParsed.Equal(want) {
		t.Fatalf("published %v, want %v", before.PublishedParsed, want)
	}
	d.stop(syscall.SIGTERM)

	d = launch(t, launchOpts{dir: dir, state: state, args: []string{"--timezone", "Asia/Seoul"}})
	after := d.feed("/atom.xml").Items[0]
	if after.GUID != before.GUID {
		t.Errorf("id changed with the zone: %s -> %s", before.GUID, after.GUID)
	}
	if want := time.Date(2024, 7, 8, 22, 56, 0, 0, time.UTC); !after.PublishedParsed.Equal(want) {
		t.Errorf("published %v after the zone change, want %v", after.PublishedParsed, want)
	}
	if after.UpdatedParsed == nil || !after.UpdatedParsed.After(*before.UpdatedParsed) {
		t.Errorf("updated %v -> %v: readers would not see the correction", before.UpdatedParsed, after.UpdatedParsed)
	}
	d.stop(syscall.SIGTERM)

	// The same zone again reads nothing.
	d = launch(t, launchOpts{dir: dir, state: state, args: []string{"--timezone", "Asia/Seoul"}})
	if r := d.logged("catalog reconciled"); len(r) == 0 || r[0]["read"] != 0.0 {
		t.Errorf("restart with unchanged settings read files: %v", r)
	}
}

// TestFirstImport: a first import of 2,000 files logs a screenful at most and ends in one
// summary line; /healthz is 503 until the first render is served and 200 after.
func TestFirstImport(t *testing.T) {
	dir := t.TempDir()
	const n, bad = 2000, 15
	if _, err := testgen.WriteDir(dir, 3, n, 1000, 500); err != nil {
		t.Fatal(err)
	}
	for i := range bad {
		os.WriteFile(filepath.Join(dir, "empty-"+string(rune('a'+i))+".txt"), nil, 0o644)
	}
	d := launch(t, launchOpts{dir: dir, state: filepath.Join(t.TempDir(), "s.db"), noWait: true,
		args: []string{"--base-url", "https://news.example.org/"}})
	d.waitLogged(20*time.Second, "listening")
	resp, body := d.get("/healthz")
	var h map[string]any
	json.Unmarshal(body, &h)
	if resp.StatusCode != 503 || h["last_reconcile"] != nil || h["status"] != "starting" {
		t.Errorf("/healthz before the first render: %s %s; want 503, starting, last_reconcile null", resp.Status, body)
	}
	d.waitLogged(60*time.Second, "serving")
	resp, body = d.get("/healthz")
	h = map[string]any{}
	json.Unmarshal(body, &h)
	if resp.StatusCode != 200 || h["status"] != "ok" || h["articles"] != float64(n) || h["rejected"] != float64(bad) ||
		h["last_reconcile"] == nil || h["version"] == "" || h["version"] == nil || h["last_error"] != nil {
		t.Errorf("/healthz after the first render: %s %s", resp.Status, body)
	}
	sum := d.waitLogged(time.Second, "summary")
	if sum["added"] != float64(n) || sum["rejected"] != float64(bad) || sum["files_written"] == nil || sum["duration_ms"] == nil {
		t.Errorf("summary %v", sum)
	}
	if r, _ := sum["reasons"].(map[string]any); r["file is empty"] != float64(bad) {
		t.Errorf("summary reasons %v, want %d empty", sum["reasons"], bad)
	}
	d.stop(syscall.SIGTERM)
	lines := strings.Count(d.log(), "\n")
	t.Logf("first import of %d files: %d log lines", n+bad, lines)
	if lines > 24 {
		t.Errorf("%d log lines for a first import; want a screen (24) at most:\n%s", lines, d.log())
	}
}

// TestJSONLogs: with --log-format json every line is JSON, a fatal start-up error included;
// durations carry their unit, and a rejection's reason does not repeat its path.
func TestJSONLogs(t *testing.T) {
	dir := t.TempDir()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	os.WriteFile(filepath.Join(dir, "empty.txt"), nil, 0o644)
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "s.db"))
	d.stop(syscall.SIGTERM)
	cmd := exec.Command(binary, "serve", "--dir", filepath.Join(dir, "missing"), "--log-format", "json",
		"--state", filepath.Join(t.TempDir(), "s.db"))
	cmd.Dir = t.TempDir()
	fatal, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); err == nil || code != 1 {
		t.Errorf("missing --dir: exit %d, want 1", code)
	}
	all := d.log() + string(fatal)
	for _, line := range strings.Split(strings.TrimSpace(all), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("not JSON: %s", line)
			continue
		}
		for k := range m {
			if k == "duration" || k == "dur" || k == "took" {
				t.Errorf("duration without unit %q: %s", k, line)
			}
		}
		if m["msg"] == "catalog rejected" {
			if r, _ := m["reason"].(string); strings.Contains(r, "empty.txt") || m["path"] != "empty.txt" {
				t.Errorf("rejection repeats the path: %s", line)
			}
		}
	}
	if !strings.Contains(string(fatal), `"level":"ERROR"`) || !strings.Contains(string(fatal), "missing") {
		t.Errorf("fatal start-up error: %s", fatal)
	}
	if !strings.Contains(all, `"duration_ms"`) {
		t.Errorf("no duration_ms in the log")
	}
}

// TestProvisionalAuthorityWarning: with base_url and authority left to their defaults the
// daemon warns once, naming the setting; build does the same.
func TestProvisionalAuthorityWarning(t *testing.T) {
	dir := t.TempDir()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	drop(t, dir, "b.txt", []byte("Second\n\nbody"))
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "s.db"))
	w := d.logged("entry ids use a provisional authority")
	if len(w) != 1 || w[0]["level"] != "WARN" || !strings.Contains(w[0]["fix"].(string), "base_url") {
		t.Errorf("warnings %v, want one naming base_url", w)
	}
	cmd := exec.Command(binary, "build", "--dir", dir, "--out", t.TempDir(), "--state", filepath.Join(t.TempDir(), "s.db"))
	cmd.Dir = t.TempDir()
	out, _ := cmd.CombinedOutput()
	if strings.Count(string(out), "provisional authority") != 1 {
		t.Errorf("build did not warn once:\n%s", out)
	}
}

// TestSystemdNotify stands in for systemd with a datagram socket: READY=1 arrives once the
// first render is served, RELOADING=1 and READY=1 around a SIGHUP, STOPPING=1 on SIGTERM.
func TestSystemdNotify(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	next := func() string {
		t.Helper()
		buf := make([]byte, 4096)
		conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		n, err := conn.Read(buf)
		if err != nil {
			t.Fatalf("no notification: %v", err)
		}
		return string(buf[:n])
	}
	dir := t.TempDir()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	d := launch(t, launchOpts{dir: dir, state: filepath.Join(t.TempDir(), "s.db"), env: []string{"NOTIFY_SOCKET=" + sock}, noWait: true})
	msg := next()
	if !strings.Contains(msg, "READY=1") {
		t.Fatalf("first notification %q, want READY=1", msg)
	}
	if resp, _ := d.get("/atom.xml"); resp.StatusCode != 200 {
		t.Errorf("READY=1 sent before the feeds are served: /atom.xml %s", resp.Status)
	}
	d.cmd.Process.Signal(syscall.SIGHUP)
	if msg := next(); !strings.Contains(msg, "RELOADING=1") || !strings.Contains(msg, "MONOTONIC_USEC=") {
		t.Errorf("after SIGHUP %q, want RELOADING=1", msg)
	}
	if msg := next(); !strings.Contains(msg, "READY=1") {
		t.Errorf("after the reload %q, want READY=1", msg)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	if msg := next(); !strings.Contains(msg, "STOPPING=1") {
		t.Errorf("after SIGTERM %q, want STOPPING=1", msg)
	}
	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Errorf("exit %d", code)
	}
}

func buildOut(t *testing.T, dir, out, state string, extra ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"build", "--dir", dir, "--out", out, "--state", state,
		"--base-url", "https://news.example.org/"}, extra...)...)
	cmd.Dir = t.TempDir()
	b, _ := cmd.CombinedOutput()
	return string(b), cmd.ProcessState.ExitCode()
}

// TestOutSharedGround: a web root holding hand-made files is refused; with --force feedpub
// writes beside them and, when an article goes, deletes only its own page.
func TestOutSharedGround(t *testing.T) {
	dir, out, state := t.TempDir(), t.TempDir(), filepath.Join(t.TempDir(), "s.db")
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	drop(t, dir, "b.txt", []byte("Second article\n\nbody"))
	hand := map[string]string{"about.html": "<p>hand-made</p>", "articles/colophon.html": "<p>also hand-made</p>"}
	for name, body := range hand {
		os.MkdirAll(filepath.Dir(filepath.Join(out, name)), 0o755)
		os.WriteFile(filepath.Join(out, name), []byte(body), 0o644)
	}
	log, code := buildOut(t, dir, out, state)
	if code != 1 || !strings.Contains(log, "not empty") || !strings.Contains(log, "--force") {
		t.Errorf("build into a foreign web root: exit %d\n%s", code, log)
	}
	if _, err := os.Stat(filepath.Join(out, "atom.xml")); err == nil {
		t.Error("a refused build wrote atom.xml")
	}
	if log, code = buildOut(t, dir, out, state, "--force"); code != 0 {
		t.Fatalf("build --force: exit %d\n%s", code, log)
	}
	os.Remove(filepath.Join(dir, "b.txt"))
	// A new title re-renders every page, the path that sweeps pages no entry owns.
	if log, code = buildOut(t, dir, out, state, "--title", "Renamed"); code != 0 {
		t.Fatalf("rebuild: exit %d\n%s", code, log)
	}
	pages, _ := filepath.Glob(filepath.Join(out, "articles", "*.html"))
	if len(pages) != 2 { // the seed's page and colophon.html
		t.Errorf("pages after removing an article: %v", pages)
	}
	for name, body := range hand {
		if got, err := os.ReadFile(filepath.Join(out, name)); err != nil || string(got) != body {
			t.Errorf("%s changed or deleted: %q %v", name, got, err)
		}
	}
	// Later builds need no --force: the directory is feedpub's now.
	if log, code = buildOut(t, dir, out, state); code != 0 {
		t.Errorf("build without --force after a forced one: exit %d\n%s", code, log)
	}
}

// TestBackupRestore backs the catalog up while the daemon runs and ingests, restores it as the
// README says, and starts again: every id is the one readers had.
func TestBackupRestore(t *testing.T) {
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "catalog.db")
	if _, err := testgen.WriteDir(dir, 5, 300, 500, 0); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, dir, state, "--feed-size", "1000")
	before := entryIDs(d.feed("/atom.xml"))
	backup := filepath.Join(t.TempDir(), "feedpub-backup.db")
	// Ingesting while the backup runs: the copy is a consistent snapshot all the same.
	written := make(chan struct{})
	go func() {
		defer close(written)
		testgen.WriteDir(filepath.Join(dir, "later"), 6, 100, 500, 0)
	}()
	cmd := exec.Command(binary, "backup", "--state", state, backup)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("backup while the daemon runs: %v\n%s", err, out)
	}
	d.stop(syscall.SIGTERM)
	<-written // else files written after the RemoveAll below survive it
	os.RemoveAll(filepath.Join(dir, "later"))

	// Restore: stop, put the backup in place of the catalog (and drop its WAL), start.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		os.Remove(state + suffix)
	}
	data, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(state, data, 0o600)
	d = startDaemon(t, dir, state, "--feed-size", "1000")
	after := entryIDs(d.feed("/atom.xml"))
	if len(after) != len(before) {
		t.Errorf("%d entries after restore, %d before", len(after), len(before))
	}
	for title, id := range before {
		if after[title] != id {
			t.Errorf("%q: id %s before, %s after restore", title, id, after[title])
		}
	}
}

// TestMovedDirectoryKeepsCatalog: with the default state path, the same articles under a new
// path do not silently start a new catalog (and new ids).
func TestMovedDirectoryKeepsCatalog(t *testing.T) {
	root, stateHome := t.TempDir(), t.TempDir()
	old := filepath.Join(root, "articles")
	os.Mkdir(old, 0o755)
	drop(t, old, testfix.SeedName, testfix.Seed(t))
	env := []string{"XDG_STATE_HOME=" + stateHome}
	d := launch(t, launchOpts{dir: old, env: env})
	id := d.feed("/atom.xml").Items[0].GUID
	d.stop(syscall.SIGTERM)
	dbs, _ := filepath.Glob(filepath.Join(stateHome, "feedpub", "*.db"))
	if len(dbs) != 1 {
		t.Fatalf("catalogs %v, want one", dbs)
	}

	moved := filepath.Join(root, "moved")
	if err := os.Rename(old, moved); err != nil {
		t.Fatal(err)
	}
	d = launch(t, launchOpts{dir: moved, env: env, noWait: true})
	<-d.done
	d.cmd.Wait()
	if code := d.cmd.ProcessState.ExitCode(); code != 1 || !strings.Contains(d.log(), dbs[0]) || !strings.Contains(d.log(), "--state") {
		t.Errorf("moved directory: exit %d\n%s", code, d.log())
	}
	d = launch(t, launchOpts{dir: moved, state: dbs[0], env: env})
	if got := d.feed("/atom.xml").Items[0].GUID; got != id {
		t.Errorf("id %s after the move, %s before", got, id)
	}
}

// TestStampedVersion builds as the README's release command does and reads the version back.
func TestStampedVersion(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "feedpub")
	out, err := exec.Command("go", "build", "-trimpath", "-ldflags", "-X main.version=v1.2.3", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err = exec.Command(bin, "--version").Output()
	if err != nil || !bytes.Equal(out, []byte("feedpub v1.2.3\n")) {
		t.Errorf("--version: %q %v", out, err)
	}
}

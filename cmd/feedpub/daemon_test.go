package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/feedcheck"
	"github.com/mmcdole/gofeed"
)

// binary is the feedpub executable built once for the integration tests: they run the real
// program as a user would, on a temp dir and a free port.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "feedpub-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "feedpub")
	out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "building feedpub: %v\n%s", err, out)
		os.Exit(1)
	}
	code := feedcheck.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// daemon is one running `feedpub serve` process.
type daemon struct {
	t     testing.TB
	cmd   *exec.Cmd
	base  string // http://127.0.0.1:PORT
	dir   string
	state string

	mu    sync.Mutex
	lines []map[string]any
	raw   bytes.Buffer
	done  chan struct{}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startDaemon runs feedpub on dir with a private state file and waits until it serves.
func startDaemon(t testing.TB, dir, state string, args ...string) *daemon {
	t.Helper()
	return startWrapped(t, nil, dir, state, args...)
}

// startWrapped is startDaemon with the binary run through wrap (e.g. a shell that lowers a
// limit, then execs it), so that the daemon's process is still the one signalled.
func startWrapped(t testing.TB, wrap []string, dir, state string, args ...string) *daemon {
	t.Helper()
	return launch(t, launchOpts{dir: dir, state: state, wrap: wrap,
		args: append([]string{"--timezone", "Asia/Seoul"}, args...)})
}

// launchOpts says how to run one `feedpub serve` beyond what every test daemon shares.
type launchOpts struct {
	dir, state string   // --dir and --state unless empty
	args       []string // more flags
	cwd        string   // working directory; default a fresh temp dir, so no stray feedpub.toml is read
	env        []string // added to the environment (after FEEDPUB_CONFIG=)
	noWait     bool     // return once started, without waiting for "serving"
	wrap       []string // a command that runs the binary given after it, e.g. sh -c 'ulimit ...; exec "$@"' sh
}

// launch starts feedpub serve on a free port with JSON logs and collects its log lines.
func launch(t testing.TB, o launchOpts) *daemon {
	t.Helper()
	addr := freeAddr(t)
	d := &daemon{t: t, dir: o.dir, state: o.state, base: "http://" + addr, done: make(chan struct{})}
	all := []string{"serve", "--addr", addr, "--settle", "100ms", "--log-format", "json"}
	if o.dir != "" {
		all = append(all, "--dir", o.dir)
	}
	if o.state != "" {
		all = append(all, "--state", o.state)
	}
	argv := append(append(append([]string{}, o.wrap...), binary), append(all, o.args...)...)
	d.cmd = exec.Command(argv[0], argv[1:]...)
	d.cmd.Dir = o.cwd
	if d.cmd.Dir == "" {
		d.cmd.Dir = t.TempDir()
	}
	d.cmd.Env = append(append(os.Environ(), "FEEDPUB_CONFIG="), o.env...)
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan struct{})
	go func() {
		defer close(d.done)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		once := sync.Once{}
		for sc.Scan() {
			var m map[string]any
			d.mu.Lock()
			d.raw.Write(sc.Bytes())
			d.raw.WriteByte('\n')
			if json.Unmarshal(sc.Bytes(), &m) == nil {
				d.lines = append(d.lines, m)
				if m["msg"] == "serving" {
					once.Do(func() { close(ready) })
				}
			}
			d.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		d.stop(syscall.SIGKILL)
		if t.Failed() {
			t.Logf("daemon log:\n%s", d.log())
		}
	})
	if o.noWait {
		return d
	}
	select {
	case <-ready:
	case <-d.done:
		d.cmd.Wait()
		t.Fatalf("feedpub exited before serving:\n%s", d.log())
	case <-time.After(20 * time.Second):
		t.Fatalf("feedpub did not start serving within 20s:\n%s", d.log())
	}
	return d
}

func (d *daemon) log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.raw.String()
}

// count returns how many log lines have the message msg (and, if path is set, that path).
func (d *daemon) count(msg, path string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, m := range d.lines {
		if m["msg"] == msg && (path == "" || m["path"] == path) {
			n++
		}
	}
	return n
}

// stop signals the daemon and waits for it; it returns the exit code.
func (d *daemon) stop(sig syscall.Signal) int {
	if d.cmd.ProcessState != nil {
		return d.cmd.ProcessState.ExitCode()
	}
	d.cmd.Process.Signal(sig)
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
	}
	d.cmd.Wait()
	return d.cmd.ProcessState.ExitCode()
}

func (d *daemon) get(path string) (*http.Response, []byte) {
	d.t.Helper()
	resp, err := http.Get(d.base + path)
	if err != nil {
		d.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		d.t.Fatalf("GET %s: %v", path, err)
	}
	return resp, body
}

func (d *daemon) feed(path string) *gofeed.Feed {
	d.t.Helper()
	resp, body := d.get(path)
	if resp.StatusCode != 200 {
		d.t.Fatalf("GET %s: %s", path, resp.Status)
	}
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		d.t.Fatalf("GET %s: gofeed: %v\n%s", path, err, body)
	}
	return f
}

// waitFor polls cond every 20ms until it holds or timeout passes, and returns how long it took.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		if cond() {
			return time.Since(start)
		}
		if time.Since(start) > timeout {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// drop writes data to dir/name the way a careful tool does: into a temp file outside the
// watched tree, then a rename, so the daemon sees the file appear whole. The file is dated a
// second back, as a copy that keeps its source's time is: a file younger than the settle
// time is, by feedpub's completeness rule, still being written and waits for it.
func drop(t testing.TB, dir, name string, data []byte) {
	t.Helper()
	tmp := filepath.Join(t.TempDir(), "staging")
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	then := time.Now().Add(-time.Second)
	if err := os.Chtimes(tmp, then, then); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
}

func entryIDs(f *gofeed.Feed) map[string]string {
	ids := map[string]string{}
	for _, it := range f.Items {
		ids[it.Title] = it.GUID
	}
	return ids
}

func hasTitle(f *gofeed.Feed, sub string) bool {
	for _, it := range f.Items {
		if strings.Contains(it.Title, sub) {
			return true
		}
	}
	return false
}

// logged returns the log lines with message msg, in order.
func (d *daemon) logged(msg string) []map[string]any {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []map[string]any
	for _, m := range d.lines {
		if m["msg"] == msg {
			out = append(out, m)
		}
	}
	return out
}

// waitLogged waits for a log line with message msg and returns the first.
func (d *daemon) waitLogged(timeout time.Duration, msg string) map[string]any {
	d.t.Helper()
	var m map[string]any
	waitFor(d.t, timeout, "log line "+msg, func() bool {
		if l := d.logged(msg); len(l) > 0 {
			m = l[0]
			return true
		}
		return false
	})
	return m
}

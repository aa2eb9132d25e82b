package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// needRoot skips a test that changes the machine (mounts, sysctls) unless it runs as root, as
// it does in .ci/run.
func needRoot(t *testing.T, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skipf("needs root to %s (.ci/run runs as root)", why)
	}
}

// mountTmpfs mounts a tmpfs of size (e.g. "4m") on dir and unmounts it when the test ends,
// whatever state the test left it in. It returns the unmount function for tests that unmount
// on purpose.
func mountTmpfs(t *testing.T, dir, size string) func() {
	t.Helper()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs on %s: %v %s", dir, err, out)
	}
	mounted := true
	var mu sync.Mutex
	unmount := func() {
		mu.Lock()
		defer mu.Unlock()
		if !mounted {
			return
		}
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			// Busy: detach it now, the kernel frees it when the last user goes.
			if out2, err2 := exec.Command("umount", "-l", dir).CombinedOutput(); err2 != nil {
				t.Errorf("umount %s: %v %s / %v %s", dir, err, out, err2, out2)
				return
			}
		}
		mounted = false
	}
	t.Cleanup(unmount)
	return unmount
}

// writeSlowly writes data to path in n chunks, gap apart, calling between (if not nil) after
// each chunk but the last. It returns when the file is complete and closed, with the longest
// pause there was between two chunks (more than gap on a loaded machine).
func writeSlowly(t *testing.T, path string, data []byte, n int, gap time.Duration, between func(i int)) (maxPause time.Duration) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Error(err)
		return 0
	}
	defer f.Close()
	size := (len(data) + n - 1) / n
	last := time.Now()
	for i := 0; i < n; i++ {
		if _, err := f.Write(data[min(i*size, len(data)):min((i+1)*size, len(data))]); err != nil {
			t.Error(err)
			return maxPause
		}
		now := time.Now()
		maxPause, last = max(maxPause, now.Sub(last)), now
		if i < n-1 {
			if between != nil {
				between(i)
			}
			time.Sleep(gap)
		}
	}
	return maxPause
}

// published counts the log lines that put rel into the feeds (added, updated, moved or
// restored): a file published once, whole, has exactly one.
func (d *daemon) published(rel string) int {
	return d.count("catalog added", rel) + d.count("catalog updated", rel) +
		d.count("catalog moved", rel) + d.count("catalog restored", rel)
}

// firstPublished is the time of the first log line that put rel into the feeds; zero if none.
func (d *daemon) firstPublished(rel string) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, m := range d.lines {
		switch m["msg"] {
		case "catalog added", "catalog updated", "catalog moved", "catalog restored":
		default:
			continue
		}
		if m["path"] != rel {
			continue
		}
		if s, ok := m["time"].(string); ok {
			if at, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return at
			}
		}
	}
	return time.Time{}
}

// logHas reports whether any log line contains every one of subs.
func (d *daemon) logHas(subs ...string) bool {
	for _, line := range strings.Split(d.log(), "\n") {
		all := true
		for _, s := range subs {
			if !strings.Contains(line, s) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// healthBody is what the integration tests read from /healthz.
type healthBody struct {
	Status   string `json:"status"`
	Articles int    `json:"articles"`
}

func (d *daemon) health() (int, healthBody) {
	d.t.Helper()
	resp, body := d.get("/healthz")
	var h healthBody
	json.Unmarshal(body, &h)
	return resp.StatusCode, h
}

// rawHTTP sends req on a new connection; with halfClose the client then shuts down its sending
// side, as some proxies and scripted clients do once the request is out. It returns the
// response and whether the server closed the connection after it.
func rawHTTP(t *testing.T, addr, req string, halfClose bool) (*http.Response, bool) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	if halfClose {
		c.(*net.TCPConn).CloseWrite()
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("reading the response to %q: %v", req, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	// The server keeps a connection it means to reuse open; one it closes reads EOF at once.
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err = br.ReadByte()
	closed := err == io.EOF
	return resp, closed
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// serveOnce runs `feedpub serve` until it serves or exits, and returns its output and whether
// it started. A daemon that started is stopped.
func serveOnce(t *testing.T, dir, state string, args ...string) (string, bool) {
	t.Helper()
	all := append([]string{"serve", "--dir", dir, "--state", state, "--addr", freeAddr(t),
		"--log-format", "json"}, args...)
	cmd := exec.Command(binary, all...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "FEEDPUB_CONFIG=")
	out := &lockedBuffer{}
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case <-done:
			return out.String(), false
		case <-deadline:
			cmd.Process.Kill()
			<-done
			t.Fatalf("feedpub neither served nor exited within 20s:\n%s", out.String())
		case <-time.After(20 * time.Millisecond):
			if strings.Contains(out.String(), `"msg":"serving"`) {
				cmd.Process.Signal(syscall.SIGTERM)
				<-done
				return out.String(), true
			}
		}
	}
}

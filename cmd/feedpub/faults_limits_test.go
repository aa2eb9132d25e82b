package main

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/testgen"
)

// TestFaultFileDescriptorPressure (issue 7, item 4): under a low descriptor limit, "too many
// open files" is a transient failure: every file of a burst is published without a SIGHUP.
func TestFaultFileDescriptorPressure(t *testing.T) {
	const n, limit = 500, 64
	dir := t.TempDir()
	// Lowering one's own limit needs no privilege; both soft and hard, so that the Go runtime
	// cannot raise it again at start.
	wrap := []string{"sh", "-c", "ulimit -n " + strconv.Itoa(limit) + ` && exec "$@"`, "sh"}
	d := startWrapped(t, wrap, dir, filepath.Join(t.TempDir(), "state.db"), "--feed-size", "1000")
	staging := t.TempDir()
	if _, err := testgen.WriteDir(staging, 31, n, 2000, 0); err != nil {
		t.Fatal(err)
	}
	// Readers holding connections take most of what is left, as on a busy server.
	addr := strings.TrimPrefix(d.base, "http://")
	var idle []net.Conn
	fds, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(d.cmd.Process.Pid), "fd"))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for range limit - len(fds) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		idle = append(idle, c)
	}
	time.Sleep(200 * time.Millisecond) // let the daemon accept them
	ents, _ := os.ReadDir(staging)
	for _, e := range ents {
		if err := os.Rename(filepath.Join(staging, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(5 * time.Second) // the burst meets the pressure
	for _, c := range idle {
		c.Close()
	}
	start := time.Now()
	got := 0
	for time.Since(start) < 30*time.Second {
		// Polling through a fresh connection each time would itself need descriptors; the
		// daemon answers it between ingests.
		code, h := d.health()
		if code == 200 {
			got = h.Articles
		}
		if got == n {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	emfile := strings.Count(d.log(), "too many open files")
	t.Logf("ulimit -n 64, no descriptor to spare, %d files: %d published within %v, %d lost; %d log lines name EMFILE",
		n, got, time.Since(start).Round(100*time.Millisecond), n-got, emfile)
	if got != n {
		t.Errorf("%d of %d files were lost to EMFILE", n-got, n)
	}
}

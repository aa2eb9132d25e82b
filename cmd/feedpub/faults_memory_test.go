package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/testgen"
)

// TestFaultLargeArticles (issue 7, item 5): 20 articles of 9 MB stay within a bounded memory and
// feed size: feeds carry full content for the newest entries that fit the byte budget, then
// summaries.
func TestFaultLargeArticles(t *testing.T) {
	const n, size = 20, 9_000_000
	dir := t.TempDir()
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))
	staging := t.TempDir()
	for i := range n {
		name := filepath.Join(staging, "big-"+string(rune('a'+i))+".txt")
		if err := os.WriteFile(name, testgen.Article(51, i, size), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ents, _ := os.ReadDir(staging)
	for _, e := range ents {
		if err := os.Rename(filepath.Join(staging, e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 120*time.Second, "20 large articles in the feed", func() bool {
		return len(d.feed("/atom.xml").Items) == n
	})
	pid := d.cmd.Process.Pid
	peak := procStatus(t, pid, "VmHWM")
	time.Sleep(3 * time.Second)
	rss := procStatus(t, pid, "VmRSS")
	sizes := map[string]int{}
	for _, p := range []string{"/rss.xml", "/atom.xml", "/feed.json"} {
		_, body := d.get(p)
		sizes[p] = len(body)
	}
	t.Logf("20 x 9 MB articles: peak RSS %s, RSS 3 s later %s; rss.xml %s, atom.xml %s, feed.json %s",
		mib(peak), mib(rss), mib(int64(sizes["/rss.xml"])), mib(int64(sizes["/atom.xml"])), mib(int64(sizes["/feed.json"])))
	if peak > 300<<20 {
		t.Errorf("peak RSS %s, want under 300 MiB", mib(peak))
	}
	for p, s := range sizes {
		if s > 8<<20 {
			t.Errorf("%s is %s: the feed byte budget is not applied", p, mib(int64(s)))
		}
	}
}

// procStatus reads a size field (VmHWM, VmRSS) of /proc/PID/status, in bytes.
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				t.Fatalf("/proc/%d/status %s: %v", pid, field, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("/proc/%d/status has no %s", pid, field)
	return 0
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

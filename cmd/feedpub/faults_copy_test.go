package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/testgen"
)

// Slow copies for the completeness tests: chunks closer together than the settle time, so that
// the copy is in flight, by any rule, until its last byte.
const (
	copyChunks = 10
	copyGap    = 80 * time.Millisecond
	copySettle = "400ms"
)

// copyInFlight writes n distinct articles slowly into dir at the same time, calling poke
// between chunks, and fails the test for each one published before it was complete (during
// what: the figure is logged). It then checks that every one ends up published once, whole,
// with no later correction.
func copyInFlight(t *testing.T, d *daemon, dir string, n, chunks int, what string, poke func()) {
	t.Helper()
	halfPublished := 0
	var wg sync.WaitGroup
	var mu sync.Mutex
	bodies := map[string][]byte{}
	complete := map[string]time.Time{}
	paused := map[string]time.Duration{}
	for i := range n {
		rel := fmt.Sprintf("copy-%d.txt", i)
		data := testgen.Article(41, i, 3000)
		bodies[rel] = data
		wg.Go(func() {
			pause := writeSlowly(t, filepath.Join(dir, rel), data, chunks, copyGap, func(int) {
				if poke != nil {
					poke()
				}
			})
			mu.Lock()
			complete[rel], paused[rel] = time.Now(), pause
			mu.Unlock()
		})
	}
	wg.Wait()
	waitFor(t, 10*time.Second, "every copy published", func() bool {
		for rel := range bodies {
			if d.published(rel) == 0 {
				return false
			}
		}
		return true
	})
	time.Sleep(time.Second) // room for a late correction, which would show a partial read
	f := d.feed("/feed.json")
	for rel, data := range bodies {
		// A writer held up (a loaded machine) for longer than the settle time paused its copy,
		// which by any rule was complete then: such a copy proves nothing either way.
		if settle, _ := time.ParseDuration(copySettle); paused[rel] >= settle {
			t.Logf("%s: the writer paused %v, longer than settle: not judged", rel, paused[rel])
			continue
		}
		// Published before its last chunk was written: a partial file.
		if d.firstPublished(rel).Before(complete[rel]) {
			halfPublished++
		}
		if got := d.published(rel); got != 1 {
			t.Errorf("%s: published %d times (add, then corrections), want once", rel, got)
		}
		last := strings.Fields(string(data[len(data)-200 : len(data)-40]))
		tail := strings.Join(last[1:len(last)-1], " ")
		found := false
		for _, it := range f.Items {
			if strings.Contains(it.Content, tail) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the feed does not carry its last paragraph (%q)", rel, tail)
		}
	}
	t.Logf("copies published half-written %s: %d of %d", what, halfPublished, n)
	if halfPublished > 0 {
		t.Errorf("%d of %d copies in flight %s were published before they were complete", halfPublished, n, what)
	}
}

// TestFaultCopyDuringRescan (issue 7, item 1): full reconciles obey the same completeness rule
// as events: a copy in flight while the periodic rescan, a SIGHUP or an overflow rescan runs is
// not read until it is complete.
func TestFaultCopyDuringRescan(t *testing.T) {
	t.Run("periodic", func(t *testing.T) {
		dir := t.TempDir()
		d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"), "--settle", copySettle, "--rescan", "100ms")
		copyInFlight(t, d, dir, 3, copyChunks, "during 100ms periodic rescans", nil)
	})
	t.Run("SIGHUP", func(t *testing.T) {
		dir := t.TempDir()
		d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"), "--settle", copySettle)
		copyInFlight(t, d, dir, 3, copyChunks, "during SIGHUP reconciles", func() { d.cmd.Process.Signal(syscall.SIGHUP) })
	})
	t.Run("overflow", func(t *testing.T) {
		dir := t.TempDir()
		d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"), "--settle", copySettle)
		junk := filepath.Join(dir, "junk")
		if err := os.Mkdir(junk, 0o755); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 5*time.Second, "the junk folder watched", func() bool { return d.count("new directory: watch added", "junk") == 1 })
		// A stopped daemon reads no events: the kernel queue (16,384 by default) overflows,
		// and the daemon answers with a full reconcile once it runs again. The flood runs
		// beside the copies, which go on writing meanwhile: a copy held up would be quiet,
		// and complete by any rule.
		var flood sync.WaitGroup
		flood.Go(func() {
			time.Sleep(2 * copyGap)
			d.cmd.Process.Signal(syscall.SIGSTOP)
			defer d.cmd.Process.Signal(syscall.SIGCONT)
			for i := range 20000 {
				os.WriteFile(filepath.Join(junk, fmt.Sprintf("%d.tmp", i)), nil, 0o644)
			}
		})
		// Copies long enough to be in flight when the daemon runs again and rescans.
		copyInFlight(t, d, dir, 3, 80, "during an overflow rescan", nil)
		flood.Wait()
		if d.count("event queue overflowed; rewalking and requesting rescan", "") == 0 {
			t.Fatal("the event queue did not overflow; the test proves nothing")
		}
	})
	t.Run("restart", func(t *testing.T) {
		dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state.db")
		startDaemon(t, dir, state).stop(syscall.SIGTERM) // a catalog that existed before the copy
		rel := "copy-0.txt"
		data := testgen.Article(43, 0, 3000)
		var wg sync.WaitGroup
		var complete time.Time
		wg.Go(func() {
			// The daemon starts, and runs its start-up reconcile, while the copy is in flight.
			writeSlowly(t, filepath.Join(dir, rel), data, 40, copyGap, nil)
			complete = time.Now()
		})
		time.Sleep(2 * copyGap)
		d := startDaemon(t, dir, state, "--settle", copySettle)
		wg.Wait()
		waitFor(t, 10*time.Second, "the copy published", func() bool { return d.published(rel) > 0 })
		half := 0
		if d.firstPublished(rel).Before(complete) {
			half = 1
		}
		time.Sleep(time.Second)
		t.Logf("copies published half-written by the start-up reconcile: %d of 1", half)
		if half > 0 || d.published(rel) != 1 {
			t.Errorf("the copy in flight at start-up was published %d times, %d of them before it was complete",
				d.published(rel), half)
		}
	})
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/testgen"
)

// TestFaultLostCatalog (issue 7, item 3): a catalog that existed and is now gone, empty or
// replaced is an error naming what to restore, never a quiet fresh start with new ids.
func TestFaultLostCatalog(t *testing.T) {
	const n = 50
	setup := func(t *testing.T) (dir, state string) {
		dir, state = t.TempDir(), filepath.Join(t.TempDir(), "state", "state.db")
		if _, err := testgen.WriteDir(dir, 21, n, 1500, 0); err != nil {
			t.Fatal(err)
		}
		d := startDaemon(t, dir, state, "--feed-size", "100")
		waitFor(t, 10*time.Second, "all articles", func() bool { return len(d.feed("/atom.xml").Items) == n })
		d.stop(syscall.SIGTERM)
		return dir, state
	}
	// minted counts the ids a run's log shows minted: after a lost catalog, every article is
	// "added" again (the ids may even be equal strings when it happens on the day they were
	// first minted, which hides the loss until the next day).
	minted := func(log string) int { return strings.Count(log, `"msg":"catalog added"`) }
	cases := []struct {
		name string
		harm func(t *testing.T, state string)
	}{
		{"truncated to 0 bytes", func(t *testing.T, state string) {
			if err := os.Truncate(state, 0); err != nil {
				t.Fatal(err)
			}
		}},
		{"file deleted", func(t *testing.T, state string) {
			for _, p := range []string{state, state + "-wal", state + "-shm"} {
				os.Remove(p)
			}
		}},
		{"replaced by another catalog", func(t *testing.T, state string) {
			other := filepath.Join(t.TempDir(), "other.db")
			startDaemon(t, t.TempDir(), other).stop(syscall.SIGTERM)
			os.Remove(state + "-wal")
			os.Remove(state + "-shm")
			b, err := os.ReadFile(other)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(state, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, state := setup(t)
			c.harm(t, state)
			out, started := serveOnce(t, dir, state)
			if started {
				t.Logf("%s: started anyway: %d of %d ids re-minted, errors logged: %d",
					c.name, minted(out), n, strings.Count(out, `"level":"ERROR"`))
				t.Fatalf("a catalog %s was replaced by a fresh one without an error", c.name)
			}
			t.Logf("%s: refused: %s", c.name, lastLine(out))
			if !strings.Contains(out, "--new-catalog") || !strings.Contains(out, state) {
				t.Errorf("the refusal names neither the catalog nor --new-catalog:\n%s", out)
			}
			// The way out that is named works, and says what it did.
			out, started = serveOnce(t, dir, state, "--new-catalog")
			if !started || !strings.Contains(out, "new catalog") {
				t.Errorf("--new-catalog did not start a new catalog on purpose:\n%s", out)
			}
		})
	}
	t.Run("state directory deleted under the running daemon", func(t *testing.T) {
		dir, state := setup(t)
		d := startDaemon(t, dir, state, "--feed-size", "100")
		if err := os.RemoveAll(filepath.Dir(state)); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		noticed := false
		for time.Since(start) < 5*time.Second && !noticed {
			noticed = d.logHas(`"level":"ERROR"`, filepath.Dir(state))
			time.Sleep(20 * time.Millisecond)
		}
		if !noticed {
			d.stop(syscall.SIGTERM)
			out, _ := serveOnce(t, dir, state)
			t.Logf("state directory deleted: not noticed in 5s; after a restart %d of %d ids re-minted, errors logged: %d",
				minted(out), n, strings.Count(out, `"level":"ERROR"`))
			t.Fatal("the daemon did not notice that its state directory was deleted")
		}
		t.Logf("state directory deleted: noticed after %v", time.Since(start).Round(time.Millisecond))
		d.stop(syscall.SIGTERM)
		// Whatever the daemon did about it, a restart must not mint new ids in silence.
		out, started := serveOnce(t, dir, state)
		if started {
			if k := minted(out); k > 0 {
				t.Errorf("after the restart %d of %d ids were minted again", k, n)
			}
		} else if !strings.Contains(out, "--new-catalog") {
			t.Errorf("the restart refused without naming the way out:\n%s", out)
		}
	})
	t.Run("state directory deleted while stopped, --out kept", func(t *testing.T) {
		dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state", "state.db")
		out := t.TempDir()
		if _, err := testgen.WriteDir(dir, 22, 5, 1500, 0); err != nil {
			t.Fatal(err)
		}
		d := startDaemon(t, dir, state, "--out", out)
		waitFor(t, 10*time.Second, "all articles", func() bool { return len(d.feed("/atom.xml").Items) == 5 })
		d.stop(syscall.SIGTERM)
		os.RemoveAll(filepath.Dir(state))
		log, started := serveOnce(t, dir, state, "--out", out)
		if started {
			t.Fatalf("a lost catalog whose output directory remains was replaced without an error")
		}
		t.Logf("state deleted, --out kept: refused: %s", lastLine(log))
		if !strings.Contains(log, "--new-catalog") || !strings.Contains(log, out) {
			t.Errorf("the refusal names neither the output directory nor --new-catalog:\n%s", log)
		}
	})
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

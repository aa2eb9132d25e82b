package publish

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/fault"
	"github.com/feedpub/feedpub/internal/watch"
)

// A file the catalog deferred (still being written) is looked at again by Run after Settle,
// without another event: nothing is left out because it was caught mid-copy.
func TestRunRetriesDeferredFile(t *testing.T) {
	// Long enough that the file is still young when its batch arrives, on any machine.
	const settle = time.Second
	e := newEnv(t, func(cc *catalog.Config, pc *Config) { cc.Settle, pc.Settle = settle, settle })
	e.std()
	batches := make(chan watch.Batch)
	stop := runPub(t, e, batches)
	// Written just now: as far as its mtime says, it may still be being written.
	if err := os.WriteFile(filepath.Join(e.dir, "fresh.txt"), []byte("Fresh\n\nJust written."), 0o644); err != nil {
		t.Fatal(err)
	}
	before := e.pub.Renders()
	batches <- watch.Batch{Paths: []string{"fresh.txt"}}
	waitRenders(t, e.pub, before+1)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(e.latestTitles(), "Fresh") {
		t.Fatalf("the deferred file was not published: %q", e.latestTitles())
	}
}

// A render whose output cannot be written (here the output path is blocked by a file) is
// retried until it can, without another change in the catalog; meanwhile /healthz says failing.
func TestRunRetriesFailedRender(t *testing.T) {
	e := newEnv(t)
	e.pub.backoff = fault.Backoff{Min: 20 * time.Millisecond, Max: 20 * time.Millisecond}
	e.std()
	if err := os.RemoveAll(e.out); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.out, []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	batches := make(chan watch.Batch)
	stop := runPub(t, e, batches)
	e.write("late.txt", "Late\n\nArrives while the output cannot be written.")
	batches <- watch.Batch{Paths: []string{"late.txt"}}
	deadline := time.Now().Add(5 * time.Second)
	for {
		h, err := e.pub.Health(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if h.Status == "failing" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("health %q while renders fail, want failing", h.Status)
		}
		time.Sleep(5 * time.Millisecond)
	}
	os.Remove(e.out)
	for {
		b, _ := os.ReadFile(filepath.Join(e.out, "rss.xml"))
		if bytes.Contains(b, []byte("Late")) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the output did not catch up once it could be written")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if h, _ := e.pub.Health(e.ctx); h.Status != "ok" {
		t.Fatalf("health %q after the retry succeeded, want ok", h.Status)
	}
}

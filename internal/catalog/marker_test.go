package catalog

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A catalog that existed and is gone, empty or another one is refused with ErrLost, naming
// what to restore (the last backup the marker knows) and --new-catalog; NewCatalog starts over
// on purpose and keeps what was there aside.
func TestLostCatalogRefused(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Alpha", "body"))
	e.reconcile()
	backup := filepath.Join(t.TempDir(), "kept.db")
	if _, err := Backup(e.ctx, e.db, backup); err != nil {
		t.Fatal(err)
	}
	e.cat.Close()
	e.cat = nil
	os.Truncate(e.db, 0)
	_, err := Open(e.ctx, e.cfg)
	if !errors.Is(err, ErrLost) || !strings.Contains(err.Error(), backup) || !strings.Contains(err.Error(), "--new-catalog") {
		t.Fatalf("Open of an emptied catalog: %v, want ErrLost naming %s and --new-catalog", err, backup)
	}
	// Restoring the backup is the way back: same catalog, same ids.
	b, _ := os.ReadFile(backup)
	os.WriteFile(e.db, b, 0o644)
	os.Remove(e.db + "-wal")
	os.Remove(e.db + "-shm")
	e.open()
	if got := len(e.all()); got != 1 {
		t.Fatalf("restored catalog has %d entries", got)
	}
	e.cat.Close()
	e.cat = nil

	// Another catalog put in its place.
	other := newEnv(t)
	other.cat.Close()
	other.cat = nil
	b, _ = os.ReadFile(other.db)
	os.Remove(e.db + "-wal")
	os.Remove(e.db + "-shm")
	os.WriteFile(e.db, b, 0o644)
	if _, err := Open(e.ctx, e.cfg); !errors.Is(err, ErrLost) || !strings.Contains(err.Error(), "not the catalog") {
		t.Fatalf("Open of a replaced catalog: %v", err)
	}

	// Deleted, then a new catalog on purpose: the marker now names the new one.
	os.Remove(e.db)
	cfg := e.cfg
	cfg.NewCatalog = true
	c, err := Open(e.ctx, cfg)
	if err != nil {
		t.Fatalf("NewCatalog: %v", err)
	}
	c.Close()
	if _, err := Open(e.ctx, e.cfg); err != nil {
		t.Fatalf("reopening the new catalog without the flag: %v", err)
	}
}

// Evidence elsewhere (an output directory feedpub wrote) makes a new catalog a lost one too.
func TestEvidenceRefusesNewCatalog(t *testing.T) {
	root := t.TempDir()
	cfg := Config{Path: filepath.Join(root, "state", "c.db"), Dir: root, Authority: "example.org",
		Evidence: "the output directory /srv/www holds feeds feedpub published from a catalog"}
	if _, err := Open(context.Background(), cfg); !errors.Is(err, ErrLost) || !strings.Contains(err.Error(), "/srv/www") {
		t.Fatalf("new catalog with evidence of an old one: %v", err)
	}
	if _, err := os.Stat(cfg.Path); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the refusal created the catalog file: %v", err)
	}
}

// Guard notices a catalog file deleted under the running process, saves the open catalog back
// with its marker, and reports it; reopening finds every entry.
func TestGuardSavesDeletedCatalog(t *testing.T) {
	e := newEnv(t)
	e.write("a.txt", plain("Alpha", "body"))
	e.reconcile()
	id := e.entry("a.txt").ID
	if err := os.RemoveAll(filepath.Dir(e.db)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(e.ctx, 5*time.Second)
	defer cancel()
	err := e.cat.Guard(ctx, 10*time.Millisecond)
	if !errors.Is(err, ErrStateGone) || !strings.Contains(err.Error(), "saved the open catalog back") {
		t.Fatalf("Guard: %v", err)
	}
	e.cat.Close()
	e.open()
	if got := e.entry("a.txt").ID; got != id {
		t.Fatalf("after the save: id %s, want %s", got, id)
	}
}

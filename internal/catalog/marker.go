package catalog

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/atomicfile"
)

// This file keeps, outside the database, the evidence that a catalog existed: a small marker
// file beside it naming the catalog (an identity minted with it) and its feed id. A catalog
// that existed and is now gone, empty or another one is then an error that names what to
// restore, never a quiet fresh start that mints every id again.

// ErrLost is wrapped by Open's refusal of a catalog file that is gone, empty or not the one
// that was there (the marker, or other evidence such as an output directory, says so).
var ErrLost = errors.New("the catalog that was here is lost")

// markerSuffix names the marker beside the catalog file.
const markerSuffix = ".marker"

// stateCatalogID is the state key of the catalog's identity, minted with it.
const stateCatalogID = "catalog_id"

// marker is what the marker file records.
type marker struct {
	Catalog    string    `json:"catalog"` // the identity in the catalog's state table
	FeedID     string    `json:"feed_id,omitempty"`
	Created    time.Time `json:"created"`
	Dir        string    `json:"dir,omitempty"`         // the article directory
	LastBackup string    `json:"last_backup,omitempty"` // written by Backup
	BackedUp   time.Time `json:"backed_up,omitzero"`
}

func markerPath(db string) string { return db + markerSuffix }

// readMarker returns the marker beside db, nil if there is none.
func readMarker(db string) (*marker, error) {
	b, err := os.ReadFile(markerPath(db))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("catalog marker %s: %w", markerPath(db), err)
	}
	var m marker
	if err := json.Unmarshal(b, &m); err != nil || m.Catalog == "" {
		return nil, fmt.Errorf("catalog marker %s: not a marker (%v); move it away if it is not feedpub's", markerPath(db), err)
	}
	return &m, nil
}

// writeMarker replaces the marker beside db atomically and durably.
func writeMarker(db string, m marker) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	dst := markerPath(db)
	if err := atomicfile.Write(dst, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("catalog marker: %w", err)
	}
	return nil
}

// noteBackup records in the marker beside db that a backup was written to dst, so that a lost
// catalog's error can name it.
func noteBackup(db, dst string) error {
	m, err := readMarker(db)
	if err != nil || m == nil {
		return err // no marker: a catalog from before markers; Open writes one
	}
	m.LastBackup, m.BackedUp = dst, time.Now().UTC().Truncate(time.Second)
	return writeMarker(db, *m)
}

// fresh reports whether opening db would create a new catalog: no file, or an empty one.
func fresh(db string) bool {
	fi, err := os.Stat(db)
	return errors.Is(err, fs.ErrNotExist) || err == nil && fi.Size() == 0
}

// checkBeforeOpen refuses a fresh catalog where one existed, unless cfg.NewCatalog; with it,
// what is left of the old one (an empty file, a stale WAL) is moved aside, never deleted.
func checkBeforeOpen(db string, cfg Config, prior *marker) error {
	if !fresh(db) {
		return nil
	}
	what := "is gone"
	if _, err := os.Stat(db); err == nil {
		what = "is empty"
	}
	switch {
	case prior == nil && cfg.Evidence == "":
		return nil // a first start
	case !cfg.NewCatalog && prior != nil:
		return fmt.Errorf("catalog %s %s, but %s records that catalog %s (feed id %s, created %s) was here: %w; %s",
			db, what, markerPath(db), prior.Catalog, orNone(prior.FeedID), prior.Created.Format(time.DateOnly),
			ErrLost, restoreHint(db, prior))
	case !cfg.NewCatalog:
		return fmt.Errorf("catalog %s %s, but %s: %w; %s", db, what, cfg.Evidence, ErrLost, restoreHint(db, nil))
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	for _, p := range []string{db, db + "-wal", db + "-shm"} {
		if _, err := os.Stat(p); err == nil {
			if err := os.Rename(p, p+".lost-"+stamp); err != nil {
				return fmt.Errorf("catalog %s: moving the old %s aside: %w", db, p, err)
			}
		}
	}
	return nil
}

// restoreHint says how to get the lost catalog back: its last backup (the marker names it),
// the copy made before the last upgrade, or a backup the operator has; or --new-catalog.
func restoreHint(db string, prior *marker) string {
	var known []string
	if prior != nil && prior.LastBackup != "" {
		known = append(known, fmt.Sprintf("the last backup, %s (made %s)", prior.LastBackup, prior.BackedUp.Format(time.RFC3339)))
	}
	if pre, _ := filepath.Glob(db + ".pre-v*.bak"); len(pre) > 0 {
		slices.Sort(pre)
		known = append(known, "the copy made before the last upgrade, "+pre[len(pre)-1])
	}
	restore := "restore the newest backup you have (made with `feedpub backup`)"
	if len(known) > 0 {
		restore = "restore " + strings.Join(known, ", or ")
	}
	return fmt.Sprintf("stop feedpub, %s to %s (and delete %s-wal and %s-shm), then start it again; or pass "+
		"--new-catalog to start a new catalog on purpose, in which every article gets a new id", restore, db, db, db)
}

func orNone(s string) string {
	if s == "" {
		return "not minted yet"
	}
	return s
}

// checkIdentity runs once the database is open: a catalog that is not the one the marker (or
// cfg.Evidence) names was put in its place, and is refused unless cfg.NewCatalog adopts it.
// It then mints the identity of a catalog without one and writes the marker.
func (c *Catalog) checkIdentity(ctx context.Context, prior *marker, created bool) error {
	id, err := c.state(ctx, stateCatalogID)
	if err != nil {
		return err
	}
	// A catalog made before identities has its own now; one with entries but no marker is
	// such a catalog, not a replacement.
	if id == "" {
		var b [16]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
		if _, err := c.db.ExecContext(ctx, `INSERT INTO state(key, value) VALUES(?, ?)`, stateCatalogID, id); err != nil {
			return fmt.Errorf("state %s: %w", stateCatalogID, err)
		}
	}
	switch {
	case prior != nil && prior.Catalog != id && !c.cfg.NewCatalog:
		return fmt.Errorf("catalog %s is not the catalog that was here: %s records catalog %s (feed id %s), this is %s: %w; %s",
			c.path, markerPath(c.path), prior.Catalog, orNone(prior.FeedID), id, ErrLost, restoreHint(c.path, prior))
	case c.cfg.NewCatalog && (created || prior != nil && prior.Catalog != id):
		was := "none recorded"
		if prior != nil {
			was = prior.Catalog + " (feed id " + orNone(prior.FeedID) + ")"
		}
		c.log.Warn("catalog: a new catalog on purpose (--new-catalog); every article gets a new id",
			"path", c.path, "catalog", id, "was", was)
	case c.cfg.NewCatalog:
		c.log.Warn("catalog: --new-catalog ignored: the catalog here is intact", "path", c.path, "catalog", id)
	}
	feedID, err := c.FeedID(ctx)
	if err != nil {
		return err
	}
	st, err := c.Stats(ctx)
	if err != nil {
		return err
	}
	m := marker{Catalog: id, FeedID: feedID, Created: st.Created, Dir: c.cfg.Dir}
	if prior != nil && prior.Catalog == id {
		m.LastBackup, m.BackedUp = prior.LastBackup, prior.BackedUp
	}
	return writeMarker(c.path, m)
}

package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// BackupReport says what Backup wrote.
type BackupReport struct {
	Path     string // the backup file, absolute
	Entries  int    // entries in it, live and removed
	Bytes    int64
	Duration time.Duration
}

// Backup writes a consistent copy of the catalog at state to dst, replacing dst atomically.
// It takes no lock and changes nothing in the catalog, so it runs beside the daemon: SQLite's
// VACUUM INTO copies one read transaction, the catalog as of its last commit. The copy is
// checked (integrity and schema) before it replaces dst.
func Backup(ctx context.Context, state, dst string) (BackupReport, error) {
	start := time.Now()
	src, err := filepath.Abs(state)
	if err != nil {
		return BackupReport{}, fmt.Errorf("backup of %s: %w", state, err)
	}
	if _, err := os.Stat(src); err != nil {
		return BackupReport{}, fmt.Errorf("backup of %s: %w", src, err)
	}
	if strings.ContainsRune(src, '?') {
		return BackupReport{}, fmt.Errorf("backup of %s: path must not contain '?'", src)
	}
	// Read-only: a backup must never create, migrate or checkpoint the catalog it copies.
	db, err := sql.Open("sqlite", "file:"+src+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return BackupReport{}, fmt.Errorf("backup of %s: %w", src, err)
	}
	defer db.Close()
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil || version == 0 {
		return BackupReport{}, fmt.Errorf("backup of %s: not a feedpub catalog (%v)", src, err)
	}
	rep, err := vacuumInto(ctx, db, dst)
	rep.Duration = time.Since(start)
	if err != nil {
		return rep, fmt.Errorf("backup of %s: %w", src, err)
	}
	// The marker names the last backup, so that a lost catalog's error can say what to restore.
	if err := noteBackup(src, rep.Path); err != nil {
		return rep, fmt.Errorf("backup of %s: written to %s, but %w", src, rep.Path, err)
	}
	return rep, nil
}

// vacuumInto copies db into dst through a temp file beside it, checks the copy and renames
// it into place.
func vacuumInto(ctx context.Context, db *sql.DB, dst string) (BackupReport, error) {
	abs, err := filepath.Abs(dst)
	if err != nil {
		return BackupReport{}, err
	}
	rep := BackupReport{Path: abs}
	tmp := filepath.Join(filepath.Dir(abs), "."+filepath.Base(abs)+".tmp")
	if err := os.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return rep, err
	}
	defer os.Remove(tmp)
	if _, err := db.ExecContext(ctx, "VACUUM INTO ?", tmp); err != nil {
		return rep, fmt.Errorf("copy to %s: %w", tmp, err)
	}
	if rep.Entries, err = checkCopy(ctx, tmp); err != nil {
		return rep, fmt.Errorf("copy %s: %w", tmp, err)
	}
	f, err := os.Open(tmp)
	if err != nil {
		return rep, err
	}
	err = f.Sync()
	if fi, serr := f.Stat(); serr == nil {
		rep.Bytes = fi.Size()
	}
	f.Close()
	if err != nil {
		return rep, fmt.Errorf("sync %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, abs); err != nil {
		return rep, err
	}
	if d, err := os.Open(filepath.Dir(abs)); err == nil {
		d.Sync()
		d.Close()
	}
	return rep, nil
}

// checkCopy opens a backup read-only and checks that SQLite finds it sound and that it holds
// a catalog; it returns the number of entries.
func checkCopy(ctx context.Context, path string) (int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	var ok string
	if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&ok); err != nil {
		return 0, err
	}
	if ok != "ok" {
		return 0, fmt.Errorf("integrity check: %s", ok)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM entries").Scan(&n); err != nil {
		return 0, err
	}
	return n, nil
}

// backupBeforeMigration copies the catalog, before step `to` changes its schema, to
// PATH.pre-vN.bak beside it: an upgrade that goes wrong can then be undone by hand.
func (c *Catalog) backupBeforeMigration(ctx context.Context, from, to int) error {
	dst := fmt.Sprintf("%s.pre-v%d.bak", c.path, to)
	rep, err := vacuumInto(ctx, c.db, dst)
	if err != nil {
		return fmt.Errorf("backup before migrating from schema %d: %w", from, err)
	}
	c.log.Info("catalog backed up before migration", "backup", rep.Path, "from", from, "to", to, "entries", rep.Entries)
	return nil
}

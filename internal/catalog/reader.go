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

	"github.com/feedpub/feedpub/internal/realdir"
)

// ErrNoCatalog is returned by OpenReader when there is no catalog file at the path.
var ErrNoCatalog = errors.New("no catalog")

// Reader is a read-only view of a catalog, for answering questions about it (`feedpub
// inspect`) while a daemon may hold it: it takes no lock, never migrates and never writes.
type Reader struct {
	db  *sql.DB
	dir string // the article root, symbolic links resolved as Open resolves them
}

// OpenReader opens the catalog at path read-only; dir is the article directory its paths are
// relative to. It refuses a catalog at another schema version than this feedpub's, which it
// could misread, with an error saying how to upgrade it.
func OpenReader(ctx context.Context, path, dir string) (*Reader, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("catalog %s: %w", abs, ErrNoCatalog)
	} else if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", abs, err)
	}
	if strings.ContainsRune(abs, '?') {
		return nil, fmt.Errorf("catalog %s: path must not contain '?'", abs)
	}
	db, err := sql.Open("sqlite", "file:"+abs+"?mode=ro&_pragma=busy_timeout(10000)")
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", abs, err)
	}
	var version int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version); err != nil {
		db.Close()
		return nil, fmt.Errorf("catalog %s: read schema version: %w", abs, err)
	}
	if version != len(migrations) {
		db.Close()
		return nil, fmt.Errorf("catalog %s: schema version %d, this feedpub reads %d (run feedpub build or serve once with this version)",
			abs, version, len(migrations))
	}
	return &Reader{db: db, dir: realdir.Resolve(dir)}, nil
}

// Close closes the database.
func (r *Reader) Close() error { return r.db.Close() }

// Rel returns the path the catalog files the file at name under (relative to the article
// directory, slash-separated), or ok false when name is not inside the article directory.
// name need not exist: a deleted file is still asked about.
func (r *Reader) Rel(name string) (rel string, ok bool) { return relPath(r.dir, name) }

// RelPath is Reader.Rel for the article directory dir, for callers without a catalog.
func RelPath(dir, name string) (rel string, ok bool) { return relPath(realdir.Resolve(dir), name) }

func relPath(dir, name string) (rel string, ok bool) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return "", false
	}
	// Resolve the directory the way Open resolved the root, so that a symlinked root or
	// parent still finds the same key.
	if d, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(d, filepath.Base(abs))
	}
	if d, err := filepath.Abs(dir); err == nil {
		dir = d
	}
	rel, err = filepath.Rel(dir, abs)
	if err != nil || rel == "." || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return "", false
	}
	return filepath.ToSlash(rel), true
}

// PathRecord is everything the catalog remembers about one path.
type PathRecord struct {
	// Entry is the live entry at the path, else the most recently removed one; nil if none.
	Entry *Entry
	// Size and ModTime are the file's stat when Entry was last read: a file whose stat now
	// differs has changed since, and the next reconcile reads it.
	Size    int64
	ModTime time.Time
	// RemovedAt and RemovedWhy ("deleted" or "draft") say when and why Entry was removed.
	RemovedAt  time.Time
	RemovedWhy string
	// HeldUntil is when a live Entry dated in the future will be published; zero if it is
	// visible (or removed).
	HeldUntil time.Time
	// Reject is the remembered rejection of the file; nil if none.
	Reject *Reject
}

// Reject is a file the catalog could not publish, remembered until the file changes.
type Reject struct {
	Reason  string    // the error, naming the file and why
	At      time.Time // when it was rejected; zero for rejections recorded before schema 3
	Size    int64     // the file's stat when it was rejected
	ModTime time.Time
}

// Path returns what the catalog remembers about rel (as Rel returns it).
func (r *Reader) Path(ctx context.Context, rel string) (PathRecord, error) {
	var rec PathRecord
	row := r.db.QueryRowContext(ctx, `SELECT `+entryCols+`, size, mtime, removed_at, removed_why, held_until FROM entries
		WHERE path = ? ORDER BY removed, seq DESC LIMIT 1`, rel)
	var size, mtime int64
	var removedAt, heldUntil sql.NullInt64
	var why sql.NullString
	e, err := scanEntry(scanAppend{row, []any{&size, &mtime, &removedAt, &why, &heldUntil}})
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return rec, fmt.Errorf("look up %s: %w", rel, err)
	default:
		rec.Entry, rec.Size, rec.ModTime = &e, size, time.Unix(0, mtime)
		if removedAt.Valid {
			rec.RemovedAt = unix(removedAt.Int64)
		}
		rec.RemovedWhy = why.String
		if heldUntil.Valid && !e.Removed {
			rec.HeldUntil = unix(heldUntil.Int64)
		}
	}
	var rj Reject
	var at sql.NullInt64
	err = r.db.QueryRowContext(ctx, `SELECT reason, rejected_at, size, mtime FROM rejects WHERE path = ?`, rel).
		Scan(&rj.Reason, &at, &rj.Size, &mtime)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return rec, fmt.Errorf("look up rejected %s: %w", rel, err)
	default:
		rj.ModTime = time.Unix(0, mtime)
		if at.Valid {
			rj.At = unix(at.Int64)
		}
		rec.Reject = &rj
	}
	return rec, nil
}

// scanAppend scans a row into scanEntry's destinations followed by more.
type scanAppend struct {
	s    interface{ Scan(...any) error }
	more []any
}

func (a scanAppend) Scan(dest ...any) error { return a.s.Scan(append(dest, a.more...)...) }

package bucket

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// object is what the manifest remembers of one object: the ETag the store gave it (to compare
// with a listing) and the sum of what was uploaded (to compare with the next version).
type object struct {
	etag string
	sum  [sha256.Size]byte
}

// manifest is the SQLite file that remembers, per bucket key, the objects uploaded. Changes are
// buffered and written in one transaction per flush (or per flushEvery changes): a lost buffer
// only costs repeated uploads, because Intact finds the objects it did not record.
type manifest struct {
	db   *sql.DB
	path string
	key  string

	mu      sync.Mutex
	pending map[string]*object // nil: removed
}

func openManifest(ctx context.Context, path, key string) (*manifest, error) {
	if path == "" {
		return nil, fmt.Errorf("bucket %s: no manifest file given", key)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"+
		"&_pragma=synchronous(NORMAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS objects (
	bucket TEXT NOT NULL,
	name   TEXT NOT NULL,
	etag   TEXT NOT NULL,
	sum    BLOB NOT NULL,
	PRIMARY KEY (bucket, name)
) WITHOUT ROWID`); err != nil {
		db.Close()
		return nil, fmt.Errorf("manifest %s: %w", path, err)
	}
	return &manifest{db: db, path: path, key: key, pending: map[string]*object{}}, nil
}

func (m *manifest) load(ctx context.Context) (map[string]object, error) {
	rows, err := m.db.QueryContext(ctx, `SELECT name, etag, sum FROM objects WHERE bucket = ?`, m.key)
	if err != nil {
		return nil, fmt.Errorf("manifest %s: %w", m.path, err)
	}
	defer rows.Close()
	objects := map[string]object{}
	for rows.Next() {
		var name string
		var o object
		var s []byte
		if err := rows.Scan(&name, &o.etag, &s); err != nil {
			return nil, fmt.Errorf("manifest %s: %w", m.path, err)
		}
		copy(o.sum[:], s)
		objects[name] = o
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("manifest %s: %w", m.path, err)
	}
	return objects, nil
}

// flushEvery bounds the uploads a crash can make the manifest forget.
const flushEvery = 256

// put records an upload and reports whether enough are pending to flush.
func (m *manifest) put(name string, o object) (full bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending[name] = &o
	return len(m.pending) >= flushEvery
}

func (m *manifest) remove(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pending[name] = nil
}

func (m *manifest) flush(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.pending) == 0 {
		return nil
	}
	tx, err := m.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("manifest %s: %w", m.path, err)
	}
	defer tx.Rollback()
	put, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO objects (bucket, name, etag, sum) VALUES (?, ?, ?, ?)`)
	if err != nil {
		return fmt.Errorf("manifest %s: %w", m.path, err)
	}
	del, err := tx.PrepareContext(ctx, `DELETE FROM objects WHERE bucket = ? AND name = ?`)
	if err != nil {
		return fmt.Errorf("manifest %s: %w", m.path, err)
	}
	for name, o := range m.pending {
		if o == nil {
			_, err = del.ExecContext(ctx, m.key, name)
		} else {
			_, err = put.ExecContext(ctx, m.key, name, o.etag, o.sum[:])
		}
		if err != nil {
			return fmt.Errorf("manifest %s: %s: %w", m.path, name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("manifest %s: %w", m.path, err)
	}
	clear(m.pending)
	return nil
}

func (m *manifest) close() error { return m.db.Close() }

package catalog

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
)

// Page caches, in KiB. The connection a reconcile or release writes through gets writeCacheKiB
// for its duration: it holds the indexes of a 100,000-article catalog, which cut its cold load
// from 38 s to 24 s. Every other connection (the readers of feeds and pages) has readCacheKiB,
// set in the DSN: each connection fills its own cache, and up to eight of the writer's size
// were a large part of a big import's peak memory. The readers' misses are reads from the
// operating system's cache.
const (
	writeCacheKiB = 65536
	readCacheKiB  = 8192
)

// firstImportCheckpoint is the WAL size, in pages, at which a first import checkpoints, where
// other writes checkpoint at SQLite's 1,000: each checkpoint writes every index page changed
// since the last one, so a first import that checkpoints every few batches rather than after
// each writes its indexes fewer times.
const firstImportCheckpoint = 16384

// writeConn is the one connection a writer's transactions run on, set up for it and put back
// as it was (or discarded) when the writer is done.
//
// On a first import (an empty catalog: nothing was ever published from it) its commits are
// synchronous=NORMAL: in WAL mode they survive a crash of the process (kill -9) at any moment,
// but the last of them may be lost on a power failure, which only matters for a commit a reader
// has seen. Before the import reports done its last commit is synchronous=FULL, which syncs the
// whole WAL and so every commit before it (durable). The feeds are rendered from the catalog
// only once the import is done; only an article page asked for by slug during the import
// could show an entry a power failure then takes back.
type writeConn struct {
	conn  *sql.Conn
	first bool // commits are synchronous=NORMAL until durable
}

func (c *Catalog) openWriteConn(ctx context.Context, first bool) (*writeConn, error) {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog connection: %w", err)
	}
	wc := &writeConn{conn: conn, first: first}
	pragmas := []string{"PRAGMA cache_size = -" + strconv.Itoa(writeCacheKiB)}
	if first {
		pragmas = append(pragmas, "PRAGMA synchronous = NORMAL",
			"PRAGMA wal_autocheckpoint = "+strconv.Itoa(firstImportCheckpoint))
	}
	for _, p := range pragmas {
		if _, err := conn.ExecContext(ctx, p); err != nil {
			wc.discard()
			return nil, fmt.Errorf("catalog connection %s: %w", p, err)
		}
	}
	return wc, nil
}

// durable makes the next commit, and so every commit before it, synchronous=FULL. It must be
// called with no transaction open (SQLite refuses to change the level inside one).
func (wc *writeConn) durable(ctx context.Context) error {
	if !wc.first {
		return nil
	}
	if _, err := wc.conn.ExecContext(ctx, "PRAGMA synchronous = FULL"); err != nil {
		return fmt.Errorf("catalog connection: make durable: %w", err)
	}
	wc.first = false
	return nil
}

// release puts the connection back in the pool with the settings every connection has (the DSN's),
// shrinking its cache back, or discards it if it cannot: a pooled connection left at
// synchronous=NORMAL would make later commits less durable than they claim.
func (wc *writeConn) release(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	for _, p := range []string{"PRAGMA synchronous = FULL", "PRAGMA wal_autocheckpoint = 1000",
		"PRAGMA cache_size = -" + strconv.Itoa(readCacheKiB)} {
		if _, err := wc.conn.ExecContext(ctx, p); err != nil {
			wc.discard()
			return
		}
	}
	wc.conn.Close()
}

// discard closes the connection for good rather than return it to the pool.
func (wc *writeConn) discard() {
	wc.conn.Raw(func(any) error { return driver.ErrBadConn })
	wc.conn.Close()
}

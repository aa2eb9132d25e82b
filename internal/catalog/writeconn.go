package catalog

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"strconv"
)

// Page caches, in KiB. The connection a reconcile or release writes through gets writeCacheKiB
// for its duration, for the indexes a cold import inserts into; every other connection (the
// readers of feeds and pages) has readCacheKiB, set in the DSN. Each connection fills its own
// cache and the memory stays with the process after the cache shrinks: a cold build of
// 100,000 articles peaked at 317 MB with 64 MiB for the writer, 257 MB with 32 MiB and 243 MB
// with 8 MiB (where its catalog took 37 s against 29 s with 64 MiB), and at 350 MB when every
// connection had 64 MiB. The readers' misses are reads from the operating system's cache.
const (
	writeCacheKiB = 32768
	readCacheKiB  = 8192
)

// writeConn is the one connection a writer's transactions run on, given the writer's cache
// and put back as every other connection is (or discarded) when the writer is done.
//
// Commits stay synchronous=FULL, a first import's too: synchronous=NORMAL with checkpoints
// every 64 MiB was measured for a first import of 100,000 articles and bought nothing the
// noise of a shared machine did not hide (CPU 15.7 s against 16.0 s), while it would lose the
// import's last commits on a power failure, which an article page served by slug during the
// import may already have shown.
type writeConn struct {
	conn *sql.Conn
}

func (c *Catalog) openWriteConn(ctx context.Context) (*writeConn, error) {
	conn, err := c.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("catalog connection: %w", err)
	}
	wc := &writeConn{conn: conn}
	if err := wc.cache(ctx, writeCacheKiB); err != nil {
		wc.discard()
		return nil, err
	}
	return wc, nil
}

func (wc *writeConn) cache(ctx context.Context, kib int) error {
	if _, err := wc.conn.ExecContext(ctx, "PRAGMA cache_size = -"+strconv.Itoa(kib)); err != nil {
		return fmt.Errorf("catalog connection cache: %w", err)
	}
	return nil
}

// release shrinks the connection's cache back to a reader's, so that as a reader it fills no
// more than one (the memory it already took stays with the process, see above), and puts it
// back in the pool; one that cannot be shrunk is discarded instead.
func (wc *writeConn) release(ctx context.Context) {
	if wc.cache(context.WithoutCancel(ctx), readCacheKiB) != nil {
		wc.discard()
		return
	}
	wc.conn.Close()
}

// discard closes the connection for good rather than return it to the pool.
func (wc *writeConn) discard() {
	wc.conn.Raw(func(any) error { return driver.ErrBadConn })
	wc.conn.Close()
}

package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
)

// pragmas returns synchronous, wal_autocheckpoint and cache_size as conn has them.
func pragmas(t *testing.T, ctx context.Context, conn *sql.Conn) string {
	t.Helper()
	var syn, ckpt, cache int
	for _, q := range []struct {
		sql string
		dst *int
	}{{"PRAGMA synchronous", &syn}, {"PRAGMA wal_autocheckpoint", &ckpt}, {"PRAGMA cache_size", &cache}} {
		if err := conn.QueryRowContext(ctx, q.sql).Scan(q.dst); err != nil {
			t.Fatal(err)
		}
	}
	return fmt.Sprintf("synchronous=%d wal_autocheckpoint=%d cache_size=%d", syn, ckpt, cache)
}

// everyConn checks the settings of every connection the pool holds, taken all at once.
func everyConn(t *testing.T, e *env, want string) {
	t.Helper()
	n := e.cat.db.Stats().OpenConnections
	var conns []*sql.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range max(n, 1) {
		conn, err := e.cat.db.Conn(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, conn)
		if got := pragmas(t, e.ctx, conn); got != want {
			t.Errorf("a pooled connection has %s, want %s", got, want)
		}
	}
}

// The writer's connection has the writer's cache while it writes and goes back to the pool
// as every other connection is: FULL, a reader's cache, SQLite's checkpoints.
func TestWriteConnReleased(t *testing.T) {
	e := newEnv(t)
	pooled := fmt.Sprintf("synchronous=2 wal_autocheckpoint=1000 cache_size=-%d", readCacheKiB)
	wc, err := e.cat.openWriteConn(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := pragmas(t, e.ctx, wc.conn), fmt.Sprintf("synchronous=2 wal_autocheckpoint=1000 cache_size=-%d",
		writeCacheKiB); got != want {
		t.Errorf("writer: %s, want %s", got, want)
	}
	wc.release(e.ctx)
	everyConn(t, e, pooled)

	// A first import of several batches, then a later reconcile, leave the pool as it was.
	for i := range batchSize + 10 {
		e.write(fmt.Sprintf("d%d/a%05d.txt", i%3, i), plain(fmt.Sprintf("Article %d", i), "Body."))
	}
	wantCounts(t, e.reconcile(), fmt.Sprintf("a%d u0 r0 m0 x0", batchSize+10))
	everyConn(t, e, pooled)
	e.write("late.txt", plain("Late", "Body."))
	wantCounts(t, e.reconcile(), "a1 u0 r0 m0 x0")
	everyConn(t, e, pooled)
}

package catalog

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// deferredIndexes are the secondary indexes a first import builds once, after its rows, rather
// than row by row: each is in an order unrelated to the order articles arrive in (a content
// hash; each feed's members by date), so every insert went to a random page of it, and with
// them the writer's pages outgrew its cache. Without them (and the two m08 dropped) the
// writer of a first import of 100,000 articles took 5.5 s of CPU rather than 11.3 s, 0.55 s
// of it building them at the end (CREATE INDEX sorts). None is used while an import runs:
// entries_hash finds moved and returning articles, which a catalog with no entries cannot
// have (plan.reclaimable), and feed_entries_latest lists a feed's newest members, which
// without it costs a walk of that feed's rows in feed_entries' primary key, not a scan of the
// entries. Every index a uniqueness rule, a lookup of the import itself (entries_seq for the
// page walk's Each, the id and slug indexes for new entries) or a stat scan relies on stays.
var deferredIndexes = []string{"entries_hash", "feed_entries_latest"}

// deferMinJobs is the fewest files a first import must read for it to defer the indexes: one
// that fits in a single transaction gains nothing worth a schema change.
const deferMinJobs = batchSize

// stateDeferredIndexes is the state key under which the indexes an import dropped wait, with
// the SQL that made them, for the import's last transaction (or, after a crash, the next
// Open or write) to make them again: it commits with the drop, so no crash can lose it.
const stateDeferredIndexes = "deferred_indexes"

// deferredIndex is an index dropped for an import, with its CREATE statement as sqlite_master
// held it: made again from that text, sqlite_master holds exactly what the migrations made.
type deferredIndex struct {
	Name string `json:"name"`
	SQL  string `json:"sql"`
}

// dropDeferred drops the deferred indexes on tx and records them in the state table, in the
// same transaction.
func dropDeferred(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name IN (`+
		strings.TrimSuffix(strings.Repeat("?,", len(deferredIndexes)), ",")+`) ORDER BY name`, anys(deferredIndexes)...)
	if err != nil {
		return fmt.Errorf("list deferred indexes: %w", err)
	}
	var drop []deferredIndex
	for rows.Next() {
		var d deferredIndex
		if err := rows.Scan(&d.Name, &d.SQL); err != nil {
			rows.Close()
			return fmt.Errorf("list deferred indexes: %w", err)
		}
		drop = append(drop, d)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("list deferred indexes: %w", err)
	}
	if len(drop) == 0 {
		return nil
	}
	b, err := json.Marshal(drop)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO state(key, value) VALUES(?, ?)`, stateDeferredIndexes, string(b)); err != nil {
		return fmt.Errorf("state %s: %w", stateDeferredIndexes, err)
	}
	for _, d := range drop {
		if _, err := tx.ExecContext(ctx, `DROP INDEX `+d.Name); err != nil {
			return fmt.Errorf("drop index %s: %w", d.Name, err)
		}
	}
	return nil
}

// restoreDeferred makes again, on tx, the indexes an import dropped (dropDeferred) and forgets
// the record, returning their names; none when nothing waits.
func restoreDeferred(ctx context.Context, tx *sql.Tx) ([]string, error) {
	var v string
	err := tx.QueryRowContext(ctx, `SELECT value FROM state WHERE key = ?`, stateDeferredIndexes).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("state %s: %w", stateDeferredIndexes, err)
	}
	var ds []deferredIndex
	if err := json.Unmarshal([]byte(v), &ds); err != nil {
		return nil, fmt.Errorf("state %s: %w", stateDeferredIndexes, err)
	}
	var names []string
	for _, d := range ds {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?`, d.Name).Scan(&n); err != nil {
			return nil, fmt.Errorf("index %s: %w", d.Name, err)
		}
		if n > 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, d.SQL); err != nil {
			return nil, fmt.Errorf("create index %s: %w", d.Name, err)
		}
		names = append(names, d.Name)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM state WHERE key = ?`, stateDeferredIndexes); err != nil {
		return nil, fmt.Errorf("state %s: %w", stateDeferredIndexes, err)
	}
	return names, nil
}

// restoreIndexes makes again, in a transaction of its own, the indexes an import that did not
// finish (a crash, an error) left dropped: Open calls it before anything reads the catalog.
func (c *Catalog) restoreIndexes(ctx context.Context) error {
	tx, err := c.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := c.recoverIndexes(ctx, tx); err != nil {
		return err
	}
	return tx.Commit()
}

// recoverIndexes makes again on tx what an unfinished import dropped, and says so.
func (c *Catalog) recoverIndexes(ctx context.Context, tx *sql.Tx) error {
	names, err := restoreDeferred(ctx, tx)
	if len(names) > 0 {
		c.log.Info("catalog indexes restored after an unfinished import", "indexes", names)
	}
	return err
}

func anys(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// deferIndexes runs in the writer's first transaction: it makes again what an unfinished
// import dropped, then, for a first import, drops the deferred indexes.
func (w *writer) deferIndexes(ctx context.Context, tx *sql.Tx) error {
	if err := w.c.recoverIndexes(ctx, tx); err != nil {
		return err
	}
	if !w.deferIdx {
		return nil
	}
	return dropDeferred(ctx, tx)
}

// buildDeferred makes the indexes a first import dropped, in its last transaction.
func (w *writer) buildDeferred(ctx context.Context) error {
	if !w.deferIdx {
		return nil
	}
	start := time.Now()
	// CREATE INDEX sorts in memory up to the connection's cache size before it merges runs
	// from temporary files: with the writer's 32 MiB the sort of feed_entries_latest took
	// that much again, which the process kept through the render that follows (peak RSS 297
	// MB rather than 246 at 100,000 articles). A reader's cache is enough for both: the table is
	// read once in order and the index written in order.
	if err := w.wc.cache(ctx, readCacheKiB); err != nil {
		return err
	}
	names, err := restoreDeferred(ctx, w.tx)
	if err != nil {
		return err
	}
	w.c.log.Info("catalog indexes built", "indexes", names, "duration_ms", time.Since(start).Milliseconds())
	return nil
}

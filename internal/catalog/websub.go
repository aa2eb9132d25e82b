package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/feedpub/feedpub/internal/websub"
)

// WebSubStore keeps the WebSub service's durable state in the catalog database, so that a
// notification owed when the process dies is sent after the restart and subscriptions
// survive it. Times are stored as Unix nanoseconds.
type WebSubStore struct{ c *Catalog }

var _ websub.Store = (*WebSubStore)(nil)

// WebSub returns the catalog's WebSub store.
func (c *Catalog) WebSub() *WebSubStore { return &WebSubStore{c: c} }

func nanos(t time.Time) int64     { return t.UnixNano() }
func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }

// tx runs f in one write transaction.
func (s *WebSubStore) tx(ctx context.Context, what string, f func(tx *sql.Tx) error) error {
	tx, err := s.c.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("websub %s: %w", what, err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return fmt.Errorf("websub %s: %w", what, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("websub %s: %w", what, err)
	}
	return nil
}

// Announce implements websub.Store.
func (s *WebSubStore) Announce(ctx context.Context, a websub.Announcement) (bool, error) {
	changed := false
	err := s.tx(ctx, "announce "+a.Topic, func(tx *sql.Tx) error {
		var old []byte
		err := tx.QueryRowContext(ctx, `SELECT hash FROM websub_topics WHERE topic = ?`, a.Topic).Scan(&old)
		if err == nil && bytes.Equal(old, a.Hash) {
			return nil
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		changed = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO websub_topics(topic, hash) VALUES(?, ?)
			ON CONFLICT(topic) DO UPDATE SET hash = excluded.hash`, a.Topic, a.Hash); err != nil {
			return err
		}
		queue := func(kind websub.Kind, target string) error {
			var v int64
			if err := tx.QueryRowContext(ctx, `UPDATE websub_counter SET n = n + 1 WHERE id = 1 RETURNING n`).Scan(&v); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO websub_jobs(kind, target, topic, attempts, next_at, version)
				VALUES(?, ?, ?, 0, ?, ?)
				ON CONFLICT(kind, target, topic) DO UPDATE SET attempts = 0, next_at = excluded.next_at, version = excluded.version`,
				string(kind), target, a.Topic, nanos(a.Now), v)
			return err
		}
		for _, h := range a.Hubs {
			if err := queue(websub.KindNotify, h); err != nil {
				return err
			}
		}
		if !a.Deliver {
			return nil
		}
		rows, err := tx.QueryContext(ctx, `SELECT callback FROM websub_subscriptions WHERE topic = ? AND expires > ?`, a.Topic, nanos(a.Now))
		if err != nil {
			return err
		}
		var cbs []string
		for rows.Next() {
			var cb string
			if err := rows.Scan(&cb); err != nil {
				rows.Close()
				return err
			}
			cbs = append(cbs, cb)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, cb := range cbs {
			if err := queue(websub.KindDeliver, cb); err != nil {
				return err
			}
		}
		return nil
	})
	return changed, err
}

// Jobs implements websub.Store.
func (s *WebSubStore) Jobs(ctx context.Context, limit int) ([]websub.Job, error) {
	rows, err := s.c.db.QueryContext(ctx, `SELECT kind, target, topic, attempts, next_at, version
		FROM websub_jobs ORDER BY next_at, version LIMIT ?`, limit)
	if err != nil {
		return nil, fmt.Errorf("websub jobs: %w", err)
	}
	defer rows.Close()
	var out []websub.Job
	for rows.Next() {
		var j websub.Job
		var kind string
		var next int64
		if err := rows.Scan(&kind, &j.Target, &j.Topic, &j.Attempts, &next, &j.Version); err != nil {
			return nil, fmt.Errorf("websub jobs: %w", err)
		}
		j.Kind, j.NextAt = websub.Kind(kind), fromNanos(next)
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("websub jobs: %w", err)
	}
	return out, nil
}

// FinishJob implements websub.Store.
func (s *WebSubStore) FinishJob(ctx context.Context, j websub.Job) error {
	_, err := s.c.db.ExecContext(ctx, `DELETE FROM websub_jobs WHERE kind = ? AND target = ? AND topic = ? AND version = ?`,
		string(j.Kind), j.Target, j.Topic, j.Version)
	if err != nil {
		return fmt.Errorf("websub finish %s %s: %w", j.Kind, j.Target, err)
	}
	return nil
}

// RetryJob implements websub.Store.
func (s *WebSubStore) RetryJob(ctx context.Context, j websub.Job) error {
	_, err := s.c.db.ExecContext(ctx, `UPDATE websub_jobs SET attempts = ?, next_at = ?
		WHERE kind = ? AND target = ? AND topic = ? AND version = ?`,
		j.Attempts, nanos(j.NextAt), string(j.Kind), j.Target, j.Topic, j.Version)
	if err != nil {
		return fmt.Errorf("websub retry %s %s: %w", j.Kind, j.Target, err)
	}
	return nil
}

// PutSubscription implements websub.Store.
func (s *WebSubStore) PutSubscription(ctx context.Context, sub websub.Subscription, max int) error {
	return s.tx(ctx, "subscribe "+sub.Callback, func(tx *sql.Tx) error {
		var exists, total int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM websub_subscriptions WHERE topic = ? AND callback = ?`,
			sub.Topic, sub.Callback).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM websub_subscriptions`).Scan(&total); err != nil {
				return err
			}
			if total >= max {
				return websub.ErrTooManySubscriptions
			}
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO websub_subscriptions(topic, callback, secret, expires) VALUES(?, ?, ?, ?)
			ON CONFLICT(topic, callback) DO UPDATE SET secret = excluded.secret, expires = excluded.expires`,
			sub.Topic, sub.Callback, sub.Secret, nanos(sub.Expires))
		return err
	})
}

// DeleteSubscription implements websub.Store.
func (s *WebSubStore) DeleteSubscription(ctx context.Context, topic, callback string) error {
	return s.tx(ctx, "unsubscribe "+callback, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM websub_subscriptions WHERE topic = ? AND callback = ?`, topic, callback); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM websub_jobs WHERE kind = ? AND target = ? AND topic = ?`,
			string(websub.KindDeliver), callback, topic)
		return err
	})
}

// GetSubscription implements websub.Store.
func (s *WebSubStore) GetSubscription(ctx context.Context, topic, callback string) (websub.Subscription, bool, error) {
	sub := websub.Subscription{Topic: topic, Callback: callback}
	var exp int64
	err := s.c.db.QueryRowContext(ctx, `SELECT secret, expires FROM websub_subscriptions WHERE topic = ? AND callback = ?`,
		topic, callback).Scan(&sub.Secret, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return websub.Subscription{}, false, nil
	}
	if err != nil {
		return websub.Subscription{}, false, fmt.Errorf("websub subscription %s: %w", callback, err)
	}
	sub.Expires = fromNanos(exp)
	return sub, true, nil
}

// ExpireSubscriptions implements websub.Store.
func (s *WebSubStore) ExpireSubscriptions(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := s.tx(ctx, "expire", func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM websub_jobs WHERE kind = ? AND EXISTS (
			SELECT 1 FROM websub_subscriptions s
			WHERE s.topic = websub_jobs.topic AND s.callback = websub_jobs.target AND s.expires < ?)`,
			string(websub.KindDeliver), nanos(now)); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM websub_subscriptions WHERE expires < ?`, nanos(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// SubscriptionCounts implements websub.Store.
func (s *WebSubStore) SubscriptionCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.c.db.QueryContext(ctx, `SELECT topic, count(*) FROM websub_subscriptions GROUP BY topic`)
	if err != nil {
		return nil, fmt.Errorf("websub subscription counts: %w", err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var t string
		var n int
		if err := rows.Scan(&t, &n); err != nil {
			return nil, fmt.Errorf("websub subscription counts: %w", err)
		}
		out[t] = n
	}
	return out, rows.Err()
}

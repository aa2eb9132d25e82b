package catalog

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// This file holds the one question the catalog must never answer wrongly: is this file an
// article readers have already seen? A yes keeps the article's id and slug; a wrong no would
// show readers an old article as new.

// verdict is what identify decided about a file that has no live entry at its path.
type verdict int

const (
	isNew   verdict = iota // no known article: it gets a new identity
	isKnown                // prev is this article, returning or moved: it keeps prev's identity
	isClash                // prev holds the declared id and its file still exists
)

// add publishes a file that has no live entry at its path: it is a returning or moved article
// if its declared id or its bytes match an entry whose file is gone, else a new one.
func (w *writer) add(ctx context.Context, t *task) error {
	prev, v, err := w.identify(ctx, t)
	if err != nil {
		return err
	}
	switch v {
	case isKnown:
		return w.reclaim(ctx, prev, t)
	case isClash:
		return w.reject(ctx, t, fmt.Errorf("%s: id %q is already used by %s: %w",
			t.rel, t.art.ID, prev.path, ErrDuplicateID), false)
	}
	return w.insert(ctx, t)
}

// identify finds the entry a file new at its path continues, if any. A declared id decides
// alone: its entry is this article if removed or if its file is gone, else a clash. Without
// one, identical bytes do (only when something was removed or vanished: otherwise no
// article can be returning), and last a draft published again at the same path.
func (w *writer) identify(ctx context.Context, t *task) (stored, verdict, error) {
	if t.art.ID != "" {
		st, err := scanStored(w.stmt.byID.QueryRowContext(ctx, t.art.ID))
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return stored{}, isNew, nil
		case err != nil:
			return stored{}, isNew, fmt.Errorf("look up id %q for %s: %w", t.art.ID, t.rel, err)
		case st.removed || w.p.gone(st.path):
			return st, isKnown, nil
		default:
			return st, isClash, nil
		}
	}
	if !w.p.reclaimable {
		return stored{}, isNew, nil
	}
	cands, err := w.sameContent(ctx, t)
	if err != nil {
		return stored{}, isNew, err
	}
	// A live entry whose file just vanished is preferred over a long-removed one: it is the
	// id readers currently see. A live entry whose file still exists makes this a copy.
	for _, st := range cands {
		if !st.removed && w.p.gone(st.path) {
			return st, isKnown, nil
		}
	}
	for _, st := range cands {
		if st.removed {
			return st, isKnown, nil
		}
	}
	// A draft published again: the file never left, it only changed, so it is the same article.
	st, err := scanStored(w.stmt.drafted.QueryRowContext(ctx, t.rel))
	switch {
	case err == nil:
		return st, isKnown, nil
	case !errors.Is(err, sql.ErrNoRows):
		return stored{}, isNew, fmt.Errorf("look up draft %s: %w", t.rel, err)
	}
	return stored{}, isNew, nil
}

// sameContent lists the entries, live or removed, whose stored bytes are t's.
func (w *writer) sameContent(ctx context.Context, t *task) ([]stored, error) {
	rows, err := w.stmt.byHash.QueryContext(ctx, t.hash[:])
	if err != nil {
		return nil, fmt.Errorf("look up content of %s: %w", t.rel, err)
	}
	defer rows.Close()
	var cands []stored
	for rows.Next() {
		st, err := scanStored(rows)
		if err != nil {
			return nil, fmt.Errorf("look up content of %s: %w", t.rel, err)
		}
		cands = append(cands, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("look up content of %s: %w", t.rel, err)
	}
	return cands, nil
}

// update stores an edit of the live entry at t's path. The entry keeps its id whatever the
// file now declares: readers already know the entry by its stored id.
func (w *writer) update(ctx context.Context, t *task) error {
	st, err := scanStored(w.stmt.byRow.QueryRowContext(ctx, t.live.row))
	if err != nil {
		return fmt.Errorf("look up %s: %w", t.rel, err)
	}
	if t.art.ID != "" && t.art.ID != st.id {
		w.c.log.Warn("catalog keeps the published id; the declared id is ignored",
			"path", t.rel, "id", st.id, "declared", t.art.ID)
	}
	held, err := w.setContent(ctx, st, t, true)
	if err != nil {
		return err
	}
	w.settled(ctx, st, held, t, func(ch Change) {
		w.rep.Updated = append(w.rep.Updated, ch)
		w.logEntry(ctx, "catalog updated", "path", t.rel, "id", st.id)
	})
	return nil
}

// reclaim gives an existing entry (removed, or live with its file gone) the new file: the id
// and slug stay, only the path and whatever content differs change.
func (w *writer) reclaim(ctx context.Context, st stored, t *task) error {
	changed := !bytes.Equal(st.hash, t.hash[:])
	held, err := w.setContent(ctx, st, t, changed)
	if err != nil {
		return err
	}
	w.settled(ctx, st, held, t, func(ch Change) {
		if st.path == t.rel {
			w.rep.Added = append(w.rep.Added, ch)
			w.logEntry(ctx, "catalog restored", "path", t.rel, "id", st.id, "content_changed", changed)
		} else {
			if w.claimed == nil {
				w.claimed = map[string]bool{}
			}
			w.claimed[st.path] = true
			w.rep.Moved = append(w.rep.Moved, ch)
			w.logEntry(ctx, "catalog moved", "path", t.rel, "from", st.path, "id", st.id, "content_changed", changed)
		}
	})
	return nil
}

package catalog

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// This file holds the rule that keeps an unmounted share, or an article directory emptied or
// replaced, from unpublishing everything: a full reconcile finds files missing only by their
// absence, which is no evidence at all when the directory is not the one it was. Removals it
// would make above Config.MaxRemovals, or on a directory that is another file system than at
// the last reconcile, are held: logged as such, reported in Report.PendingRemovals, and made
// only when confirmed, by an operator (ConfirmRemovals, SIGUSR1 in the daemon;
// Config.ConfirmRemovals, --confirm-removals for one run) or, for a mass deletion on the same
// directory, by a later full reconcile that finds the files still gone. Removals a watcher
// reports (ReconcilePaths) are evidence of deletion, and are made at once.

// DefaultMaxRemovals is where the max_removals setting starts: more files than a newsroom
// deletes at once by hand, far fewer than an unmounted share takes with it.
const DefaultMaxRemovals = 10

// State keys of the rule.
const (
	stateRoot    = "root_id"          // identity of the article directory at the last reconcile that trusted it
	statePending = "pending_removals" // the removals held, as pendingRemovals
)

// pendingRemovals is the record of removals held.
type pendingRemovals struct {
	Root   string    `json:"root"` // the directory's identity when they were held
	Count  int       `json:"count"`
	Since  time.Time `json:"since"`
	Reason string    `json:"reason"`
	// Moved says the directory was another one than the last trusted: only an operator
	// confirms then.
	Moved bool `json:"moved"`
}

// ConfirmRemovals lets the next full reconcile make the removals it holds (an operator saying
// that the files are gone for good); the caller then asks for one.
func (c *Catalog) ConfirmRemovals() { c.confirmed.Store(true) }

// guardRemovals returns which of the vanished entries a full reconcile may remove now.
func (w *writer) guardRemovals(ctx context.Context, missing []vanished) ([]vanished, error) {
	c := w.c
	// Entries a move has taken are not removed whatever happens: count only the others.
	var gone []vanished
	for _, v := range missing {
		if !w.claimed[v.path] {
			gone = append(gone, v)
		}
	}
	root := w.p.rootID
	known, err := c.state(ctx, stateRoot)
	if err != nil {
		return nil, err
	}
	var prev *pendingRemovals
	if raw, err := c.state(ctx, statePending); err != nil {
		return nil, err
	} else if raw != "" {
		prev = &pendingRemovals{}
		if json.Unmarshal([]byte(raw), prev) != nil {
			prev = nil
		}
	}
	trust := func() error {
		if err := w.setState(ctx, statePending, ""); err != nil {
			return err
		}
		return w.setState(ctx, stateRoot, root)
	}
	moved := known != "" && root != "" && known != root
	confirmed := c.confirmed.Swap(false) || c.cfg.ConfirmRemovals && !c.confirmedOnce.Swap(true)
	switch {
	case len(gone) == 0:
		// Every article is here: this directory, whatever it is now, is the trusted one.
		return nil, trust()
	case confirmed:
		if prev != nil || moved || c.cfg.MaxRemovals > 0 && len(gone) > c.cfg.MaxRemovals {
			c.log.Warn("catalog removals confirmed by the operator", "removals", len(gone))
		}
		return gone, trust()
	}
	reason := ""
	switch {
	case moved:
		reason = "the article directory is another directory or file system than at the last reconcile (an unmounted or replaced share?)"
	case c.cfg.MaxRemovals > 0 && len(gone) > c.cfg.MaxRemovals:
		reason = fmt.Sprintf("%d removals at once, more than max_removals (%d)", len(gone), c.cfg.MaxRemovals)
	default:
		return gone, trust()
	}
	// A mass deletion on the same directory, still there at a later reconcile: confirmed.
	if prev != nil && !prev.Moved && !moved && prev.Root == root && len(gone) >= prev.Count {
		c.log.Warn("catalog removals confirmed by a second reconcile", "removals", len(gone), "held_since", prev.Since)
		return gone, trust()
	}
	p := pendingRemovals{Root: root, Count: len(gone), Since: w.now, Reason: reason, Moved: moved}
	if prev != nil && prev.Root == root {
		p.Since = prev.Since
	}
	b, _ := json.Marshal(p)
	if err := w.setState(ctx, statePending, string(b)); err != nil {
		return nil, err
	}
	how := "send the daemon SIGUSR1 (or run once with --confirm-removals) to make them"
	if !moved {
		how += "; a later reconcile that finds the files still gone makes them too"
	}
	c.log.Warn("catalog removals held: waiting for confirmation", "removals", len(gone), "reason", reason,
		"first", gone[0].path, "confirm", how)
	for _, v := range gone {
		w.rep.PendingRemovals = append(w.rep.PendingRemovals, v.path)
	}
	return nil, nil
}

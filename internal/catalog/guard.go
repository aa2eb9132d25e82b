package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ErrStateGone is returned by Guard when the catalog file was deleted or replaced under the
// running process: every later commit would go to a file nobody can open again.
var ErrStateGone = errors.New("the catalog file was deleted or replaced under the running daemon")

// Guard checks, every interval until ctx is done, that the file at the catalog's path is still
// the one this process has open. When it is not (the state directory was deleted, the file
// replaced), it says so at once, saves the open catalog (to the path if nothing is there now,
// beside it otherwise) with the marker that names it, and returns an error wrapping
// ErrStateGone: the daemon should stop, and a restart goes on from the saved copy with every
// id kept.
func (c *Catalog) Guard(ctx context.Context, interval time.Duration) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := c.stillHere(); err != nil {
			return c.saveLost(ctx, err)
		}
	}
}

// stillHere returns why the file at the path is not the open catalog, or nil.
func (c *Catalog) stillHere() error {
	held, err := c.lock.Stat()
	if err != nil {
		return nil // cannot tell; the next look may
	}
	now, err := os.Stat(c.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s is gone", c.path)
	case err != nil:
		return nil
	case !os.SameFile(held, now):
		return fmt.Errorf("%s is another file now", c.path)
	}
	return nil
}

func (c *Catalog) saveLost(ctx context.Context, why error) error {
	c.log.Error("catalog file deleted or replaced under the running daemon; saving the open catalog",
		"path", c.path, "state_dir", filepath.Dir(c.path), "why", why.Error())
	dst := c.path
	if _, err := os.Stat(dst); err == nil {
		dst = c.path + ".saved-" + time.Now().UTC().Format("20060102T150405Z") + ".bak"
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("catalog %s: %w: %v; saving it failed too: %w", c.path, ErrStateGone, why, err)
	}
	rep, err := vacuumInto(ctx, c.db, dst)
	if err != nil {
		return fmt.Errorf("catalog %s: %w: %v; saving it failed too: %w", c.path, ErrStateGone, why, err)
	}
	if dst == c.path {
		id, _ := c.state(ctx, stateCatalogID)
		feedID, _ := c.Meta(ctx, metaFeedID)
		st, _ := c.Stats(ctx)
		if err := writeMarker(c.path, marker{Catalog: id, FeedID: feedID, Created: st.Created, Dir: c.cfg.Dir}); err != nil {
			return fmt.Errorf("catalog %s: %w: %v; saved it (%d entries) but not its marker: %w", c.path, ErrStateGone, why, rep.Entries, err)
		}
		return fmt.Errorf("catalog %s: %w (%v): saved the open catalog back to it (%d entries); restart feedpub to go on with every id kept",
			c.path, ErrStateGone, why, rep.Entries)
	}
	return fmt.Errorf("catalog %s: %w (%v): saved the open catalog to %s (%d entries); stop feedpub and put back the one to keep",
		c.path, ErrStateGone, why, dst, rep.Entries)
}

package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/config"
	"github.com/feedpub/feedpub/internal/progress"
	"github.com/feedpub/feedpub/internal/publish"
)

// logSettings is the first line of a run: the config file read (or where none was found) and
// the settings whose wrong value is hard to notice later: zone, base URL, authority, paths.
// A defaulted or loopback authority gets one loud warning, since the ids it mints are forever.
func logSettings(log *slog.Logger, cmd string, s config.Settings) {
	attrs := []any{"command", cmd, "version", versionString(), "config", s.File}
	if s.File == "" {
		attrs = append(attrs, "config_searched", strings.Join(s.Searched, ", "))
	}
	attrs = append(attrs, "timezone", s.Timezone, "base_url", s.BaseURL, "authority", s.Authority,
		"authority_from", s.AuthorityFrom, "dir", s.Dir, "state", s.State)
	if s.Out != "" {
		attrs = append(attrs, "out", s.Out)
	}
	log.Info("settings", attrs...)
	if fix := s.ProvisionalAuthority(); fix != "" {
		log.Warn("entry ids use a provisional authority", "authority", s.Authority, "fix", fix,
			"why", "ids are minted once from the authority and never change: readers keep these for good")
	}
}

// checkMoved refuses to start a new catalog at the default state path when the articles in
// the directory are already published by another catalog beside it: the directory moved, and
// going on would mint every id anew.
func checkMoved(ctx context.Context, s config.Settings) error {
	if !s.StateDefaulted {
		return nil
	}
	if _, err := os.Stat(s.State); !errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	owner, err := catalog.FindOwner(ctx, filepath.Dir(s.State), s.Dir, s.State)
	if err != nil || owner == "" {
		return nil // nothing found (or nothing to look at): a new directory
	}
	return fmt.Errorf("the articles in %s are already published by the catalog %s (the directory moved?): "+
		"pass --state %s to keep their ids, or --state with a new path to start a new catalog with new ids",
		s.Dir, owner, owner)
}

// progressFunc shows a bulk job's progress on the terminal, if there is one.
func progressFunc(term *progress.Terminal, label string) func(done, total int) {
	if !term.Enabled() {
		return nil
	}
	var task *progress.Task
	return func(done, total int) {
		if task == nil {
			if done >= total {
				return // the closing call of a job already stopped
			}
			task = term.Start(label, total)
		}
		task.Set(done)
		if done >= total {
			task.Stop()
			task = nil
		}
	}
}

// logSummary is the one line that ends a first import (and every build): what was published,
// what was rejected and why, what was written and how long it all took.
func logSummary(ctx context.Context, p *daemonParts, pub *publish.Publisher, out publish.Outcome) {
	rep := out.Catalog
	h, _ := pub.Health(ctx)
	attrs := []any{"articles", h.Articles, "added", len(rep.Added), "updated", len(rep.Updated),
		"removed", len(rep.Removed), "moved", len(rep.Moved), "rejected", len(rep.Rejected),
		"held", h.Held, "released", len(rep.Released)}
	if len(rep.Rejected) > 0 {
		attrs = append(attrs, "reasons", rep.Reasons())
	}
	attrs = append(attrs, "files_written", out.Render.FeedsWritten+out.Render.PagesWritten,
		"duration_ms", time.Since(p.start).Milliseconds())
	p.log.Info("summary", attrs...)
}

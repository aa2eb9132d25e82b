package publish

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
)

// outKey names the catalog meta record that remembers, per output directory, the catalog
// sequence and site settings it was last written with. It is what lets a no-change build skip
// every page without reading one.
func (p *Publisher) outKey() string {
	abs, err := filepath.Abs(p.cfg.Out)
	if err != nil {
		abs = p.cfg.Out
	}
	return "out:" + abs
}

// writePages brings articles/*.html up to date. When the output directory was last written with
// the same site settings, only entries changed since then are touched; otherwise every page is
// rendered and compared, and pages no entry owns are deleted.
func (p *Publisher) writePages(ctx context.Context, seq int64) (written, removed int, err error) {
	var since int64
	full := true
	if rec, err := p.cat.Meta(ctx, p.outKey()); err == nil && rec != "" {
		if n, key, ok := strings.Cut(rec, " "); ok && key == p.siteKey {
			if s, err := strconv.ParseInt(n, 10, 64); err == nil && s <= seq {
				since, full = s, false
			}
		}
	}
	if !full {
		if _, err := os.Stat(filepath.Join(p.cfg.Out, "index.html")); err != nil {
			full, since = true, 0 // someone emptied the directory: rebuild it
		}
	}
	dir := filepath.Join(p.cfg.Out, "articles")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, fmt.Errorf("output %s: %w", dir, err)
	}
	keep := map[string]bool{}
	err = p.cat.Each(ctx, since, func(e catalog.Entry) error {
		name := e.Slug + ".html"
		if e.Removed && !p.cfg.KeepRemoved {
			if err := os.Remove(filepath.Join(dir, name)); err == nil {
				removed++
			} else if !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("output %s: %w", name, err)
			}
			return nil
		}
		keep[name] = true
		f, err := p.r.Page(e)
		if err != nil {
			return fmt.Errorf("page %s: %w", e.Path, err)
		}
		changed, err := writeFile(p.cfg.Out, f.Name, f.Body)
		if changed {
			written++
		}
		return err
	})
	if err != nil || !full {
		return written, removed, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return written, removed, fmt.Errorf("output %s: %w", dir, err)
	}
	for _, de := range ents {
		if strings.HasSuffix(de.Name(), ".html") && !keep[de.Name()] {
			if err := os.Remove(filepath.Join(dir, de.Name())); err != nil {
				return written, removed, fmt.Errorf("output %s: %w", de.Name(), err)
			}
			removed++
		}
	}
	return written, removed, nil
}

func (p *Publisher) writeFeeds(files []feed.File) error {
	for _, f := range files {
		if _, err := writeFile(p.cfg.Out, f.Name, f.Body); err != nil {
			return err
		}
	}
	return nil
}

// writeFile replaces dir/name with data atomically (temp file in the same directory, fsync,
// rename, fsync of the directory), so a web server serving dir never sees a partial file.
// A file that already holds data is left alone, mtime included, so CDNs and rsync see no change.
func writeFile(dir, name string, data []byte) (changed bool, err error) {
	path := filepath.Join(dir, filepath.FromSlash(name))
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return false, nil
	}
	parent := filepath.Dir(path)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return false, fmt.Errorf("output %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(parent, ".feedpub-*.tmp")
	if err != nil {
		return false, fmt.Errorf("output %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return false, fmt.Errorf("output %s: %w", path, err)
	}
	// CreateTemp makes 0600 files; a web server running as another user must read them.
	if err = tmp.Chmod(0o644); err != nil {
		return false, fmt.Errorf("output %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return false, fmt.Errorf("output %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return false, fmt.Errorf("output %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return false, fmt.Errorf("output %s: %w", path, err)
	}
	if d, derr := os.Open(parent); derr == nil {
		d.Sync() // best effort: makes the rename itself durable
		d.Close()
	}
	return true, nil
}

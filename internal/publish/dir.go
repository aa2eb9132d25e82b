package publish

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/manifest"
)

// dirOutput keeps the static site in a local directory that may be shared with hand-made
// files: its manifest says which files feedpub wrote, and only those are replaced or deleted.
// Files are replaced atomically through a stager; a file whose bytes did not change is left
// untouched, mtime included. Headers are the web server's business, so Put ignores them.
type dirOutput struct {
	root string
	abs  string
	man  *manifest.Manifest
	st   *stager
	// fresh, during a write that found no page on disk (a first build), takes the pages
	// until the next Flush renames its directory into place.
	fresh *freshDir
}

var (
	_ Output = (*dirOutput)(nil)
	_ holder = (*dirOutput)(nil)
)

// newDirOutput returns the Output for root, claimed with m.
func newDirOutput(root string, m *manifest.Manifest) *dirOutput {
	abs, err := filepath.Abs(root)
	if err != nil {
		abs = root
	}
	return &dirOutput{root: root, abs: abs, man: m, st: newStager(root, m)}
}

// Key is the directory's absolute path.
func (d *dirOutput) Key() string { return d.abs }

// Intact reports whether the index and the pages folder are still there; it also clears what a
// write cut short left behind (its temp files). A write starts with it.
func (d *dirOutput) Intact(context.Context) (bool, error) {
	// A fresh stager per write: the last one's temp files are gone (below), and the folders it
	// knew may have been removed since.
	d.st.abort()
	d.st = newStager(d.root, d.man)
	if d.fresh != nil {
		d.fresh.abort()
		d.fresh = nil
	}
	pages := filepath.Join(d.root, filepath.FromSlash(feed.PagesDir))
	_, ierr := os.Stat(filepath.Join(d.root, feed.NameIndex))
	_, perr := os.Stat(pages)
	empty, err := isEmptyDir(pages)
	if err != nil {
		return false, fmt.Errorf("output %s: %w", pages, err)
	}
	if empty {
		if d.fresh, err = newFreshDir(d.root, pages, d.man); err != nil {
			return false, err
		}
	} else {
		removeFresh(d.root, pages) // a crashed first build's, if pages were made since
	}
	if err := os.MkdirAll(pages, 0o755); err != nil {
		return false, fmt.Errorf("output %s: %w", pages, err)
	}
	removeStaleTemps(d.root)
	removeStaleTemps(pages)
	return ierr == nil && perr == nil, nil
}

// Put stages body; files become visible in batches of pageBatch and at Flush, except during
// a first build's first write, where every file is hidden until its Flush (freshDir).
func (d *dirOutput) Put(_ context.Context, name string, body []byte, _, _ string) (bool, error) {
	if d.fresh != nil {
		if base, ok := strings.CutPrefix(name, feed.PagesDir); ok && !strings.Contains(base, "/") {
			if err := d.fresh.stage(name, base, body); err != nil {
				return false, err
			}
			return true, d.fresh.flushIfFull(pageBatch)
		}
		return d.fresh.stageOther(name, body)
	}
	changed, err := d.st.stage(name, body)
	if err != nil {
		return false, err
	}
	return changed, d.st.commitIfFull(pageBatch)
}

// HoldsUntilFlush says whether Put keeps files out of sight until Flush: during a first
// build's first write (freshDir).
func (d *dirOutput) HoldsUntilFlush() bool { return d.fresh != nil }

// Remove deletes name if feedpub wrote it: the directory may hold hand-made files.
func (d *dirOutput) Remove(_ context.Context, name string) (bool, error) { return d.man.Remove(name) }

// Names lists the files under dir that feedpub wrote.
func (d *dirOutput) Names(_ context.Context, dir string) ([]string, error) {
	return d.man.Names(dir), nil
}

// Flush makes the staged files durable and renames them into place.
func (d *dirOutput) Flush(context.Context) error {
	if d.fresh != nil {
		err := d.fresh.commit()
		d.fresh.abort() // nothing left after a rename; the pages after a failure
		d.fresh = nil
		if err != nil {
			return err
		}
	}
	if err := d.st.commit(); err != nil {
		return err
	}
	return d.man.CompactIfLong()
}

// pageBatch is how many pages are made durable together: one syncfs per batch bounds both the
// cost of a cold build and the temp files a crash can leave.
const pageBatch = 1000

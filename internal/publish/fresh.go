package publish

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/feedpub/feedpub/internal/manifest"
)

// freshDir writes the pages of a first build into a hidden directory beside their target and
// renames it into place once every page in it is durable. A web server sees no pages folder,
// then a complete one, and a crash leaves only the hidden directory, which the next write
// deletes. Against the stager it saves, per page, the read of the old file, the temp name and
// the rename: a cold build of 100,000 pages creates 100,000 directory entries, not 200,000.
//
// The other files put before that rename (the archive pages written while the catalog
// imports) go into a second hidden directory, a tree shaped like the output (freshtree.go),
// that is merged into place right after the pages appear: none of them is visible before the
// pages it links to, and a crash leaves only hidden directories.
type freshDir struct {
	tmp, dst string
	man      *manifest.Manifest // records each page before it appears
	tree     freshTree

	mu      sync.Mutex // guards pending
	pending []staged   // written since the last flush
}

// freshPath is where a first build stages the directory dst: a dotfile, like temp files.
func freshPath(dst string) string {
	return filepath.Join(filepath.Dir(dst), tempPrefix+filepath.Base(dst)+".new")
}

func newFreshDir(root, dst string, man *manifest.Manifest) (*freshDir, error) {
	f := &freshDir{tmp: freshPath(dst), dst: dst, man: man, tree: newFreshTree(root)}
	if err := removeFresh(root, dst); err != nil { // a crashed first build's
		return nil, err
	}
	if err := os.MkdirAll(f.tmp, 0o755); err != nil {
		return nil, fmt.Errorf("output %s: %w", f.tmp, err)
	}
	return f, nil
}

// removeFresh deletes what a first build cut short left hidden for the pages directory dst
// and for the rest of the output root.
func removeFresh(root, dst string) error {
	for _, p := range []string{freshPath(dst), freshTreePath(root)} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("output %s: %w", p, err)
		}
	}
	return nil
}

// stage writes base, a file name, into the hidden directory; every page in it is new.
func (f *freshDir) stage(name, base string, data []byte) error {
	p := filepath.Join(f.tmp, base)
	if err := writeNew(p, data); err != nil {
		return fmt.Errorf("output %s: %w", filepath.Join(f.dst, base), err)
	}
	f.mu.Lock()
	f.pending = append(f.pending, staged{name: name, tmp: p})
	f.mu.Unlock()
	return nil
}

// stageOther writes name, a file outside the pages directory, into the hidden tree.
func (f *freshDir) stageOther(name string, data []byte) (bool, error) {
	changed, err := f.tree.stage(f.man, name, data)
	if err != nil {
		return false, err
	}
	return changed, f.tree.flushIfFull(f.man, pageBatch)
}

// flushIfFull flushes once n pages are pending, so that the final flush has little left.
func (f *freshDir) flushIfFull(n int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.pending) < n {
		return nil
	}
	return f.flushLocked()
}

// flushLocked records the pending pages (recordHidden); commit's syncfs covers them where
// syncsAll.
func (f *freshDir) flushLocked() error {
	if err := recordHidden(f.man, f.tmp, f.pending); err != nil {
		return err
	}
	f.pending = f.pending[:0]
	return nil
}

// commit makes the last pages durable and renames the directory into place, then merges the
// hidden tree into the output. An empty target is removed first, as os.Rename refuses to
// replace a directory.
func (f *freshDir) commit() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.flushLocked(); err != nil {
		return err
	}
	if err := f.tree.flushIfFull(f.man, 1); err != nil {
		return err
	}
	if syncsAll {
		if err := makeDurable(f.tmp, nil); err != nil {
			return fmt.Errorf("output %s: flush to disk: %w", f.tmp, err)
		}
	}
	if err := os.Remove(f.dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("output %s: %w", f.dst, err)
	}
	if err := os.Rename(f.tmp, f.dst); err != nil {
		return fmt.Errorf("output %s: %w", f.dst, err)
	}
	// After the pages, which the tree's archive pages link to; the syncfs above made the
	// tree's files durable too (same file system), or its flushes did, file by file.
	dirs, err := f.tree.merge()
	if err != nil {
		return err
	}
	dirs[filepath.Dir(f.dst)] = true
	// Makes the renames durable; best effort, as some file systems refuse it.
	for dir := range dirs {
		if d, err := os.Open(dir); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return nil
}

// abort deletes the hidden directories, and what commit did not move out of them.
func (f *freshDir) abort() {
	f.mu.Lock()
	defer f.mu.Unlock()
	os.RemoveAll(f.tmp)
	f.pending = nil
	f.tree.abort()
}

// isEmptyDir reports whether dir is missing or holds nothing: a first build's pages folder.
func isEmptyDir(dir string) (bool, error) {
	d, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	defer d.Close()
	names, err := d.Readdirnames(1)
	if len(names) > 0 {
		return false, nil
	}
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	return true, nil
}

// writeNew writes data to a new file at p, removing it if the write fails.
func writeNew(p string, data []byte) error {
	fd, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = fd.Write(data)
	if cerr := fd.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(p)
	}
	return err
}

package publish

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/feedpub/feedpub/internal/manifest"
)

// freshTree holds the files other than pages that a first build puts before its pages
// directory appears (see freshDir): a hidden directory at the output's root, shaped like the
// output, merged into it by renames. A first build's archive/, sections/, authors/ and tags/
// do not exist yet, so the merge is a rename per top-level directory, not one per file.
type freshTree struct {
	root, tmp string

	mu      sync.Mutex // guards dirs and pending
	dirs    map[string]bool
	pending []staged // written, not yet recorded in the manifest
}

// freshTreePath is the hidden tree of the output root: a dotfile, like temp files.
func freshTreePath(root string) string { return filepath.Join(root, tempPrefix+"files.new") }

func newFreshTree(root string) freshTree {
	return freshTree{root: root, tmp: freshTreePath(root), dirs: map[string]bool{}}
}

// stage writes data as the coming version of name, unless the output holds exactly that
// already (an output whose pages folder was emptied keeps its other files).
func (t *freshTree) stage(man *manifest.Manifest, name string, data []byte) (bool, error) {
	dst := filepath.Join(t.root, filepath.FromSlash(name))
	same, adopt, err := sameOutput(man, name, dst, data)
	if err != nil {
		return false, err
	}
	if same {
		if adopt {
			t.mu.Lock()
			t.pending = append(t.pending, staged{name: name})
			t.mu.Unlock()
		}
		return false, nil
	}
	p := filepath.Join(t.tmp, filepath.FromSlash(name))
	dir := filepath.Dir(p)
	t.mu.Lock()
	known := t.dirs[dir]
	t.mu.Unlock()
	if !known {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, fmt.Errorf("output %s: %w", dst, err)
		}
	}
	if err := writeNew(p, data); err != nil {
		return false, fmt.Errorf("output %s: %w", dst, err)
	}
	t.mu.Lock()
	t.dirs[dir] = true
	t.pending = append(t.pending, staged{name: name, tmp: p})
	t.mu.Unlock()
	return true, nil
}

// flushIfFull records the pending files once n are pending (recordHidden).
func (t *freshTree) flushIfFull(man *manifest.Manifest, n int) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.pending) < n {
		return nil
	}
	if err := recordHidden(man, t.tmp, t.pending); err != nil {
		return err
	}
	t.pending = t.pending[:0]
	return nil
}

// merge moves the tree's files into the output root, which must be durable and recorded
// already (flushIfFull, then a syncfs). It returns the directories whose entries changed.
func (t *freshTree) merge() (map[string]bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	dirs := map[string]bool{}
	if len(t.dirs) == 0 {
		return dirs, nil // nothing was staged
	}
	return dirs, mergeDir(t.tmp, t.root, dirs)
}

// mergeDir moves everything in src into dst: an entry dst lacks is renamed whole, a directory
// dst has too is merged into, a file replaces dst's.
func mergeDir(src, dst string, dirs map[string]bool) error {
	ents, err := os.ReadDir(src)
	if err != nil {
		return fmt.Errorf("output %s: %w", src, err)
	}
	for _, e := range ents {
		from, to := filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())
		if e.IsDir() {
			fi, err := os.Lstat(to)
			if err == nil && fi.IsDir() {
				if err := mergeDir(from, to, dirs); err != nil {
					return err
				}
				continue
			}
			if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("output %s: %w", to, err)
			}
		}
		if err := os.Rename(from, to); err != nil {
			return fmt.Errorf("output %s: %w", to, err)
		}
		dirs[dst] = true
	}
	return nil
}

// abort deletes the hidden tree and forgets what was staged in it.
func (t *freshTree) abort() {
	t.mu.Lock()
	defer t.mu.Unlock()
	os.RemoveAll(t.tmp)
	clear(t.dirs)
	t.pending = nil
}

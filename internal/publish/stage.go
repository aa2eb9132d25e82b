package publish

import (
	"bytes"
	"fmt"
	"github.com/feedpub/feedpub/internal/manifest"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// stager replaces files in an output directory atomically, in batches. Each file is written to
// a temp file beside its target; commit makes every temp file durable, then renames them over
// their targets and syncs the directories. A web server reading the directory sees either the
// old or the new bytes of each file, never a partial one, and a crash leaves only temp files
// (which the next build removes). Durability is paid once per batch (syncfs on Linux) rather
// than once per file: per-file fsync made a 10,000-page cold build spend 10 s in the kernel.
//
// A stager is safe for concurrent use: pages are staged by several workers.
type stager struct {
	root string
	man  *manifest.Manifest // what feedpub wrote in root; nil: no ownership checks (tests)

	mu      sync.Mutex // guards pending and dirs; held through a commit
	pending []staged
	dirs    map[string]bool
}

type staged struct{ name, tmp, dst string }

// Temp files are dotfiles, so web servers that hide dotfiles never serve one.
const (
	tempPrefix = ".feedpub-"
	tempSuffix = ".tmp"
)

func newStager(root string, man *manifest.Manifest) *stager {
	return &stager{root: root, man: man, dirs: map[string]bool{}}
}

// sameOutput reports whether dst, the output file name, holds exactly data already: unchanged
// files keep their mtime, so CDNs and rsync see no change. adopt says the bytes are feedpub's
// but man does not name them (a directory taken over with --force): the caller records name,
// so that a later removal of its article deletes it. When dst differs, name must be one man
// lets feedpub write. man may be nil (no manifest).
func sameOutput(man *manifest.Manifest, name, dst string, data []byte) (same, adopt bool, err error) {
	if old, err := os.ReadFile(dst); err == nil && bytes.Equal(old, data) {
		return true, man != nil && !man.Owns(name), nil
	}
	if man != nil {
		if err := man.MayWrite(name); err != nil {
			return false, false, err
		}
	}
	return false, false, nil
}

// recordHidden makes files, written into the hidden directory dir, durable and records them
// in man, before a rename can make them visible; where one syncfs at the rename covers every
// file (syncsAll) it leaves durability to that: until then no file is visible, and a syncfs
// per batch held every page worker up while it waited on the disk.
func recordHidden(man *manifest.Manifest, dir string, files []staged) error {
	if len(files) == 0 {
		return nil
	}
	if !syncsAll {
		if err := makeDurable(dir, files); err != nil {
			return fmt.Errorf("output %s: flush to disk: %w", dir, err)
		}
	}
	names := make([]string, len(files))
	for i, st := range files {
		names[i] = st.name
	}
	return man.Record(names...)
}

// stage writes data as the next version of root/name, unless the file already holds exactly
// data (sameOutput).
func (s *stager) stage(name string, data []byte) (changed bool, err error) {
	dst := filepath.Join(s.root, filepath.FromSlash(name))
	same, adopt, err := sameOutput(s.man, name, dst, data)
	if err != nil {
		return false, err
	}
	if same {
		if adopt {
			s.mu.Lock()
			s.pending = append(s.pending, staged{name: name})
			s.mu.Unlock()
		}
		return false, nil
	}
	dir := filepath.Dir(dst)
	s.mu.Lock()
	known := s.dirs[dir]
	s.mu.Unlock()
	if !known {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return false, fmt.Errorf("output %s: %w", dst, err)
		}
	}
	// A name derived from the target, not a random one: only the process holding the catalog
	// lock writes here, and creating random names cost three times as much on ext4.
	tmp := filepath.Join(dir, tempPrefix+filepath.Base(dst)+tempSuffix)
	if err := writeNew(tmp, data); err != nil {
		return false, fmt.Errorf("output %s: %w", dst, err)
	}
	s.mu.Lock()
	s.dirs[dir] = true
	s.pending = append(s.pending, staged{name: name, tmp: tmp, dst: dst})
	s.mu.Unlock()
	return true, nil
}

// commitIfFull commits once n files are pending, bounding the temp files a crash can leave.
func (s *stager) commitIfFull(n int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) < n {
		return nil
	}
	return s.commitLocked()
}

// commit makes the staged files durable and puts them in place.
func (s *stager) commit() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.commitLocked()
}

func (s *stager) commitLocked() error {
	if len(s.pending) == 0 {
		return nil
	}
	if err := makeDurable(s.root, s.pending); err != nil {
		s.abortLocked()
		return fmt.Errorf("output %s: flush to disk: %w", s.root, err)
	}
	if s.man != nil {
		// Recorded before the files appear: a crash then leaves the manifest naming a file of
		// feedpub's that is not there yet, never a file of feedpub's that it does not name.
		names := make([]string, len(s.pending))
		for i, f := range s.pending {
			names[i] = f.name
		}
		if err := s.man.Record(names...); err != nil {
			s.abortLocked()
			return err
		}
	}
	for i, f := range s.pending {
		if f.tmp == "" {
			continue // an unchanged file, only recorded
		}
		if err := os.Rename(f.tmp, f.dst); err != nil {
			s.pending = s.pending[i:]
			s.abortLocked()
			return fmt.Errorf("output %s: %w", f.dst, err)
		}
	}
	s.pending = s.pending[:0]
	for dir := range s.dirs {
		// Makes the renames themselves durable; best effort, as some file systems refuse it.
		if d, err := os.Open(dir); err == nil {
			d.Sync()
			d.Close()
		}
	}
	return nil
}

// abort removes the temp files of a batch that will not be committed.
func (s *stager) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.abortLocked()
}

func (s *stager) abortLocked() {
	for _, f := range s.pending {
		if f.tmp != "" {
			os.Remove(f.tmp)
		}
	}
	s.pending = s.pending[:0]
}

// removeStaleTemps deletes temp files a crash left behind in dir.
func removeStaleTemps(dir string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), tempPrefix) && strings.HasSuffix(e.Name(), tempSuffix) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// Package manifest records which files in an output directory feedpub wrote, so that a web
// root shared with hand-made files stays shared ground: feedpub overwrites and deletes only
// files it wrote itself, and refuses a non-empty directory it has never written to.
package manifest

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/feedpub/feedpub/internal/atomicfile"
)

// Name is the manifest's file name inside the output directory. It is a dotfile so that web
// servers hiding dotfiles never serve it.
const Name = ".feedpub-manifest"

const header = "# Files feedpub wrote into this directory; it deletes or overwrites no other file.\n"

// ErrForeign is wrapped by Claim's refusal of a non-empty directory feedpub never wrote to,
// and by MayWrite's refusal of an existing file feedpub did not write.
var ErrForeign = errors.New("not written by feedpub")

// Manifest is the record of one output directory. It is safe for concurrent use.
type Manifest struct {
	dir   string
	force bool

	mu       sync.Mutex
	names    map[string]struct{}
	log      *os.File // the manifest, open for appending
	appended int      // lines appended since the manifest was last written whole
}

// Claim opens dir's manifest, creating dir and an empty manifest when dir is absent or empty.
// A non-empty dir without a manifest is refused with an error wrapping ErrForeign, unless
// force: then feedpub may also overwrite existing files at the names it writes (they become
// its own), but it still deletes none it did not write.
func Claim(dir string, force bool) (*Manifest, error) {
	m := &Manifest{dir: dir, force: force, names: map[string]struct{}{}}
	f, err := os.Open(filepath.Join(dir, Name))
	switch {
	case err == nil:
		err = m.load(f)
		f.Close()
		if err != nil {
			return nil, err
		}
	case errors.Is(err, fs.ErrNotExist):
		ents, rerr := os.ReadDir(dir)
		if rerr != nil && !errors.Is(rerr, fs.ErrNotExist) {
			return nil, fmt.Errorf("output %s: %w", dir, rerr)
		}
		if len(ents) > 0 && !force {
			return nil, fmt.Errorf("output %s: the directory is not empty and feedpub has never written to it "+
				"(it has no %s), so its files are %w; use an empty or new directory, or pass --force to write "+
				"into it (feedpub then deletes nothing it did not write)", dir, Name, ErrForeign)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("output %s: %w", dir, err)
		}
		if err := m.save(); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("output %s: %w", dir, err)
	}
	if err := m.openLog(); err != nil {
		return nil, err
	}
	return m, nil
}

func (m *Manifest) load(f *os.File) error {
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if op, name, ok := strings.Cut(line, " "); ok && (op == "+" || op == "-") && valid(name) {
			if op == "+" {
				m.names[name] = struct{}{}
			} else {
				delete(m.names, name)
			}
			continue
		}
		if !valid(line) {
			return fmt.Errorf("output %s: %s: bad line %q", m.dir, Name, line)
		}
		m.names[line] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("output %s: %s: %w", m.dir, Name, err)
	}
	return nil
}

// valid accepts slash-separated relative paths inside the directory, and never the manifest.
func valid(name string) bool {
	return name != "" && name != Name && !strings.HasPrefix(name, "/") && path.Clean(name) == name &&
		name != ".." && !strings.HasPrefix(name, "../") && !strings.ContainsAny(name, "\n\r")
}

func (m *Manifest) openLog() error {
	f, err := os.OpenFile(filepath.Join(m.dir, Name), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("output %s: %w", m.dir, err)
	}
	m.log = f
	return nil
}

// Close releases the manifest file.
func (m *Manifest) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.log == nil {
		return nil
	}
	err := m.log.Close()
	m.log = nil
	return err
}

// Dir is the output directory.
func (m *Manifest) Dir() string { return m.dir }

// Owns reports whether feedpub wrote name (slash-separated, relative to the directory).
func (m *Manifest) Owns(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.names[name]
	return ok
}

// MayWrite returns nil when feedpub may create or replace name: it is feedpub's, does not
// exist yet, or Claim was forced. Otherwise the error wraps ErrForeign and says what to do.
func (m *Manifest) MayWrite(name string) error {
	if m.force || m.Owns(name) {
		return nil
	}
	_, err := os.Lstat(filepath.Join(m.dir, filepath.FromSlash(name)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output %s: %w", filepath.Join(m.dir, name), err)
	}
	return fmt.Errorf("output %s: the file exists and is %w, so it is left alone; move it away "+
		"(or pass --force to let feedpub take it over)", filepath.Join(m.dir, name), ErrForeign)
}

// Record notes that feedpub is about to write names. It is durable when it returns, so call
// it before the files appear: a crash then leaves the manifest listing a file that may not
// exist, never a file of feedpub's it does not list.
func (m *Manifest) Record(names ...string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	for _, n := range names {
		if !valid(n) {
			return fmt.Errorf("output %s: bad name %q", m.dir, n)
		}
		if _, ok := m.names[n]; !ok {
			b.WriteString("+ " + n + "\n")
		}
	}
	if b.Len() == 0 {
		return nil
	}
	m.appended += strings.Count(b.String(), "\n")
	if m.log == nil {
		return fmt.Errorf("output %s: manifest closed", m.dir)
	}
	if _, err := m.log.WriteString(b.String()); err != nil {
		return fmt.Errorf("output %s: %s: %w", m.dir, Name, err)
	}
	if err := m.log.Sync(); err != nil {
		return fmt.Errorf("output %s: %s: %w", m.dir, Name, err)
	}
	for _, n := range names {
		m.names[n] = struct{}{}
	}
	return nil
}

// Remove deletes name from the directory if feedpub wrote it, and forgets it. It reports
// whether a file was deleted; a file feedpub did not write is never touched.
func (m *Manifest) Remove(name string) (bool, error) {
	if !m.Owns(name) {
		return false, nil
	}
	err := os.Remove(filepath.Join(m.dir, filepath.FromSlash(name)))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, fmt.Errorf("output %s: %w", filepath.Join(m.dir, name), err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.names, name)
	if m.log != nil {
		// Not synced: a lost "-" line only leaves the name listed for a file that is gone.
		m.log.WriteString("- " + name + "\n")
		m.appended++
	}
	return err == nil, nil
}

// Names lists the recorded names under prefix (e.g. "articles/"), sorted.
func (m *Manifest) Names(prefix string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for n := range m.names {
		if strings.HasPrefix(n, prefix) {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Compact rewrites the manifest as the plain list of names it records, dropping the "+" and
// "-" lines appended since; callers do it after bulk work.
func (m *Manifest) Compact() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.log != nil {
		m.log.Close()
		m.log = nil
	}
	if err := m.save(); err != nil {
		return err
	}
	m.appended = 0
	return m.openLog()
}

// save writes the manifest atomically: temp file, fsync, rename, directory fsync.
func (m *Manifest) save() error {
	names := make([]string, 0, len(m.names))
	for n := range m.names {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(header)
	for _, n := range names {
		b.WriteString(n)
		b.WriteByte('\n')
	}
	if err := atomicfile.Write(filepath.Join(m.dir, Name), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("output %s: %w", m.dir, err)
	}
	return nil
}

// CompactIfLong compacts the manifest once the lines appended since the last compaction
// outnumber the names it records, which keeps it near one line per file at little cost.
func (m *Manifest) CompactIfLong() error {
	m.mu.Lock()
	long := m.appended > len(m.names)+100
	m.mu.Unlock()
	if !long {
		return nil
	}
	return m.Compact()
}

// Wrote reports whether feedpub has written files into dir: its manifest lists some. It is the
// evidence, beside the catalog's own marker, that a catalog published here before.
func Wrote(dir string) bool {
	f, err := os.Open(filepath.Join(dir, Name))
	if err != nil {
		return false
	}
	defer f.Close()
	m := &Manifest{dir: dir, names: map[string]struct{}{}}
	return m.load(f) == nil && len(m.names) > 0
}

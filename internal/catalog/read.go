package catalog

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/article"
	"github.com/feedpub/feedpub/internal/fault"
)

// ErrOutside is wrapped by the rejection of a symbolic link that resolves outside the article
// directory: whoever may write into the directory must not be able to publish, say, files
// from /etc. Config.AllowOutsideLinks lifts it.
var ErrOutside = fault.Content("symbolic link resolves outside the article directory")

// task is a job in flight; the worker fills in the result fields before closing done.
type task struct {
	job
	done      chan struct{}
	read      bool
	missing   bool // the file disappeared between stat and read
	deferred  bool // the file is not complete yet (complete.go): look again later
	same      bool // bytes identical to the live entry's: only the stat changed
	transient bool // the error says nothing about the file's content: retry, do not remember it
	hash      [32]byte
	art       *article.Article
	baseSlug  string // art.BaseSlug(), made by the reading worker rather than the serial writer
	err       error
	weight    int64 // its share of maxInFlightBytes
}

// fail records err as the task's outcome, transient unless fault says it is the content's.
func (t *task) fail(err error) {
	t.err, t.transient = err, !fault.IsContent(err)
}

// readFile reads the file once, checks that it is complete, hashes the bytes and, unless they
// are those already published, parses the same bytes: the stored hash and content always
// describe one version of the file, whatever a writer does meanwhile.
func (c *Catalog) readFile(ctx context.Context, root *os.Root, t *task) {
	if err := ctx.Err(); err != nil {
		t.fail(err)
		return
	}
	abs := c.abs(t.rel)
	// Not worth reading a file the parser refuses anyway.
	if err := c.cfg.Article.CheckSize(abs, t.size); err != nil {
		t.fail(err)
		return
	}
	f, err := c.openArticle(root, t.rel)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			t.missing = true
			return
		}
		t.fail(err)
		return
	}
	defer f.Close()
	// Stat'ed before and after the read, for the completeness rule.
	before, err := f.Stat()
	var data []byte
	if err == nil {
		data, err = article.ReadOpen(f, abs, c.cfg.Article)
	}
	var after fs.FileInfo
	if err == nil {
		after, err = f.Stat()
	}
	if err != nil {
		if !fault.IsContent(err) {
			err = fmt.Errorf("read %s: %w", t.rel, err)
		}
		t.fail(err) // not a regular file or too large: what the file is; else a failure to read it
		return
	}
	t.read = true
	if !c.settler.complete(t.rel, before, after, time.Now()) {
		t.deferred = true
		return
	}
	// What was read is what gets stored: a change after it is seen by the next look.
	t.size, t.mtime = after.Size(), after.ModTime().UnixNano()
	t.hash = sha256.Sum256(data)
	if t.live != nil && t.hash == t.live.hash {
		t.same = true
		if !t.reparse {
			return
		}
	}
	if t.art, err = article.Parse(abs, data, c.cfg.Article); err != nil {
		t.fail(err)
		t.same = false
		return
	}
	t.baseSlug = t.art.BaseSlug()
}

// openArticle opens rel for reading. Unless links to outside are allowed, it opens through
// root, which refuses any path that leaves the article directory, so a link swapped between a
// check and the open cannot lead outside either. A link root does not follow (an absolute
// one) is resolved and, if it stays inside, opened through root at the place it leads to.
func (c *Catalog) openArticle(root *os.Root, rel string) (*os.File, error) {
	if c.cfg.AllowOutsideLinks {
		return os.Open(c.abs(rel))
	}
	f, err := root.Open(filepath.FromSlash(rel))
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		return f, err
	}
	real, rerr := filepath.EvalSymlinks(c.abs(rel))
	if rerr != nil {
		return nil, err
	}
	inner, ok := within(c.cfg.Dir, real)
	if !ok {
		return nil, fmt.Errorf("%s: %w (to %s); set allow_outside_links to publish it", rel, ErrOutside, real)
	}
	return root.Open(inner)
}

// within returns path relative to dir when path is dir or below it.
func within(dir, path string) (string, bool) {
	rel, err := filepath.Rel(dir, path)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) || filepath.IsAbs(rel) {
		return "", false
	}
	return rel, true
}

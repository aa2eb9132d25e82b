package catalog

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/feedpub/feedpub/internal/article"
)

// task is a job in flight; the worker fills in the result fields before closing done.
type task struct {
	job
	done      chan struct{}
	read      bool
	missing   bool // the file disappeared between stat and read
	same      bool // bytes identical to the live entry's: only the stat changed
	transient bool // the error says nothing about the file's content: do not remember it
	hash      [32]byte
	art       *article.Article
	err       error
}

// readFile hashes the file and, unless the bytes are those already published, parses it.
// Hashing comes first so that a write racing the read leaves the stored hash describing older
// bytes than the parsed content, never newer: the next reconcile then sees the change.
func (c *Catalog) readFile(ctx context.Context, t *task) {
	if err := ctx.Err(); err != nil {
		t.err, t.transient = err, true
		return
	}
	abs := c.abs(t.rel)
	// Not worth hashing a file the parser refuses anyway.
	if err := c.cfg.Article.CheckSize(abs, t.size); err != nil {
		t.err = err
		return
	}
	f, err := os.Open(abs)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			t.missing = true
			return
		}
		t.err, t.transient = fmt.Errorf("read %s: %w", t.rel, err), true
		return
	}
	h := sha256.New()
	_, err = io.Copy(h, f)
	f.Close()
	t.read = true
	if err != nil {
		t.err, t.transient = fmt.Errorf("read %s: %w", t.rel, err), true
		return
	}
	h.Sum(t.hash[:0])
	if t.live != nil && t.hash == t.live.hash {
		t.same = true
		if !t.reparse {
			return
		}
	}
	art, err := article.ParseFile(abs, c.cfg.Article)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			t.missing = true
			return
		}
		t.err, t.same = err, false
		return
	}
	t.art = art
}

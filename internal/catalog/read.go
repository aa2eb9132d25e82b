package catalog

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"

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

// readFile reads the file once, hashes the bytes and, unless they are those already
// published, parses the same bytes: the stored hash always describes the stored content, even
// when a write races the read (the next reconcile then sees the new stat).
func (c *Catalog) readFile(ctx context.Context, t *task) {
	if err := ctx.Err(); err != nil {
		t.err, t.transient = err, true
		return
	}
	abs := c.abs(t.rel)
	// Not worth reading a file the parser refuses anyway.
	if err := c.cfg.Article.CheckSize(abs, t.size); err != nil {
		t.err = err
		return
	}
	data, err := article.ReadFile(abs, c.cfg.Article)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		t.missing = true
		return
	case errors.Is(err, article.ErrTooLarge), errors.Is(err, article.ErrUnsupported):
		t.err = err // what the file is, not a failure to read it
		return
	case err != nil:
		t.err, t.transient = fmt.Errorf("read %s: %w", t.rel, err), true
		return
	}
	t.read = true
	t.hash = sha256.Sum256(data)
	if t.live != nil && t.hash == t.live.hash {
		t.same = true
		if !t.reparse {
			return
		}
	}
	if t.art, t.err = article.Parse(abs, data, c.cfg.Article); t.err != nil {
		t.same = false
	}
}

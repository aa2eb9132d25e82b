// Package inspect answers "why is this file not in the feed?" for `feedpub inspect`: for each
// file it says what the article parser reads from it or why it refuses it, whether the ignore
// rule skips it, and what the catalog did with it. It reads files and the catalog and writes
// nothing.
package inspect

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/feedpub/feedpub/internal/article"
	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
)

// Catalog is what inspect asks the catalog; *catalog.Reader is one.
type Catalog interface {
	Rel(name string) (string, bool)
	Path(ctx context.Context, rel string) (catalog.PathRecord, error)
}

var _ Catalog = (*catalog.Reader)(nil)

// Config is what an inspection needs.
type Config struct {
	Dir     string          // the article directory, which the ignore rule and the catalog judge paths from
	Article article.Options // zone and size limit, as the daemon parses with
	BaseURL string          // for the URLs of published articles (feed.BaseURL form)
	Catalog Catalog         // nil: no catalog to ask (none exists yet)
	// PublishFuture and Now are the daemon's embargo rule: an article dated later than Now is
	// held unless PublishFuture (Now nil: time.Now).
	PublishFuture bool
	Now           func() time.Time
}

// Status is what the catalog did with a file.
type Status struct {
	// Status is "published", "held" (until At), "removed", "rejected", "not seen" or "outside
	// the article directory".
	Status string `json:"status"`
	ID     string `json:"id,omitempty"`
	Slug   string `json:"slug,omitempty"`
	URL    string `json:"url,omitempty"`
	// Reason is why it was rejected or removed ("deleted", "draft"), or, for a published
	// entry, why its file's latest version was rejected (the last good one stays published).
	Reason string `json:"reason,omitempty"`
	At     string `json:"at,omitempty"` // when it was removed or rejected, or is due if held, RFC 3339
	// Pending is true when the file changed since the catalog last read it: the daemon reads
	// it on its next look, and what the catalog says here is about the version before.
	Pending bool `json:"pending,omitempty"`
}

// Run writes one JSON line per file to w, directories read recursively, and reports whether
// any file was rejected by the parser (the command then exits 1).
func Run(ctx context.Context, cfg Config, paths []string, w io.Writer) (rejected bool, err error) {
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err == nil && fi.IsDir() {
			err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return writeLine(w, map[string]any{"file": path, "error": err.Error()})
				}
				if d.IsDir() {
					if path != p && article.IgnoredDir(d.Name()) {
						if err := writeLine(w, map[string]any{"file": path, "ignored": "dot-directory"}); err != nil {
							return err
						}
						return fs.SkipDir
					}
					return nil
				}
				bad, err := file(ctx, cfg, path, w)
				rejected = rejected || bad
				return err
			})
			if err != nil {
				return rejected, err
			}
			continue
		}
		bad, err := file(ctx, cfg, p, w)
		if err != nil {
			return rejected, err
		}
		rejected = rejected || bad
	}
	return rejected, nil
}

// file writes the line for one file.
func file(ctx context.Context, cfg Config, path string, w io.Writer) (rejected bool, err error) {
	rel, inside := catalog.RelPath(cfg.Dir, path)
	if cfg.Catalog != nil {
		rel, inside = cfg.Catalog.Rel(path)
	}
	judged := filepath.Base(path) // outside the article directory only the name can be judged
	if inside {
		judged = rel
	}
	if why := article.IgnoreReason(judged); why != "" {
		return false, writeLine(w, map[string]any{"file": path, "ignored": why})
	}
	a, perr := article.ParseFile(path, cfg.Article)
	var rep article.Report
	if perr != nil {
		rep = article.ErrorReport(path, perr)
	} else {
		rep = a.Report(cfg.Article.Location)
		now := time.Now
		if cfg.Now != nil {
			now = cfg.Now
		}
		// The catalog's rule, applied as to a file it has not published yet.
		if until, held := catalog.HeldUntil(a.Published, now(), cfg.PublishFuture); held {
			loc := cfg.Article.Location
			if loc == nil {
				loc = time.UTC
			}
			rep.Status = "held until " + until.In(loc).Format(time.RFC3339)
		}
	}
	var extra map[string]any
	if cfg.Catalog != nil {
		st, err := status(ctx, cfg, path, rel, inside)
		if err != nil {
			return false, err
		}
		// Published already: a date moved later is an update, never a hold again.
		if st.Status == "published" {
			rep.Status = ""
		}
		extra = map[string]any{"catalog": st}
	}
	b, err := json.Marshal(rep)
	if err != nil {
		return false, err
	}
	if err := writeMerged(w, b, extra); err != nil {
		return false, err
	}
	return perr != nil, nil
}

// status is what the catalog remembers of rel, with the file at path as it is now.
func status(ctx context.Context, cfg Config, path, rel string, inside bool) (Status, error) {
	if !inside {
		return Status{Status: "outside the article directory"}, nil
	}
	rec, err := cfg.Catalog.Path(ctx, rel)
	if err != nil {
		return Status{}, err
	}
	loc := cfg.Article.Location
	if loc == nil {
		loc = time.UTC
	}
	at := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(loc).Format(time.RFC3339)
	}
	fi, statErr := os.Stat(path)
	changed := func(size int64, mtime time.Time) bool {
		return statErr != nil || fi.Size() != size || !fi.ModTime().Equal(mtime)
	}
	switch e := rec.Entry; {
	case e != nil && !rec.HeldUntil.IsZero():
		return Status{Status: "held", ID: e.ID, Slug: e.Slug, URL: feed.PageURL(cfg.BaseURL, e.Slug),
			At: at(rec.HeldUntil), Pending: changed(rec.Size, rec.ModTime)}, nil
	case e != nil && !e.Removed:
		st := Status{Status: "published", ID: e.ID, Slug: e.Slug, URL: feed.PageURL(cfg.BaseURL, e.Slug),
			Pending: changed(rec.Size, rec.ModTime)}
		if rj := rec.Reject; rj != nil {
			st.Reason, st.At = rj.Reason, at(rj.At)
			st.Pending = changed(rj.Size, rj.ModTime)
		}
		return st, nil
	case rec.Reject != nil:
		return Status{Status: "rejected", Reason: rec.Reject.Reason, At: at(rec.Reject.At),
			Pending: changed(rec.Reject.Size, rec.Reject.ModTime)}, nil
	case e != nil:
		return Status{Status: "removed", ID: e.ID, Slug: e.Slug, Reason: rec.RemovedWhy, At: at(rec.RemovedAt),
			Pending: statErr == nil}, nil
	}
	return Status{Status: "not seen", Pending: statErr == nil}, nil
}

// writeMerged writes the JSON object obj with the keys of extra added, as one line.
func writeMerged(w io.Writer, obj []byte, extra map[string]any) error {
	if len(extra) > 0 {
		more, err := marshal(extra)
		if err != nil {
			return err
		}
		obj = append(bytes.TrimSuffix(obj, []byte("}")), ',')
		obj = append(obj, more[1:]...)
	}
	_, err := w.Write(append(obj, '\n'))
	return err
}

func writeLine(w io.Writer, v map[string]any) error {
	b, err := marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

// marshal is json.Marshal without HTML escaping, so paths and reasons read as written.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// OpenCatalog opens the catalog at path read-only for an inspection; nil, nil when there is
// none yet, so that inspect still answers everything but the catalog's part.
func OpenCatalog(ctx context.Context, path, dir string) (*catalog.Reader, error) {
	r, err := catalog.OpenReader(ctx, path, dir)
	if errors.Is(err, catalog.ErrNoCatalog) {
		return nil, nil
	}
	return r, err
}

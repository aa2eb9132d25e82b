package catalog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/feedpub/feedpub/internal/article"
)

// liveRow is the part of a live entry needed to decide, without reading the file, whether the
// file changed. The full index of these is the only per-article memory a Reconcile holds.
type liveRow struct {
	row         int64
	size, mtime int64
	hash        [32]byte
	seen        bool
}

// rejRow remembers a rejected file's stat so that it is not read again until it changes.
type rejRow struct {
	size, mtime int64
	seen        bool
}

type vanished struct {
	row  int64
	path string
}

// job is a file that must be read: new, or its size or mtime differ from what is stored.
type job struct {
	rel         string
	size, mtime int64
	live        *liveRow // the live entry at this path; nil if none
	rejected    bool     // a rejects row exists for this path
	reparse     bool     // parse even if the bytes are those stored (the parse settings changed)
}

// plan is what a reconcile has to do, decided from stat alone.
type plan struct {
	jobs        []job
	vanished    []vanished // live entries whose files are gone: removed unless a move claims them
	dropRejects []string   // rejects rows whose files are gone
	unchanged   int
	// reclaimable is false when no entry is removed or vanished, so no new file can be an old
	// article returning: the content and draft lookups are skipped (a cold load's fast path).
	reclaimable bool
	// empty: the catalog held no entry, live or removed (a full reconcile only): a first
	// import, which builds deferredIndexes after its rows.
	empty bool
	// gone reports whether the file of a live entry no longer exists (as an article); a new
	// file with that entry's content (or declared id) is then the same article, moved.
	gone    func(rel string) bool
	reparse bool // read every file: the parse settings changed (full reconcile only)
	// full: a walk of the whole directory, whose removals rest on absence alone (removals.go);
	// rootID is the directory's identity at that walk.
	full   bool
	rootID string
}

func (c *Catalog) abs(rel string) string {
	return filepath.Join(c.cfg.Dir, filepath.FromSlash(rel))
}

// planDir walks Dir and compares every file's stat with the index of live entries.
func (c *Catalog) planDir(ctx context.Context) (*plan, error) {
	root := c.cfg.Dir
	// A missing root must fail the reconcile, not empty the feed (think of an unmounted volume).
	rootInfo, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("article directory %s: %w", root, err)
	} else if !rootInfo.IsDir() {
		return nil, fmt.Errorf("article directory %s: not a directory", root)
	}
	live, err := c.loadLive(ctx)
	if err != nil {
		return nil, err
	}
	rejects, err := c.loadRejects(ctx)
	if err != nil {
		return nil, err
	}
	p := &plan{reparse: c.reparse, full: true, rootID: rootID(rootInfo)}
	seen := map[string]bool{} // article files the walk found, for the settler's memory
	// Entries under a directory the walk could not read are kept: a permission slip or a flaky
	// mount must not remove articles from the feed.
	var unreadable []string
	err = filepath.WalkDir(root, func(abs string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		rel, rerr := filepath.Rel(root, abs)
		if rerr != nil {
			return rerr
		}
		rel = filepath.ToSlash(rel)
		if err != nil {
			if rel == "." {
				return err
			}
			c.log.Warn("catalog cannot read", "path", rel, "err", err)
			unreadable = append(unreadable, rel)
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if rel != "." && article.IgnoredDir(rel) {
				return fs.SkipDir
			}
			return nil
		}
		if article.Ignored(rel) {
			return nil
		}
		var info fs.FileInfo
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			// Symlinked files are read through; symlinked directories are not followed,
			// which also rules out cycles.
			info, err = os.Stat(abs)
			if err != nil || !info.Mode().IsRegular() {
				return nil
			}
		case d.Type().IsRegular():
			if info, err = d.Info(); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				c.log.Warn("catalog cannot stat", "path", rel, "err", err)
				unreadable = append(unreadable, rel)
				return nil
			}
		default:
			return nil
		}
		lr := live[rel]
		rj := rejects[rel]
		if rj != nil {
			rj.seen = true
		}
		p.consider(rel, info.Size(), info.ModTime().UnixNano(), lr, rj, false)
		seen[rel] = true
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", root, err)
	}
	c.settler.forget(func(rel string) bool { return seen[rel] })
	isUnreadable := func(rel string) bool {
		for _, u := range unreadable {
			if rel == u || strings.HasPrefix(rel, u+"/") {
				return true
			}
		}
		return false
	}
	for rel, lr := range live {
		if !lr.seen && !isUnreadable(rel) {
			p.vanished = append(p.vanished, vanished{lr.row, rel})
		}
	}
	sort.Slice(p.vanished, func(i, j int) bool { return p.vanished[i].path < p.vanished[j].path })
	for rel, rj := range rejects {
		if !rj.seen && !isUnreadable(rel) {
			p.dropRejects = append(p.dropRejects, rel)
		}
	}
	var removed int
	if err := c.db.QueryRowContext(ctx, `SELECT count(*) FROM entries WHERE removed = 1`).Scan(&removed); err != nil {
		return nil, fmt.Errorf("count removed entries: %w", err)
	}
	p.reclaimable = removed > 0 || len(p.vanished) > 0
	p.empty = removed == 0 && len(live) == 0
	p.gone = func(rel string) bool {
		lr, ok := live[rel]
		return ok && !lr.seen && !isUnreadable(rel)
	}
	return p, nil
}

// consider queues a file for reading unless its stat says it is unchanged. With named (a
// watcher reported the path) it is read whatever its stat says: an event is evidence of a
// write, and an edit can keep both size and mtime (tools that preserve times, coarse clocks).
func (p *plan) consider(rel string, size, mtime int64, lr *liveRow, rj *rejRow, named bool) {
	if lr != nil {
		lr.seen = true
	}
	if p.reparse {
		p.jobs = append(p.jobs, job{rel: rel, size: size, mtime: mtime, live: lr, rejected: rj != nil, reparse: true})
		return
	}
	if !named {
		// Rejected before and untouched since: reading it again would only repeat the
		// rejection. This comes first so that a broken edit of a live entry is not re-read on
		// every Reconcile.
		if rj != nil && rj.size == size && rj.mtime == mtime {
			return
		}
		if lr != nil && lr.size == size && lr.mtime == mtime {
			p.unchanged++
			return
		}
	}
	p.jobs = append(p.jobs, job{rel: rel, size: size, mtime: mtime, live: lr, rejected: rj != nil})
}

// fileKind is what a relative path currently is, as far as the catalog is concerned.
type fileKind int

const (
	kindAbsent  fileKind = iota // missing, ignored, under a symlinked or ignored directory, or not a regular file
	kindFile                    // an article candidate
	kindDir                     // a directory to leave to the watcher
	kindUnknown                 // stat failed for another reason: decide nothing
)

// statRel classifies rel by the same rules the Reconcile walk applies, so that ReconcilePaths and Reconcile
// agree on which files exist.
func (c *Catalog) statRel(rel string) (fs.FileInfo, fileKind) {
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		dir := strings.Join(parts[:i], "/")
		if article.IgnoredDir(dir) {
			return nil, kindAbsent
		}
		fi, err := os.Lstat(c.abs(dir))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, kindAbsent
			}
			return nil, kindUnknown
		}
		if fi.Mode()&fs.ModeSymlink != 0 || !fi.IsDir() {
			return nil, kindAbsent
		}
	}
	fi, err := os.Stat(c.abs(rel))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, kindAbsent
		}
		c.log.Warn("catalog cannot stat", "path", rel, "err", err)
		return nil, kindUnknown
	}
	if fi.IsDir() {
		if article.IgnoredDir(rel) {
			return nil, kindAbsent
		}
		return fi, kindDir
	}
	if !fi.Mode().IsRegular() || article.Ignored(rel) {
		return nil, kindAbsent
	}
	return fi, kindFile
}

// cleanRel normalises a watcher path; ok is false for paths outside Dir.
func cleanRel(rel string) (string, bool) {
	rel = path.Clean(strings.TrimPrefix(rel, "./"))
	if rel == "." || rel == ".." || strings.HasPrefix(rel, "/") || strings.HasPrefix(rel, "../") {
		return "", false
	}
	return rel, true
}

// planPaths builds a plan for the given paths only, asking the database for their entries.
func (c *Catalog) planPaths(ctx context.Context, rels []string) (*plan, error) {
	// Any live entry's file may be gone without being listed, so every new file is checked.
	p := &plan{reclaimable: true}
	listed := map[string]bool{}
	goneSet := map[string]bool{}
	for _, raw := range rels {
		rel, ok := cleanRel(raw)
		if !ok {
			c.log.Warn("catalog ignores path outside the article directory", "path", raw)
			continue
		}
		if listed[rel] {
			continue
		}
		listed[rel] = true
		fi, kind := c.statRel(rel)
		switch kind {
		case kindUnknown, kindDir:
			continue
		case kindAbsent:
			// The path and, if it was a directory, everything under it are gone.
			under, err := c.liveUnder(ctx, rel)
			if err != nil {
				return nil, err
			}
			for _, v := range under {
				if !goneSet[v.path] {
					goneSet[v.path] = true
					p.vanished = append(p.vanished, v)
				}
			}
			goneSet[rel] = true
			p.dropRejects = append(p.dropRejects, rel)
			continue
		}
		lr, err := c.liveAt(ctx, rel)
		if err != nil {
			return nil, err
		}
		rj, err := c.rejectAt(ctx, rel)
		if err != nil {
			return nil, err
		}
		p.consider(rel, fi.Size(), fi.ModTime().UnixNano(), lr, rj, true)
	}
	p.gone = func(rel string) bool {
		if goneSet[rel] {
			return true
		}
		if listed[rel] {
			return false
		}
		// Not reported by the watcher (yet): ask the file system, so that a move is found
		// whichever of its two events arrives first.
		_, kind := c.statRel(rel)
		return kind == kindAbsent
	}
	return p, nil
}

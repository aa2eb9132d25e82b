package watch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// This file is what the watcher does when inotify cannot: folders it could not watch because
// the watch limit (fs.inotify.max_user_watches) is reached are polled instead, and the root
// itself is checked for being replaced (a share mounted or unmounted on it), which no event
// reports.

// fileLook is one polled file's stat.
type fileLook struct {
	size  int64
	mtime time.Time
	dir   bool
}

// pollState is one polled folder: its files at the last round.
type pollState map[string]fileLook

// watchLimited reports whether err is inotify's "no more watches" (ENOSPC from
// inotify_add_watch), which polling works around.
func watchLimited(err error) bool { return errors.Is(err, syscall.ENOSPC) }

// pollDir starts polling dir, which could not be watched. It logs the limit once.
func (w *Watcher) pollDir(dir string, mark bool) {
	if w.polled == nil {
		w.polled = map[string]pollState{}
	}
	if _, ok := w.polled[dir]; ok {
		return
	}
	snap := readPoll(dir)
	w.polled[dir] = snap
	if mark {
		now := time.Now()
		for name, l := range snap {
			if rel, ok := w.rel(filepath.Join(dir, name)); ok && !l.dir && !w.ignore(rel) {
				w.dirty.touch(rel, now)
			}
		}
	}
	if !w.limitLogged {
		w.limitLogged = true
		limit, _ := os.ReadFile("/proc/sys/fs/inotify/max_user_watches")
		w.log.Warn("inotify watch limit reached: polling the folders that cannot be watched; raise it with sysctl fs.inotify.max_user_watches",
			"fs.inotify.max_user_watches", strings.TrimSpace(string(limit)), "first", dir, "every", w.rootPoll)
	}
}

func readPoll(dir string) pollState {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return pollState{}
	}
	snap := make(pollState, len(ents))
	for _, e := range ents {
		fi, err := e.Info()
		if err != nil {
			continue
		}
		snap[e.Name()] = fileLook{size: fi.Size(), mtime: fi.ModTime(), dir: fi.IsDir()}
	}
	return snap
}

// pollRound looks at every polled folder: a file that appeared, changed or went is marked
// dirty, a new folder is watched (or polled), and a folder that can be watched now is.
func (w *Watcher) pollRound(ctx context.Context) {
	if len(w.polled) == 0 {
		return
	}
	now := time.Now()
	for dir, old := range w.polled {
		if _, err := os.Stat(dir); err != nil {
			delete(w.polled, dir) // gone: the consumer's rescan, or its parent's round, tells
			continue
		}
		cur := readPoll(dir)
		for name, l := range cur {
			p := filepath.Join(dir, name)
			o, seen := old[name]
			switch {
			case l.dir && !seen:
				w.probe(ctx, p) // watches it, or polls it if it cannot be watched
			case !l.dir && (!seen || o.size != l.size || !o.mtime.Equal(l.mtime)):
				if rel, ok := w.rel(p); ok && !w.ignore(rel) {
					w.dirty.touch(rel, now)
				}
			}
		}
		for name, o := range old {
			if _, ok := cur[name]; ok {
				continue
			}
			if o.dir {
				w.gone(filepath.Join(dir, name))
			} else if rel, ok := w.rel(filepath.Join(dir, name)); ok && !w.ignore(rel) {
				w.dirty.touch(rel, now)
			}
		}
		w.polled[dir] = cur
		// The limit may have been raised: watch again when possible.
		if err := w.fsw.Add(dir); err == nil {
			delete(w.polled, dir)
			w.dirs[dir] = struct{}{}
			w.log.Info("folder watched again", "path", dir)
		}
	}
}

// forgetPolled stops polling path and everything under it.
func (w *Watcher) forgetPolled(path string) {
	prefix := path + string(filepath.Separator)
	for d := range w.polled {
		if d == path || strings.HasPrefix(d, prefix) {
			delete(w.polled, d)
		}
	}
}

// checkRoot notices the root being another directory than the one watched (same path,
// another device or inode: a share mounted or unmounted on it): the watches on the old one
// see nothing, so they are dropped, the new one is watched and a full reconcile asked for.
func (w *Watcher) checkRoot(ctx context.Context) {
	fi, err := os.Stat(w.root)
	if err != nil || !fi.IsDir() || w.rootInfo == nil || os.SameFile(fi, w.rootInfo) {
		return
	}
	w.log.Warn("root directory replaced (a file system mounted or unmounted on it?); watching the new one")
	w.rootInfo = fi
	w.dropAll()
	if err := w.addTree(ctx, w.root, false); err != nil && ctx.Err() == nil {
		w.log.Error("root directory replaced; some watches failed", "dirs", len(w.dirs), "err", err)
	}
	w.dirty.requestRescan("root replaced")
}

// noteRoot records the root as watched now.
func (w *Watcher) noteRoot() {
	if fi, err := os.Stat(w.root); err == nil {
		w.rootInfo = fi
	}
}

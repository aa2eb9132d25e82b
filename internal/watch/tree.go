package watch

// The directory worker: the set of watched directories under the root, kept in step with the
// tree as folders come and go, the root vanishing and returning, and the full rewalks.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// dirLoop is the directory worker: it owns w.dirs and every fsnotify
// Add/Remove after New, handles the root vanishing, and the periodic rescan.
func (w *Watcher) dirLoop(ctx context.Context) {
	var periodic <-chan time.Time
	if w.rescan > 0 {
		t := time.NewTicker(w.rescan)
		defer t.Stop()
		periodic = t.C
	}
	var (
		rootGone bool
		poll     *time.Ticker
		pollC    <-chan time.Time
	)
	defer func() {
		if poll != nil {
			poll.Stop()
		}
	}()
	// Every rootPoll, the root is checked for being replaced and unwatched folders are polled.
	check := time.NewTicker(w.rootPoll)
	defer check.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case <-periodic:
			if rootGone {
				continue // the root poll will ask for a rescan when it is back
			}
			w.enqueue(job{kind: jobRewalk, reason: "periodic"})
		case <-pollC:
			if fi, err := os.Stat(w.root); err != nil || !fi.IsDir() {
				continue
			}
			err := w.addTree(ctx, w.root, false)
			if ctx.Err() != nil {
				return
			}
			if _, ok := w.dirs[w.root]; !ok {
				// Not even the root could be watched: try again at the next poll,
				// quietly, as this could repeat every poll for a long time.
				w.log.Debug("root directory is back but cannot be watched yet", "err", err)
				w.dropAll()
				continue
			}
			rootGone = false
			w.noteRoot()
			poll.Stop()
			poll, pollC = nil, nil
			if err != nil {
				w.log.Error("root directory returned; some watches failed", "dirs", len(w.dirs), "err", err)
			} else {
				w.log.Info("root directory returned; watches re-added", "dirs", len(w.dirs))
			}
			w.dirty.requestRescan("root returned")
		case <-check.C:
			if !rootGone {
				w.checkRoot(ctx)
				w.pollRound(ctx)
			}
		case <-w.jobKick:
		}

		var rewalk []string
		for _, j := range w.takeJobs() {
			switch j.kind {
			case jobRootGone:
				if rootGone {
					continue
				}
				rootGone = true
				w.rootVanished()
				poll = time.NewTicker(w.rootPoll)
				pollC = poll.C
			case jobProbe:
				if !rootGone {
					w.probe(ctx, j.path)
				}
			case jobGone:
				w.gone(j.path)
			case jobRewalk:
				rewalk = append(rewalk, j.reason)
			}
		}
		if len(rewalk) > 0 && !rootGone {
			if _, err := os.Stat(w.root); errors.Is(err, fs.ErrNotExist) {
				rootGone = true
				w.rootVanished()
				poll = time.NewTicker(w.rootPoll)
				pollC = poll.C
				continue
			}
			// Coalesced: one walk answers any number of overflow/error reports.
			if err := w.rewalk(ctx); err != nil {
				if ctx.Err() != nil {
					return
				}
				w.log.Error("rewalk incomplete", "err", err)
			}
			w.dirty.requestRescan(strings.Join(dedup(rewalk), "; "))
		}
	}
}

func (w *Watcher) rootVanished() {
	w.log.Warn("root directory vanished; dropping watches and polling for it", "every", w.rootPoll)
	w.dropAll()
	w.dirty.requestRescan("root vanished")
}

// dropAll removes every watch. Errors are expected (the kernel has usually
// dropped them already when a directory vanished) and carry no information.
func (w *Watcher) dropAll() {
	for d := range w.dirs {
		_ = w.fsw.Remove(d)
	}
	clear(w.dirs)
	clear(w.polled)
}

// probe handles a Create: a new directory (made here or renamed in) gets a
// watch, and everything already inside it is marked dirty, since files made
// before the watch existed produced no events we could see.
func (w *Watcher) probe(ctx context.Context, path string) {
	fi, err := os.Lstat(path)
	if err != nil || !fi.IsDir() {
		return // a file (the event loop marked it), or already gone again
	}
	rel, ok := w.rel(path)
	if !ok {
		return
	}
	w.dirty.forget(rel)
	if w.ignoreDir(rel) {
		w.log.Debug("new directory ignored", "path", rel)
		return
	}
	before := len(w.dirs)
	err = w.addTree(ctx, path, true)
	if ctx.Err() != nil {
		return
	}
	if err != nil {
		w.log.Error("new directory: watch failed; requesting rescan", "path", rel, "err", err)
		w.dirty.requestRescan("watch error on new directory " + rel)
		return
	}
	w.log.Info("new directory: watch added", "path", rel, "dirs_added", len(w.dirs)-before)
}

// gone handles a Remove or Rename: if path was a watched directory, its watch
// and those below it are dropped. What was inside is not tracked file by file;
// a Rescan lets the consumer reconcile, which is simple and always right.
func (w *Watcher) gone(path string) {
	w.forgetPolled(path)
	if _, ok := w.dirs[path]; !ok {
		return
	}
	prefix := path + string(filepath.Separator)
	n := 0
	for d := range w.dirs {
		if d == path || strings.HasPrefix(d, prefix) {
			// A watch on a directory moved elsewhere keeps reporting under its old
			// name, and blocks re-adding the same inode under its new name, so it
			// must go before any Create for the new name is handled.
			_ = w.fsw.Remove(d)
			delete(w.dirs, d)
			n++
		}
	}
	rel, _ := w.rel(path)
	w.dirty.forget(rel)
	w.log.Info("directory removed or renamed away: watches dropped; requesting rescan", "path", rel, "dirs_dropped", n)
	w.dirty.requestRescan("directory removed or renamed: " + rel)
}

// rewalk re-adds watches on the whole tree and drops watches on directories
// that are no longer there (or are now ignored).
func (w *Watcher) rewalk(ctx context.Context) error {
	// Watches on directories that are gone go first: if one was moved (and we
	// missed the rename), fsnotify would otherwise keep its old name and refuse
	// to register the same directory under its new one.
	for d := range w.dirs {
		if fi, err := os.Lstat(d); err != nil || !fi.IsDir() {
			_ = w.fsw.Remove(d)
			delete(w.dirs, d)
		}
	}
	old := w.dirs
	w.dirs = make(map[string]struct{}, len(old))
	err := w.addTree(ctx, w.root, false)
	for d := range old {
		if _, ok := w.dirs[d]; !ok {
			_ = w.fsw.Remove(d)
		}
	}
	w.log.Info("rewalked tree", "dirs", len(w.dirs), "dirs_before", len(old))
	return err
}

// addTree adds watches on dir and every directory below it not skipped by
// IgnoreDir; with mark, every file found is marked dirty. The watch on a
// directory is added before it is read, so a file is either seen by the read
// or produces an event. It keeps going past errors and returns them joined;
// it stops early when ctx is done, since a big tree can take a while.
func (w *Watcher) addTree(ctx context.Context, dir string, mark bool) error {
	var errs []error
	now := time.Now()
	walkErr := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			if p == dir {
				return fmt.Errorf("watch: %q: %w", p, err)
			}
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed while we walked; its Remove event handles it
			}
			errs = append(errs, fmt.Errorf("watch: reading %q: %w", p, err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel, inside := w.rel(p)
		if d.IsDir() {
			if inside && w.ignoreDir(rel) {
				return fs.SkipDir
			}
			if err := w.fsw.Add(p); err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return fs.SkipDir
				}
				if watchLimited(err) {
					w.pollDir(p, mark)
					return nil // its subfolders are each watched, or polled
				}
				errs = append(errs, fmt.Errorf("watch: adding watch on %q: %w", p, err))
				return fs.SkipDir
			}
			w.dirs[p] = struct{}{}
			w.log.Debug("watch added", "path", p)
			return nil
		}
		if mark && inside && !w.ignore(rel) {
			w.dirty.touch(rel, now)
		}
		return nil
	})
	if walkErr != nil {
		errs = append(errs, walkErr)
	}
	return errors.Join(errs...)
}

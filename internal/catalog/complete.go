package catalog

import (
	"io/fs"
	"sync"
	"time"
)

// This file holds the completeness rule: the one test, on every path into the catalog (watcher
// batches, full reconciles, the start-up reconcile, retries), of whether a file is whole enough
// to read. A copy in flight is never read, so no half-written article is published and no id
// or slug is minted from half a title.
//
// A file is complete when
//   - its size and mtime did not change while it was read (a writer is not at work right now),
//   - and it has been quiet for Settle: its mtime is at least Settle old, or, for a file whose
//     mtime cannot be trusted (set in the future, a skewed clock), two looks Settle apart saw
//     the same size and mtime.
//
// A file that is not complete is deferred: left as it was in the catalog and reported in
// Report.Deferred, for the caller to look at again after Settle. The watcher applies the same
// quiet time before it reports a path, so on the event path the rule costs nothing.

// look is one stat of a deferred file.
type look struct {
	size, mtime int64
	at          time.Time
}

// settler remembers the files deferred so far. It is used by the readers of one reconcile at
// a time, from several goroutines.
type settler struct {
	settle time.Duration

	mu      sync.Mutex
	pending map[string]look // deferred files by path, with the first look at their current stat
}

func newSettler(settle time.Duration) *settler {
	return &settler{settle: settle, pending: map[string]look{}}
}

// complete applies the rule to rel, stat'ed before and after its bytes were read at now.
func (s *settler) complete(rel string, before, after fs.FileInfo, now time.Time) bool {
	size, mtime := after.Size(), after.ModTime()
	s.mu.Lock()
	defer s.mu.Unlock()
	if before.Size() != size || !before.ModTime().Equal(mtime) {
		s.pending[rel] = look{size, mtime.UnixNano(), now}
		return false
	}
	if s.settle <= 0 || now.Sub(mtime) >= s.settle {
		delete(s.pending, rel)
		return true
	}
	if p, ok := s.pending[rel]; ok && p.size == size && p.mtime == mtime.UnixNano() {
		if now.Sub(p.at) >= s.settle {
			delete(s.pending, rel)
			return true
		}
		return false
	}
	s.pending[rel] = look{size, mtime.UnixNano(), now}
	return false
}

// forget drops the memory of files a full reconcile did not find, so that the map holds only
// files that exist and are still being waited for.
func (s *settler) forget(keep func(rel string) bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for rel := range s.pending {
		if !keep(rel) {
			delete(s.pending, rel)
		}
	}
}

package watch

import (
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// look is what one stat of a path saw. Two equal looks taken Settle apart,
// with no event in between, are what makes a path "settled": an event only
// says that something happened, not that the writer is done.
type look struct {
	at     time.Time
	exists bool
	dir    bool
	size   int64
	mtime  time.Time
}

// same reports whether two looks saw the same file; at is deliberately ignored.
func (l look) same(o look) bool {
	return l.exists == o.exists && l.dir == o.dir && l.size == o.size && l.mtime.Equal(o.mtime)
}

// statLook turns an os.Stat result into a look. Any stat error counts as
// "does not exist": the consumer is told to look again and decides for itself.
func statLook(path string, now time.Time) look {
	fi, err := os.Stat(path)
	if err != nil {
		return look{at: now}
	}
	return look{at: now, exists: true, dir: fi.IsDir(), size: fi.Size(), mtime: fi.ModTime()}
}

// pathState is the settle bookkeeping for one dirty path.
type pathState struct {
	gen       uint64    // bumped by every event, so a stat taken before an event is not trusted after it
	lastEvent time.Time // the quiet period is measured from here
	first     look      // the first look after the quiet period; valid when looked
	looked    bool
}

// dirtySet is the state shared between the fsnotify event loop (which only
// marks paths) and the settle loop (which stats and reports them). Every
// method holds the mutex only for map work, never across a stat or a send,
// so the event loop cannot be slowed down by a slow disk or a slow consumer.
type dirtySet struct {
	settle time.Duration

	mu      sync.Mutex
	paths   map[string]*pathState // keyed by slash-separated path relative to the root
	gen     uint64
	reasons []string // pending rescan reasons, in arrival order, deduplicated
}

func newDirtySet(settle time.Duration) *dirtySet {
	return &dirtySet{settle: settle, paths: make(map[string]*pathState)}
}

// touch records an event on rel at now: the path's quiet period starts again
// and any look taken so far is discarded.
func (d *dirtySet) touch(rel string, now time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gen++
	ps := d.paths[rel]
	if ps == nil {
		ps = &pathState{}
		d.paths[rel] = ps
	}
	ps.gen = d.gen
	ps.lastEvent = now
	ps.looked = false
}

// forget drops rel, used for paths known to be directories: the consumer
// cares about files, and directory changes are handled by watches and rescans.
func (d *dirtySet) forget(rel string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.paths, rel)
}

// requestRescan asks for the next batch to carry Rescan with reason, which must not be empty.
func (d *dirtySet) requestRescan(reason string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if !slices.Contains(d.reasons, reason) {
		d.reasons = append(d.reasons, reason)
	}
}

// len reports the number of dirty paths (for tests and logs).
func (d *dirtySet) len() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.paths)
}

// candidate is a path due for a look, with the generation it was due at.
type candidate struct {
	rel string
	gen uint64
}

// collect does one settle round at now: it stats every path that is due
// (not looked at since its last event, or quiet for settle and looked at settle ago), and
// returns the paths that settled, sorted, plus the pending rescan reasons
// ("" if no rescan was requested).
// A path settles when two looks settle apart saw the same size and mtime
// (or both saw it missing) with no event in between. Directories are dropped.
// stat is called without the lock held.
//
// landed is the earliest last event of the ready paths: when the oldest of them stopped changing.
func (d *dirtySet) collect(now time.Time, stat func(rel string, now time.Time) look) (ready []string, landed time.Time, reason string) {
	d.mu.Lock()
	var due []candidate
	for rel, ps := range d.paths {
		// The first look is taken on the first round after an event, the second once the path
		// has been quiet for settle and settle after the first. Taking the first look early,
		// rather than after the quiet period, is what lets a file be published about one
		// settle time after it arrives instead of two.
		if ps.looked && (now.Sub(ps.lastEvent) < d.settle || now.Sub(ps.first.at) < d.settle) {
			continue
		}
		due = append(due, candidate{rel, ps.gen})
	}
	if len(d.reasons) > 0 {
		reason = strings.Join(d.reasons, "; ")
		d.reasons = nil
	}
	d.mu.Unlock()

	if len(due) == 0 {
		return nil, time.Time{}, reason
	}
	looks := make([]look, len(due))
	for i, c := range due {
		looks[i] = stat(c.rel, now)
	}

	d.mu.Lock()
	defer d.mu.Unlock()
	for i, c := range due {
		ps := d.paths[c.rel]
		if ps == nil || ps.gen != c.gen {
			continue // an event arrived while we were statting: its quiet period rules
		}
		cur := looks[i]
		switch {
		case cur.dir:
			delete(d.paths, c.rel)
		case !ps.looked:
			ps.first, ps.looked = cur, true
		case ps.first.same(cur):
			delete(d.paths, c.rel)
			ready = append(ready, c.rel)
			if landed.IsZero() || ps.lastEvent.Before(landed) {
				landed = ps.lastEvent
			}
		default:
			// Still changing without events (or events were lost): start a new pair of looks.
			ps.first = cur
		}
	}
	slices.Sort(ready)
	return ready, landed, reason
}

// outbox gathers settled paths and rescan reasons between two sends.
type outbox struct {
	paths   map[string]struct{}
	landed  time.Time
	reasons []string
}

// landedAt records that paths just added stopped changing at t; the Batch keeps the earliest.
func (o *outbox) landedAt(t time.Time) {
	if !t.IsZero() && (o.landed.IsZero() || t.Before(o.landed)) {
		o.landed = t
	}
}

// add records paths that settled and, if reason is not empty, a rescan request.
func (o *outbox) add(paths []string, reason string) {
	if len(paths) > 0 && o.paths == nil {
		o.paths = make(map[string]struct{}, len(paths))
	}
	for _, p := range paths {
		o.paths[p] = struct{}{}
	}
	if reason != "" && !slices.Contains(o.reasons, reason) {
		o.reasons = append(o.reasons, reason)
	}
}

func (o *outbox) empty() bool { return len(o.paths) == 0 && len(o.reasons) == 0 }

// take returns everything gathered as one Batch and empties the outbox.
func (o *outbox) take() Batch {
	b := Batch{Rescan: len(o.reasons) > 0, Reason: strings.Join(o.reasons, "; ")}
	if len(o.paths) > 0 {
		b.Paths = slices.Sorted(maps.Keys(o.paths))
		b.Landed = o.landed
	}
	o.paths, o.reasons, o.landed = nil, nil, time.Time{}
	return b
}

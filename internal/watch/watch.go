// Package watch turns file system activity under one root directory into settled
// "look again at these paths" batches. It reports paths only once writers have gone quiet and
// asks for a full reconcile whenever events may have been lost; judging files is left to the consumer.
package watch

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedpub/feedpub/internal/realdir"
	"github.com/fsnotify/fsnotify"
)

// Defaults: DefaultSettle is what a zero Config.Settle means; both are where the daemon's
// settle and rescan settings start.
const (
	DefaultSettle = 250 * time.Millisecond
	DefaultRescan = 10 * time.Minute
)

// rootPoll is how often a vanished root is checked for.
const rootPoll = time.Second

// maxJobs bounds the queue between the event loop and the directory worker.
// Past it, queued work is replaced by one full rewalk plus a Rescan, which is
// what the consumer would need anyway after that many structural changes.
const maxJobs = 1 << 16

// Config says what to watch and how patiently.
type Config struct {
	Root      string                // directory to watch, recursively
	Settle    time.Duration         // quiet time before a path is reported; 0 means DefaultSettle
	Rescan    time.Duration         // periodic full-reconcile request; 0 (or negative) disables, as in the settings
	Ignore    func(rel string) bool // file rule on a slash-separated path relative to Root (may be nil)
	IgnoreDir func(rel string) bool // directories skipped entirely (may be nil)
	Logger    *slog.Logger          // nil means slog.New(slog.DiscardHandler)
}

// Batch is one "look again" request for the consumer. A path in Paths may
// exist or not (removed, renamed away); rarely it names a directory that
// vanished, or is reported twice, which a consumer that stats and decides
// handles for free. Batches go out at most once per Settle period.
type Batch struct {
	Paths  []string // slash-separated paths relative to Root, sorted, deduplicated; files that settled, or vanished
	Rescan bool     // the consumer must do a full reconcile (overflow, watch error, root vanished/returned, periodic, ...)
	Reason string   // why Rescan, for the log
	// Landed is when the earliest of Paths had its last event: the moment it stopped changing,
	// from which the file-to-feed latency is measured. Zero when Paths is empty.
	Landed time.Time
}

// Watcher watches one root directory tree. It is used by one call to Run.
type Watcher struct {
	root      string // absolute, cleaned; fsnotify event names start with it
	settle    time.Duration
	rescan    time.Duration
	ignore    func(string) bool
	ignoreDir func(string) bool
	log       *slog.Logger
	rootPoll  time.Duration // rootPoll, except in tests

	fsw   *fsnotify.Watcher
	dirty *dirtySet

	// dirs is the set of directories we hold watches on (absolute paths). It is
	// only touched by New and the directory worker, never by the event loop; so are
	// polled (the folders polled instead, poll.go), limitLogged and rootInfo.
	dirs        map[string]struct{}
	polled      map[string]pollState
	limitLogged bool
	rootInfo    fs.FileInfo // the root as watched, to notice it replaced

	// jobs is the queue from the event loop to the directory worker. The event
	// loop must never call into fsnotify (Add/Remove): fsnotify can hold its own
	// lock while sending on Errors, which only the event loop drains.
	jobMu   sync.Mutex
	jobs    []job
	jobKick chan struct{}

	started atomic.Bool
	closed  atomic.Bool
}

type jobKind int

const (
	jobProbe    jobKind = iota // something was created: if it is a directory, watch and scan it
	jobGone                    // something was removed or renamed away: if it was a watched directory, drop it
	jobRootGone                // the root itself was removed or renamed away
	jobRewalk                  // events may have been lost: walk everything again and ask for a Rescan
)

type job struct {
	kind   jobKind
	path   string // absolute
	reason string // for jobRewalk
}

// New validates cfg, creates the fsnotify watcher and adds watches on Root and
// every subdirectory not skipped by IgnoreDir. Events that happen before Run
// is called are queued by the kernel and delivered once Run starts. The first
// walk of a large tree can take long; when ctx ends it stops and New returns
// an error wrapping ctx's.
func New(ctx context.Context, cfg Config) (*Watcher, error) {
	if cfg.Root == "" {
		return nil, errors.New("watch: config: Root is empty")
	}
	if cfg.Settle < 0 {
		return nil, fmt.Errorf("watch: config: Settle %v is negative", cfg.Settle)
	}
	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("watch: root %q: %w", cfg.Root, err)
	}
	// Watch the real directory, or the walk that adds subdirectory watches stops at a link.
	root = realdir.Resolve(root)
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("watch: root %q: %w", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("watch: root %q: not a directory", root)
	}

	w := &Watcher{
		root:      root,
		settle:    cfg.Settle,
		rescan:    cfg.Rescan,
		ignore:    cfg.Ignore,
		ignoreDir: cfg.IgnoreDir,
		log:       cfg.Logger,
		rootPoll:  rootPoll,
		dirs:      make(map[string]struct{}),
		jobKick:   make(chan struct{}, 1),
	}
	if w.settle == 0 {
		w.settle = DefaultSettle
	}
	if w.ignore == nil {
		w.ignore = func(string) bool { return false }
	}
	if w.ignoreDir == nil {
		w.ignoreDir = func(string) bool { return false }
	}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	w.log = w.log.With("root", root)
	w.dirty = newDirtySet(w.settle)

	w.fsw, err = fsnotify.NewWatcher()
	if err != nil {
		return nil, fmt.Errorf("watch: root %q: creating fsnotify watcher: %w", root, err)
	}
	// At start a partially watched tree would silently miss changes for months,
	// so any failure here is fatal (but the watch limit: those folders are polled);
	// at run time failures become Rescans instead.
	w.rootInfo = fi
	if err := w.addTree(ctx, root, false); err != nil {
		w.fsw.Close()
		return nil, err
	}
	w.log.Info("watching", "dirs", len(w.dirs), "polled", len(w.polled))
	return w, nil
}

// Close releases the fsnotify watcher. Run does this itself when it returns;
// Close is for a Watcher whose Run is never called. It is safe to call twice.
func (w *Watcher) Close() error {
	if w.closed.Swap(true) {
		return nil
	}
	if err := w.fsw.Close(); err != nil {
		return fmt.Errorf("watch: root %q: closing fsnotify watcher: %w", w.root, err)
	}
	return nil
}

// Run delivers batches on out until ctx is done, then releases the watcher
// and returns nil. It does not close out. A Watcher runs only once.
func (w *Watcher) Run(ctx context.Context, out chan<- Batch) error {
	if out == nil {
		return fmt.Errorf("watch: root %q: Run: nil output channel", w.root)
	}
	if w.started.Swap(true) {
		return fmt.Errorf("watch: root %q: Run called twice", w.root)
	}
	if w.closed.Load() {
		return fmt.Errorf("watch: root %q: Run after Close", w.root)
	}
	defer w.Close()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { w.dirLoop(ctx) })
	wg.Go(func() { w.settleLoop(ctx, out) })
	err := w.eventLoop(ctx)
	cancel()
	wg.Wait()
	return err
}

// eventLoop drains fsnotify as fast as it can. It only records: dirty paths
// go to the dirty set, structural work goes to the directory worker. It never
// stats, sends on out, or calls fsnotify, so the kernel queue cannot back up
// because of us.
func (w *Watcher) eventLoop(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.fsw.Events:
			if !ok {
				return fmt.Errorf("watch: root %q: fsnotify event channel closed", w.root)
			}
			w.handleEvent(ev)
		case err, ok := <-w.fsw.Errors:
			if !ok {
				return fmt.Errorf("watch: root %q: fsnotify error channel closed", w.root)
			}
			reason := "watch error: " + err.Error()
			if errors.Is(err, fsnotify.ErrEventOverflow) {
				reason = "event queue overflow"
				w.log.Warn("event queue overflowed; rewalking and requesting rescan", "err", err)
			} else {
				w.log.Error("watch error; rewalking and requesting rescan", "err", err)
			}
			w.enqueue(job{kind: jobRewalk, reason: reason})
		}
	}
}

func (w *Watcher) handleEvent(ev fsnotify.Event) {
	name := filepath.Clean(ev.Name)
	if name == w.root {
		if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
			w.enqueue(job{kind: jobRootGone, path: name})
		}
		return
	}
	rel, ok := w.rel(name)
	if !ok {
		return
	}
	if w.log.Enabled(context.Background(), slog.LevelDebug) { // Op.String allocates; this is the hot path
		w.log.Debug("event", "path", rel, "op", ev.Op.String())
	}
	// We do not know yet whether name is a file or a directory; Ignore is a file
	// rule, and directories that slip in are dropped by the worker or the settle loop's stat.
	if !w.ignore(rel) {
		w.dirty.touch(rel, time.Now())
	}
	if ev.Has(fsnotify.Create) {
		w.enqueue(job{kind: jobProbe, path: name})
	}
	if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
		w.enqueue(job{kind: jobGone, path: name})
	}
}

// rel turns an absolute path under root into the slash-separated relative
// form. It is on the event hot path, hence a prefix cut rather than filepath.Rel;
// event names are always root joined with the rest.
func (w *Watcher) rel(path string) (string, bool) {
	prefix := w.root
	if !strings.HasSuffix(prefix, string(filepath.Separator)) {
		prefix += string(filepath.Separator)
	}
	r, ok := strings.CutPrefix(path, prefix)
	if !ok || r == "" {
		return "", false
	}
	return filepath.ToSlash(r), true
}

func (w *Watcher) enqueue(j job) {
	w.jobMu.Lock()
	if len(w.jobs) >= maxJobs {
		w.jobs = append(w.jobs[:0], job{kind: jobRewalk, reason: "internal queue overflow"})
	}
	w.jobs = append(w.jobs, j)
	w.jobMu.Unlock()
	select {
	case w.jobKick <- struct{}{}:
	default:
	}
}

func (w *Watcher) takeJobs() []job {
	w.jobMu.Lock()
	defer w.jobMu.Unlock()
	j := w.jobs
	w.jobs = nil
	return j
}

// settleLoop does the stat checks on a tick and sends what has settled.
// Everything ready since the last send goes out in one batch, and batches go
// out at most once per settle period, so a stream of files (a copy of 1,000
// files) becomes a few batches rather than one per file or per tick; each
// batch is likely to cost the consumer a feed rebuild.
func (w *Watcher) settleLoop(ctx context.Context, out chan<- Batch) {
	// A tick of a tenth of the settle time keeps the delay it adds to a publication small
	// (the second look comes at most settle/10 late); an idle round costs one map scan.
	tick := time.NewTicker(max(w.settle/10, time.Millisecond))
	defer tick.Stop()
	stat := func(rel string, now time.Time) look {
		return statLook(filepath.Join(w.root, filepath.FromSlash(rel)), now)
	}
	var (
		box      outbox
		lastSent time.Time
	)
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		paths, landed, reason := w.dirty.collect(now, stat)
		box.add(paths, reason)
		box.landedAt(landed)
		if box.empty() || now.Sub(lastSent) < w.settle {
			continue
		}
		b := box.take()
		if b.Rescan {
			w.log.Info("requesting rescan", "reason", b.Reason, "paths", len(b.Paths))
		} else {
			w.log.Debug("batch", "paths", len(b.Paths))
		}
		select {
		case out <- b:
			lastSent = time.Now()
		case <-ctx.Done():
			return
		}
	}
}

func dedup(s []string) []string {
	seen := make(map[string]bool, len(s))
	outp := s[:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			outp = append(outp, x)
		}
	}
	return outp
}

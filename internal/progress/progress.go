// Package progress shows how far a long job has come on a terminal: one line with the count,
// the rate and the time left, rewritten in place. Off a terminal (systemd, CI, a pipe) it
// writes nothing at all, so machine-read logs carry only the summary lines callers log.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
)

// Terminal owns one output stream. Log lines must go through Writer so that a progress line
// on screen is cleared before each log line and drawn again after it.
//
// A Terminal is safe for concurrent use; a nil *Terminal is valid and shows nothing.
type Terminal struct {
	w       io.Writer
	enabled bool
	now     func() time.Time
	every   time.Duration // least time between two redraws

	mu     sync.Mutex
	task   *Task  // the task shown, if any
	shown  bool   // a progress line is on screen
	drawn  string // the text of that line
	lastAt time.Time
}

// New returns a Terminal writing to w. It shows progress only when w is a terminal (a
// character device, not TERM=dumb); otherwise every Task is silent.
func New(w io.Writer) *Terminal {
	return &Terminal{w: w, enabled: IsTerminal(w), now: time.Now, every: 100 * time.Millisecond}
}

// IsTerminal reports whether w is an interactive terminal that understands carriage returns
// and the erase-line sequence.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok || os.Getenv("TERM") == "dumb" {
		return false
	}
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// Enabled reports whether progress lines are shown.
func (t *Terminal) Enabled() bool { return t != nil && t.enabled }

// Writer returns w's writer for log lines: each Write first clears a progress line on screen
// and then draws it again below the log line. Off a terminal it is w itself.
func (t *Terminal) Writer() io.Writer {
	if !t.Enabled() {
		if t == nil {
			return io.Discard
		}
		return t.w
	}
	return logWriter{t}
}

type logWriter struct{ t *Terminal }

func (l logWriter) Write(p []byte) (int, error) {
	t := l.t
	t.mu.Lock()
	defer t.mu.Unlock()
	t.clearLocked()
	n, err := t.w.Write(p)
	if t.task != nil {
		t.drawLocked(t.task.line(t.now()))
	}
	return n, err
}

// Task is one job being counted, such as "reading articles". Its methods are safe for
// concurrent use; a nil *Task ignores every call.
type Task struct {
	t     *Terminal
	label string
	total int
	start time.Time

	mu   sync.Mutex
	done int
}

// Start begins counting label towards total (0: unknown) and shows it, replacing any task
// shown before.
func (t *Terminal) Start(label string, total int) *Task {
	if !t.Enabled() {
		return nil
	}
	k := &Task{t: t, label: label, total: total, start: t.now()}
	t.mu.Lock()
	t.task = k
	t.lastAt = time.Time{}
	t.mu.Unlock()
	k.redraw(true)
	return k
}

// Add counts n more units done.
func (k *Task) Add(n int) {
	if k == nil {
		return
	}
	k.mu.Lock()
	k.done += n
	k.mu.Unlock()
	k.redraw(false)
}

// Set makes done the count so far.
func (k *Task) Set(done int) {
	if k == nil {
		return
	}
	k.mu.Lock()
	k.done = done
	k.mu.Unlock()
	k.redraw(false)
}

// Stop takes the task's line off the screen; the caller logs its own summary.
func (k *Task) Stop() {
	if k == nil {
		return
	}
	t := k.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.task == k {
		t.task = nil
		t.clearLocked()
	}
}

func (k *Task) redraw(force bool) {
	t := k.t
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.task != k || (!force && now.Sub(t.lastAt) < t.every) {
		return
	}
	t.lastAt = now
	t.drawLocked(k.line(now))
}

// line is the text shown for k at now, e.g.
// "reading articles  12,345/100,000  12%  2,310/s  38s left".
func (k *Task) line(now time.Time) string {
	k.mu.Lock()
	done := k.done
	k.mu.Unlock()
	return Line(k.label, done, k.total, now.Sub(k.start))
}

// Line formats one progress line: the label, done out of total (total 0: unknown), the
// percentage, the rate and the time left once a rate is known.
func Line(label string, done, total int, elapsed time.Duration) string {
	var b strings.Builder
	b.WriteString(label)
	b.WriteString("  ")
	b.WriteString(Count(done))
	if total > 0 {
		fmt.Fprintf(&b, "/%s  %d%%", Count(total), done*100/total)
	}
	if elapsed >= 500*time.Millisecond && done > 0 {
		rate := float64(done) / elapsed.Seconds()
		fmt.Fprintf(&b, "  %s/s", Count(int(rate+0.5)))
		if total > done {
			left := time.Duration(float64(total-done) / rate * float64(time.Second))
			fmt.Fprintf(&b, "  %s left", left.Round(time.Second))
		}
	}
	return b.String()
}

// Count writes n with thousands separators: 100000 is "100,000".
func Count(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

const eraseLine = "\r\x1b[K"

func (t *Terminal) drawLocked(s string) {
	io.WriteString(t.w, eraseLine+s)
	t.shown, t.drawn = true, s
}

func (t *Terminal) clearLocked() {
	if t.shown {
		io.WriteString(t.w, eraseLine)
		t.shown, t.drawn = false, ""
	}
}

// Package fault is the one judge of what a failure means to the pipeline. A content failure
// (the file itself cannot be published: not an article, too large, malformed, a draft) is a
// rejection that stands until the file changes; every other failure (EMFILE, ENFILE, ENOSPC,
// EIO, a permission not granted yet, a full or busy database) is transient and is retried, with
// the backoff below, until it succeeds.
package fault

import (
	"errors"
	"time"
)

// contentError is the type of every content failure, so that wrapping keeps it recognisable.
type contentError struct{ msg string }

func (e *contentError) Error() string { return e.msg }

// Content returns a new sentinel error for a content failure. Callers compare with errors.Is
// as with errors.New; IsContent recognises it, and anything wrapping it, as a rejection.
func Content(msg string) error { return &contentError{msg: msg} }

// IsContent reports whether err is a content failure: a rejection of the file, not of the
// moment. Every other error is transient.
func IsContent(err error) bool {
	var ce *contentError
	return errors.As(err, &ce)
}

// Backoff is the retry schedule of a transient failure.
type Backoff struct {
	Min, Max time.Duration
}

// DefaultBackoff starts quickly, because most transient failures (a descriptor spike, a busy
// database) clear within a second, and settles at a pace that costs nothing when one does not
// (a full disk waiting for an operator).
var DefaultBackoff = Backoff{Min: 500 * time.Millisecond, Max: 30 * time.Second}

// Delay is the pause before the retry that follows the n-th consecutive failure (n >= 1):
// Min, doubling with each failure, never more than Max.
func (b Backoff) Delay(n int) time.Duration {
	d := b.Min
	for i := 1; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

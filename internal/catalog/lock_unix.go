//go:build unix

package catalog

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// lockFile takes an exclusive, non-blocking flock on path, creating it if needed. flock (not
// fcntl) locks belong to the open file description, so a second Open in the same process is
// refused too, the kernel drops the lock when the process dies, so kill -9 never leaves a stale
// lock, and on Linux they do not interact with the fcntl locks SQLite takes on the same file.
// The descriptor must stay open until SQLite has closed the file: closing any descriptor of a
// file drops the process's fcntl locks on it.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("catalog lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w: %s", ErrLocked, path)
		}
		return nil, fmt.Errorf("catalog lock %s: %w", path, err)
	}
	return f, nil
}

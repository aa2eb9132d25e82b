//go:build !unix

package catalog

import (
	"fmt"
	"os"
)

// lockFile only creates the lock file on systems without flock: feedpub targets Unix, and a
// best-effort lock there is better than refusing to run.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("catalog lock %s: %w", path, err)
	}
	return f, nil
}

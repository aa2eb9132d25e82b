// Package atomicfile writes a small file so that a reader, or a restart after a crash, sees either
// its old bytes or its new ones, never a part. It is for the records feedpub keeps beside its
// data (the catalog's marker, the output's manifest), not for bulk output.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// Write replaces path with data: it writes a temporary file in the same directory, makes it
// durable, renames it over path and makes the directory durable, so the new name survives a
// power cut too. On error path is unchanged and the temporary file is gone; the error names
// path.
func Write(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp := filepath.Join(dir, "."+filepath.Base(path)+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	_, err = f.Write(data)
	if serr := f.Sync(); err == nil {
		err = serr
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	// The rename is durable only once the directory is; a failure here leaves the new bytes in
	// place, so it is not reported as a failed write.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

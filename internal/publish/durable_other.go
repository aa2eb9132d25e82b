//go:build !linux

package publish

import "os"

// syncsAll is false: makeDurable syncs only the files it is given.
const syncsAll = false

// makeDurable fsyncs each staged file; without syncfs(2) there is no cheaper way.
func makeDurable(_ string, files []staged) error {
	for _, f := range files {
		if f.tmp == "" {
			continue // recorded in the manifest only
		}
		fd, err := os.OpenFile(f.tmp, os.O_RDWR, 0)
		if err != nil {
			return err
		}
		err = fd.Sync()
		fd.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

//go:build unix

package catalog

import (
	"fmt"
	"io/fs"
	"syscall"
)

// rootID names the directory fi describes by device and inode: a share mounted or unmounted
// on the path, or another directory put in its place, has another.
func rootID(fi fs.FileInfo) string {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return fmt.Sprintf("%d:%d", st.Dev, st.Ino)
	}
	return ""
}

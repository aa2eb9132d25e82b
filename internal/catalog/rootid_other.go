//go:build !unix

package catalog

import "io/fs"

// rootID is unknown without device and inode numbers: removals are then held by count only.
func rootID(fs.FileInfo) string { return "" }

package article

import (
	"path/filepath"
	"strings"
)

// Ignored is the ignore rule every scan and watch in the product uses, so that a file the
// watcher skips is never picked up by a rescan and vice versa. It is true for dotfiles and
// anything under a dot-directory, for editor and download leftovers (*~, *.swp, *.swx, #*#,
// *.tmp, *.part, *.crdownload), and for any extension no parser claims. path may be slash- or
// OS-separated, relative or absolute; every component of it is judged, so callers pass paths
// relative to the watched root.
func Ignored(path string) bool {
	if IgnoredDir(path) {
		return true
	}
	base := baseName(path)
	if base == "" || base == "." || base == ".." {
		return true
	}
	lower := strings.ToLower(base)
	if strings.HasSuffix(lower, "~") ||
		(len(lower) > 1 && lower[0] == '#' && lower[len(lower)-1] == '#') {
		return true
	}
	switch filepath.Ext(lower) {
	case ".swp", ".swx", ".tmp", ".part", ".crdownload":
		return true
	}
	_, ok := formatOf(lower)
	return !ok
}

// IgnoredDir reports whether a directory, by its path relative to the watched root, is
// skipped entirely: it or one of its ancestors is a dot-directory. "." and ".." are path
// syntax, not hidden names.
func IgnoredDir(path string) bool {
	for _, c := range strings.Split(filepath.ToSlash(path), "/") {
		if len(c) > 0 && c[0] == '.' && c != "." && c != ".." {
			return true
		}
	}
	return false
}

func baseName(path string) string {
	p := filepath.ToSlash(path)
	return p[strings.LastIndexByte(p, '/')+1:]
}

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
func Ignored(path string) bool { return IgnoreReason(path) != "" }

// IgnoreReason is Ignored with the reason, as `feedpub inspect` prints it: "in a
// dot-directory", "dotfile", "*~", "#*#", "*.swp" (the pattern that matched), or "no parser for
// .rtf files"; "" when path is not ignored.
func IgnoreReason(path string) string {
	base := baseName(path)
	if IgnoredDir(strings.TrimSuffix(filepath.ToSlash(path), base)) {
		return "in a dot-directory"
	}
	switch {
	case base == "" || base == "." || base == "..":
		return "not a file name"
	case base[0] == '.':
		return "dotfile"
	}
	lower := strings.ToLower(base)
	switch {
	case strings.HasSuffix(lower, "~"):
		return "*~"
	case len(lower) > 1 && lower[0] == '#' && lower[len(lower)-1] == '#':
		return "#*#"
	}
	switch ext := filepath.Ext(lower); ext {
	case ".swp", ".swx", ".tmp", ".part", ".crdownload":
		return "*" + ext
	}
	if _, ok := formatOf(lower); !ok {
		if ext := filepath.Ext(base); ext != "" {
			return "no parser for " + ext + " files"
		}
		return "no extension, so no parser"
	}
	return ""
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

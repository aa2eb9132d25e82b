// Package realdir decides which directory an article root names. Directory walks do not
// descend into a root that is a symbolic link, so every package that walks the article
// directory (the catalog's reconcile, the watcher) resolves it here rather than on its own.
package realdir

import "path/filepath"

// Resolve returns dir with its symbolic links resolved, so that a symlinked article
// directory (common on servers: articles -> /mnt/...) is walked like the directory it points
// to. When dir cannot be resolved it is returned unchanged and the caller's own stat reports
// why. A link re-pointed later is seen on the next start.
func Resolve(dir string) string {
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return real
	}
	return dir
}

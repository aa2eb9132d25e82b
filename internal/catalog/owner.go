package catalog

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/feedpub/feedpub/internal/article"
)

// ownerSample is how many article files FindOwner hashes: enough that a directory of the
// same articles is recognised, few enough to cost nothing at start-up.
const ownerSample = 20

// FindOwner looks for another catalog among the *.db files in stateDir (other than except)
// that already publishes articles found in dir, by content, and whose own article directory
// is gone: the catalog a moved article directory had before the move. (A copy of the
// articles beside the original is not a move, and gets a catalog of its own.) It returns its
// path, or "" if there is none. It takes no lock and writes nothing, so catalogs in use are
// looked at too.
func FindOwner(ctx context.Context, stateDir, dir, except string) (string, error) {
	cands, err := filepath.Glob(filepath.Join(stateDir, "*.db"))
	if err != nil || len(cands) == 0 {
		return "", err
	}
	hashes, err := sampleHashes(dir)
	if err != nil || len(hashes) == 0 {
		return "", err
	}
	exceptAbs, _ := filepath.Abs(except)
	for _, c := range cands {
		if abs, _ := filepath.Abs(c); abs == exceptAbs || strings.ContainsRune(abs, '?') {
			continue
		}
		if found, err := holdsAny(ctx, c, hashes); err == nil && found {
			return c, nil
		}
	}
	return "", nil
}

// sampleHashes hashes the first article files of dir in walk order.
func sampleHashes(dir string) ([][]byte, error) {
	var out [][]byte
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an unreadable corner says nothing either way
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && article.IgnoredDir(rel) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || article.Ignored(rel) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil || len(b) == 0 {
			return nil
		}
		h := sha256.Sum256(b)
		out = append(out, h[:])
		if len(out) >= ownerSample {
			return fs.SkipAll
		}
		return nil
	})
	if errors.Is(err, fs.SkipAll) {
		err = nil
	}
	return out, err
}

func holdsAny(ctx context.Context, path string, hashes [][]byte) (bool, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return false, err
	}
	defer db.Close()
	var dir string
	err = db.QueryRowContext(ctx, `SELECT value FROM state WHERE key = ?`, stateDir).Scan(&dir)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	if fi, serr := os.Stat(dir); dir != "" && serr == nil && fi.IsDir() {
		return false, nil // its directory is still there: ours is a copy, not a move
	}
	for _, h := range hashes {
		var one int
		err := db.QueryRowContext(ctx, `SELECT 1 FROM entries WHERE hash = ? LIMIT 1`, h).Scan(&one)
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
	}
	return false, nil
}

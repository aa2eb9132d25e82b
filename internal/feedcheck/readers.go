package feedcheck

import (
	"bytes"
	"os/exec"
	"testing"

	"github.com/mmcdole/gofeed"
)

// NewsboatPath is the newsboat command looked up on PATH.
const NewsboatPath = "newsboat"

// Newsboat runs use, which drives newsboat at the path it is given, in subtest "newsboat" of t,
// and reports whether that subtest passed. Without newsboat the subtest skips before use runs,
// so use may start whatever newsboat is to read.
func Newsboat(t *testing.T, use func(t *testing.T, newsboat string)) bool {
	t.Helper()
	return run(t, CheckNewsboat, func(t *testing.T) error {
		nb, err := exec.LookPath(NewsboatPath)
		if err != nil {
			return missingError("newsboat not installed (apt-get install newsboat)")
		}
		use(t, nb)
		return nil
	})
}

// Gofeed parses body with mmcdole/gofeed, the parser Miniflux-style Go readers use. It is pure
// Go and always runs, so it needs no subtest.
func Gofeed(t testing.TB, body []byte) *gofeed.Feed {
	t.Helper()
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("gofeed: %v", err)
	}
	return f
}

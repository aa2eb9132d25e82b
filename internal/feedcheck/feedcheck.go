// Package feedcheck validates rendered feeds with the tools real readers and validators use:
// Universal Feed Parser, jing with the RFC 4287 schema, the JSON Feed 1.1 schema, newsboat and
// gofeed. It is test support only: each outside check runs as its own subtest, so an absent
// tool skips only that subtest (or fails it when FEEDPUB_REQUIRE_TOOLS=1), and Main reports
// every skip at the end of a package's run.
package feedcheck

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"testing"
)

// EnvRequireTools set to "1" makes a missing tool fail its check instead of skipping it.
const EnvRequireTools = "FEEDPUB_REQUIRE_TOOLS"

// Names of the outside checks, which are also the names of their subtests.
const (
	CheckFeedparser = "feedparser"
	CheckJing       = "jing"
	CheckJSONSchema = "jsonschema"
	CheckNewsboat   = "newsboat"
)

// missingError marks a failure caused by an absent tool rather than by the feed.
type missingError string

func (e missingError) Error() string { return string(e) }

func isMissing(err error) bool {
	var m missingError
	return errors.As(err, &m)
}

// tally counts the outside checks of this test binary. It is process-wide because TestMain,
// which prints it, sees no test's state; the mutex makes it safe for parallel tests.
var tally struct {
	mu      sync.Mutex
	ran     int
	skipped []string // "TestX/jing: why", one per skipped check
}

// run runs check as subtest name of t, counting it, and reports whether it passed. The check
// returns a missingError when its tool is absent: that skips the subtest, or fails it when
// the environment demands every tool.
func run(t *testing.T, name string, check func(t *testing.T) error) bool {
	t.Helper()
	return t.Run(name, func(t *testing.T) {
		t.Helper()
		err := check(t)
		if err == nil {
			countRun()
			return
		}
		if !isMissing(err) {
			countRun()
			t.Fatalf("%s: %v", name, err)
		}
		if os.Getenv(EnvRequireTools) == "1" {
			t.Fatalf("%v (required because %s=1)", err, EnvRequireTools)
		}
		countSkip(t.Name() + ": " + err.Error())
		t.Skip(err.Error())
	})
}

// SkipMissing skips t because an outside tool it needs is missing (why names the tool and how
// to get it), or fails t when FEEDPUB_REQUIRE_TOOLS=1; the summary lists the skip. It is the
// rule for tools that other test-support packages start, such as an S3 server.
func SkipMissing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv(EnvRequireTools) == "1" {
		t.Fatalf("%s (required because %s=1)", why, EnvRequireTools)
	}
	countSkip(t.Name() + ": " + why)
	t.Skip(why)
}

func countRun() {
	tally.mu.Lock()
	tally.ran++
	tally.mu.Unlock()
}

func countSkip(line string) {
	tally.mu.Lock()
	tally.skipped = append(tally.skipped, line)
	tally.mu.Unlock()
}

// Main runs the tests of a package that uses feedcheck and then prints how many outside checks
// ran and one line per skipped check, so that a passing run does not hide what it did not
// check. Call it from TestMain: os.Exit(feedcheck.Main(m)). go test shows the summary with -v
// or when run in the package's directory; it hides a passing package's output otherwise.
func Main(m *testing.M) int {
	code := m.Run()
	WriteSummary(os.Stdout)
	return code
}

// WriteSummary writes the summary Main prints: nothing when no outside check was called.
func WriteSummary(w io.Writer) {
	tally.mu.Lock()
	defer tally.mu.Unlock()
	if tally.ran == 0 && len(tally.skipped) == 0 {
		return
	}
	fmt.Fprintf(w, "feedcheck: %d outside checks ran, %d skipped\n", tally.ran, len(tally.skipped))
	lines := slices.Clone(tally.skipped)
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Fprintf(w, "feedcheck: skipped %s\n", l)
	}
}

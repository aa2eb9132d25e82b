package feedcheck

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// PythonPath is Debian's python3, named explicitly: a python3 earlier on PATH (pyenv) usually
// lacks the feedparser module.
const PythonPath = "/usr/bin/python3"

//go:embed parsefeed.py
var feedparserScript string

// Parsed is what feedparser made of a feed.
type Parsed struct {
	Bozo          int           `json:"bozo"`
	BozoException string        `json:"bozo_exception"`
	Version       string        `json:"version"` // e.g. "rss20", "atom10"
	Title         string        `json:"title"`
	Link          string        `json:"link"`
	ID            string        `json:"id"`
	Language      string        `json:"language"`
	Updated       string        `json:"updated"` // UTC RFC 3339, "" when absent
	Links         []ParsedLink  `json:"links"`   // the feed's links (Atom <link>, RSS atom:link)
	Entries       []ParsedEntry `json:"entries"`
}

// ParsedLink is one feed-level link as feedparser reports it.
type ParsedLink struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// ParsedEntry is one entry as feedparser reports it. Dates are UTC RFC 3339 at whole
// seconds, or "" when the feed gives none.
type ParsedEntry struct {
	ID        string         `json:"id"`
	Title     string         `json:"title"`
	Link      string         `json:"link"`
	Summary   string         `json:"summary"`
	Content   []string       `json:"content"`
	Authors   []ParsedAuthor `json:"authors"`
	Tags      []string       `json:"tags"`
	Published string         `json:"published"`
	Updated   string         `json:"updated"`
}

// ParsedAuthor is a person as feedparser splits it.
type ParsedAuthor struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Feedparser parses body with Universal Feed Parser in subtest "feedparser" of t, which fails
// unless bozo is 0, and then hands the result to check for the caller's assertions (nil: none).
// It reports whether the subtest passed; a skipped one counts as passed.
func Feedparser(t *testing.T, body []byte, check func(t *testing.T, p Parsed)) bool {
	t.Helper()
	return run(t, CheckFeedparser, func(t *testing.T) error {
		p, err := RunFeedparser(body)
		if err != nil {
			return err
		}
		if check != nil {
			check(t, p)
		}
		return nil
	})
}

// RunFeedparser is Feedparser without a testing.T, for callers that collect errors. An absent
// interpreter or module is reported as an error saying how to install it.
func RunFeedparser(body []byte) (Parsed, error) {
	if _, err := os.Stat(PythonPath); err != nil {
		return Parsed{}, missingError(fmt.Sprintf("feedparser not installed (%s absent; apt-get install python3-feedparser)", PythonPath))
	}
	cmd := exec.Command(PythonPath, "-I", "-c", feedparserScript) // -I: no cwd or PYTHON* variables on sys.path
	cmd.Stdin = bytes.NewReader(body)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 3 {
		return Parsed{}, missingError("feedparser not installed (apt-get install python3-feedparser)")
	}
	if err != nil {
		return Parsed{}, fmt.Errorf("running feedparser: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var p Parsed
	if err := json.Unmarshal(stdout.Bytes(), &p); err != nil {
		return Parsed{}, fmt.Errorf("reading feedparser output: %v", err)
	}
	if p.Bozo != 0 {
		return p, fmt.Errorf("bozo=%d: %s", p.Bozo, p.BozoException)
	}
	if p.Version == "" {
		return p, errors.New("feedparser did not recognize the feed format")
	}
	return p, nil
}

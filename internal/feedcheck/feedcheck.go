// Package feedcheck validates rendered feeds with the tools real readers and validators use:
// Universal Feed Parser, jing with the RFC 4287 schema, the JSON Feed 1.1 schema and gofeed.
// It is test support for internal/feed and the daemon's integration tests; an absent tool
// skips the test unless FEEDPUB_REQUIRE_TOOLS=1 makes it a failure.
package feedcheck

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mmcdole/gofeed"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Locations of the outside tools. Debian's python3 is named explicitly: a python3 earlier
// on PATH (pyenv) usually lacks the feedparser module.
const (
	PythonPath = "/usr/bin/python3"
	JingPath   = "jing"
)

// Environment variables that change behaviour.
const (
	EnvRequireTools = "FEEDPUB_REQUIRE_TOOLS" // "1": a missing tool fails the test instead of skipping it
	EnvSchemas      = "FEEDPUB_SCHEMAS"       // folder holding atom.rnc and jsonfeed-1.1.schema.json
)

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
	Entries       []ParsedEntry `json:"entries"`
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

// missingError marks a failure caused by an absent tool or schema rather than by the feed.
type missingError string

func (e missingError) Error() string { return string(e) }

func isMissing(err error) bool {
	var m missingError
	return errors.As(err, &m)
}

// missing skips the test, or fails it when the environment demands every tool.
func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv(EnvRequireTools) == "1" {
		t.Fatalf("%s (required because %s=1)", what, EnvRequireTools)
	}
	t.Skip(what)
}

// Feedparser parses body with Universal Feed Parser and fails the test unless bozo is 0.
func Feedparser(t testing.TB, body []byte) Parsed {
	t.Helper()
	p, err := RunFeedparser(body)
	if isMissing(err) {
		missing(t, err.Error())
	}
	if err != nil {
		t.Fatalf("feedparser: %v", err)
	}
	return p
}

// RunFeedparser is Feedparser without a testing.TB, for callers that collect errors. An
// absent interpreter or module is reported as an error mentioning how to install it.
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

// Jing validates an Atom document against the RFC 4287 RELAX NG schema with jing.
func Jing(t testing.TB, atom []byte) {
	t.Helper()
	err := RunJing(atom, t.TempDir())
	if isMissing(err) {
		missing(t, err.Error())
	}
	if err != nil {
		t.Fatalf("jing: %v", err)
	}
}

// RunJing is Jing without a testing.TB; tmp is a folder for the document's temporary copy.
func RunJing(atom []byte, tmp string) error {
	jing, err := exec.LookPath(JingPath)
	if err != nil {
		return missingError("jing not installed (apt-get install jing)")
	}
	schema, err := SchemaPath("atom.rnc")
	if err != nil {
		return err
	}
	f := filepath.Join(tmp, "atom.xml")
	if err := os.WriteFile(f, atom, 0o644); err != nil {
		return err
	}
	out, err := exec.Command(jing, "-c", schema, f).CombinedOutput()
	if err != nil {
		return fmt.Errorf("atom.xml is not valid against %s: %v\n%s", schema, err, out)
	}
	return nil
}

// JSONSchema validates a JSON Feed against the JSON Feed 1.1 schema, then checks what the
// schema leaves to its runner: item ids are non-empty and unique.
func JSONSchema(t testing.TB, body []byte) {
	t.Helper()
	err := RunJSONSchema(body)
	if isMissing(err) {
		missing(t, err.Error())
	}
	if err != nil {
		t.Fatalf("JSON Feed: %v", err)
	}
}

// RunJSONSchema is JSONSchema without a testing.TB.
func RunJSONSchema(body []byte) error {
	path, err := SchemaPath("jsonfeed-1.1.schema.json")
	if err != nil {
		return err
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		return fmt.Errorf("schema %s: %v", path, err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(path, doc); err != nil {
		return fmt.Errorf("schema %s: %v", path, err)
	}
	sch, err := c.Compile(path)
	if err != nil {
		return fmt.Errorf("schema %s: %v", path, err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("does not match %s: %v", path, err)
	}
	var f struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &f); err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, it := range f.Items {
		if it.ID == "" {
			return fmt.Errorf("item %d has an empty id", i)
		}
		if seen[it.ID] {
			return fmt.Errorf("item id %q appears twice", it.ID)
		}
		seen[it.ID] = true
	}
	return nil
}

// Gofeed parses body with mmcdole/gofeed, the parser Miniflux-style Go readers use.
func Gofeed(t testing.TB, body []byte) *gofeed.Feed {
	t.Helper()
	f, err := gofeed.NewParser().Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("gofeed: %v", err)
	}
	return f
}

// SchemaPath returns the path of a schema file: in $FEEDPUB_SCHEMAS when set, else in
// ../shared/feedvalidate beside the repository root (the folder holding go.mod) found by
// walking up from the working directory. An absent file is reported as a missing tool.
func SchemaPath(name string) (string, error) {
	dir := os.Getenv(EnvSchemas)
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return "", missingError(fmt.Sprintf("schema %s: %v (set %s)", name, err, EnvSchemas))
		}
		dir = filepath.Join(root, "..", "shared", "feedvalidate")
	}
	p := filepath.Join(dir, name)
	if _, err := os.Stat(p); err != nil {
		return "", missingError(fmt.Sprintf("schema %s not found (set %s to its folder)", p, EnvSchemas))
	}
	return p, nil
}

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}

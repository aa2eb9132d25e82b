package feedcheck

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// JingPath is the jing command looked up on PATH.
const JingPath = "jing"

// The schemas live in the repository, so a fresh clone checks its feeds with nothing beside it.
var (
	//go:embed testdata/atom.rnc
	atomSchema []byte
	//go:embed testdata/jsonfeed-1.1.schema.json
	jsonFeedSchema []byte
)

const jsonFeedSchemaURL = "urn:feedpub:jsonfeed-1.1" // the schema's $id

// Jing validates an Atom document against the RFC 4287 RELAX NG schema with jing, in subtest
// "jing" of t, and reports whether that subtest passed (a skipped one counts as passed).
func Jing(t *testing.T, atom []byte) bool {
	t.Helper()
	return run(t, CheckJing, func(t *testing.T) error { return RunJing(atom, t.TempDir()) })
}

// RunJing is Jing without a testing.T; tmp is a folder for copies of the schema and document.
func RunJing(atom []byte, tmp string) error {
	jing, err := exec.LookPath(JingPath)
	if err != nil {
		return missingError("jing not installed (apt-get install jing)")
	}
	schema, doc := filepath.Join(tmp, "atom.rnc"), filepath.Join(tmp, "atom.xml")
	if err := os.WriteFile(schema, atomSchema, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(doc, atom, 0o644); err != nil {
		return err
	}
	out, err := exec.Command(jing, "-c", schema, doc).CombinedOutput()
	if err != nil {
		return fmt.Errorf("atom.xml is not valid against RFC 4287's schema: %v\n%s", err, out)
	}
	return nil
}

// JSONSchema validates a JSON Feed against the JSON Feed 1.1 schema, then checks what the
// schema leaves to its runner, in subtest "jsonschema" of t; it reports whether that passed.
func JSONSchema(t *testing.T, body []byte) bool {
	t.Helper()
	return run(t, CheckJSONSchema, func(*testing.T) error { return RunJSONSchema(body) })
}

var compiledJSONFeedSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(jsonFeedSchema))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(jsonFeedSchemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(jsonFeedSchemaURL)
})

// RunJSONSchema is JSONSchema without a testing.T. Beyond the schema it requires item ids to
// be non-empty and unique and next_url to differ from feed_url, which the spec demands but a
// schema cannot express.
func RunJSONSchema(body []byte) error {
	sch, err := compiledJSONFeedSchema()
	if err != nil {
		return fmt.Errorf("JSON Feed schema: %v", err)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("not JSON: %v", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("does not match the JSON Feed 1.1 schema: %v", err)
	}
	var f struct {
		FeedURL string `json:"feed_url"`
		NextURL string `json:"next_url"`
		Items   []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &f); err != nil {
		return err
	}
	if f.NextURL != "" && f.NextURL == f.FeedURL {
		return fmt.Errorf("next_url is the feed_url %q", f.FeedURL)
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

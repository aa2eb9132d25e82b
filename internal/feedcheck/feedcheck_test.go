package feedcheck

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const goodAtom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>t</title>
  <id>tag:example.org,2024:f</id>
  <updated>2024-01-02T03:04:05Z</updated>
  <author><name>A</name></author>
  <entry>
    <title>e</title>
    <id>tag:example.org,2024:e</id>
    <updated>2024-01-02T03:04:05Z</updated>
    <published>2024-01-01T00:00:00-05:00</published>
    <link rel="alternate" href="https://example.org/e.html"/>
    <author><name>B</name><email>b@example.org</email></author>
  </entry>
</feed>`

// badAtom lacks the required <id> and <updated> of the entry.
const badAtom = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>t</title><id>tag:example.org,2024:f</id><updated>2024-01-02T03:04:05Z</updated>
  <entry><title>e</title></entry>
</feed>`

func TestFeedparser(t *testing.T) {
	p := Feedparser(t, []byte(goodAtom))
	if p.Version != "atom10" || len(p.Entries) != 1 {
		t.Fatalf("parsed %+v", p)
	}
	e := p.Entries[0]
	if e.ID != "tag:example.org,2024:e" || e.Link != "https://example.org/e.html" ||
		e.Published != "2024-01-01T05:00:00Z" || e.Updated != "2024-01-02T03:04:05Z" {
		t.Errorf("entry %+v", e)
	}
	if len(e.Authors) != 1 || e.Authors[0] != (ParsedAuthor{Name: "B", Email: "b@example.org"}) {
		t.Errorf("authors %+v", e.Authors)
	}
	// A feed that is not well-formed sets bozo, which must be an error.
	_, err := RunFeedparser([]byte(strings.Replace(goodAtom, "</feed>", "", 1)))
	if err == nil || isMissing(err) || !strings.Contains(err.Error(), "bozo") {
		t.Errorf("malformed feed: err = %v", err)
	}
}

func TestJing(t *testing.T) {
	Jing(t, []byte(goodAtom))
	err := RunJing([]byte(badAtom), t.TempDir())
	if err == nil || isMissing(err) {
		t.Errorf("invalid Atom accepted: %v", err)
	}
}

func TestJSONSchema(t *testing.T) {
	good := `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","content_html":"<p>x</p>","url":"https://example.org/1"}]}`
	JSONSchema(t, []byte(good))
	for name, bad := range map[string]string{
		"no items":      `{"version":"https://jsonfeed.org/version/1.1","title":"t"}`,
		"null items":    `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":null}`,
		"no content":    `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1"}]}`,
		"relative url":  `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","content_html":"","url":"/1"}]}`,
		"duplicate ids": `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","content_html":""},{"id":"1","content_html":""}]}`,
		"empty id":      `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"","content_html":""}]}`,
		"not json":      `{`,
	} {
		if err := RunJSONSchema([]byte(bad)); err == nil || isMissing(err) {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}
}

func TestGofeed(t *testing.T) {
	f := Gofeed(t, []byte(goodAtom))
	if len(f.Items) != 1 || f.Items[0].GUID != "tag:example.org,2024:e" {
		t.Errorf("gofeed read %+v", f)
	}
}

func TestSchemaPathOverride(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "atom.rnc"), []byte("start = element x { empty }"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv(EnvSchemas, dir)
	p, err := SchemaPath("atom.rnc")
	if err != nil || p != filepath.Join(dir, "atom.rnc") {
		t.Errorf("SchemaPath = %q, %v", p, err)
	}
	if _, err := SchemaPath("jsonfeed-1.1.schema.json"); !isMissing(err) {
		t.Errorf("absent schema: err = %v, want a missing-tool error", err)
	}
}

func TestMissingTool(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no jing anywhere
	err := RunJing([]byte(goodAtom), t.TempDir())
	if !isMissing(err) || !strings.Contains(err.Error(), "jing not installed") {
		t.Errorf("err = %v, want a missing-tool error", err)
	}
}

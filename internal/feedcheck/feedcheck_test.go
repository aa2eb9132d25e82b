package feedcheck

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

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
	Feedparser(t, []byte(goodAtom), func(t *testing.T, p Parsed) {
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
	})
}

func TestJing(t *testing.T) {
	Jing(t, []byte(goodAtom))
	run(t, CheckJing, func(t *testing.T) error {
		err := RunJing([]byte(badAtom), t.TempDir())
		if isMissing(err) {
			return err
		}
		if err == nil {
			t.Error("invalid Atom accepted")
		}
		return nil
	})
}

func TestJSONSchema(t *testing.T) {
	good := `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","content_html":"<p>x</p>","url":"https://example.org/1"}]}`
	JSONSchema(t, []byte(good))
	if err := RunJSONSchema([]byte(good)); err != nil {
		t.Errorf("good feed: %v", err) // the schema is embedded: this check never skips
	}
	for name, bad := range map[string]string{
		"no items":        `{"version":"https://jsonfeed.org/version/1.1","title":"t"}`,
		"null items":      `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":null}`,
		"no content":      `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1"}]}`,
		"relative url":    `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","content_html":"","url":"/1"}]}`,
		"duplicate ids":   `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"1","content_html":""},{"id":"1","content_html":""}]}`,
		"empty id":        `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[{"id":"","content_html":""}]}`,
		"next is feed":    `{"version":"https://jsonfeed.org/version/1.1","title":"t","feed_url":"https://e.org/f.json","next_url":"https://e.org/f.json","items":[]}`,
		"unknown key":     `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[],"colour":"red"}`,
		"dotted ext":      `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[],"_a.b":{}}`,
		"empty author":    `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[],"authors":[{}]}`,
		"hub without url": `{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[],"hubs":[{"type":"WebSub"}]}`,
		"not json":        `{`,
	} {
		if err := RunJSONSchema([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	full := `{"version":"https://jsonfeed.org/version/1.1","title":"t","home_page_url":"https://e.org/",
		"feed_url":"https://e.org/f.json","next_url":"https://e.org/f2.json","description":"d","user_comment":"c",
		"icon":"https://e.org/i.png","favicon":"https://e.org/f.png","authors":[{"name":"A","url":"https://e.org/a","avatar":"https://e.org/a.png"}],
		"language":"en-US","expired":false,"hubs":[{"type":"WebSub","url":"https://hub.e.org/"}],"_ext":{"about":"x"},
		"items":[{"id":"1","url":"https://e.org/1","external_url":"https://x.org/","title":"T","content_text":"t","summary":"s",
		"image":"https://e.org/1.png","banner_image":"https://e.org/b.png","date_published":"2010-02-07T14:04:00-05:00",
		"date_modified":"2010-02-07T19:04:00Z","authors":[{"name":"B"}],"author":{"name":"B"},"tags":["x"],"language":"ko",
		"attachments":[{"url":"https://e.org/1.mp3","mime_type":"audio/mpeg","title":"a","size_in_bytes":10,"duration_in_seconds":1.5}]}]}`
	if err := RunJSONSchema([]byte(full)); err != nil {
		t.Errorf("a feed using every field of the spec: %v", err)
	}
}

func TestGofeed(t *testing.T) {
	f := Gofeed(t, []byte(goodAtom))
	if len(f.Items) != 1 || f.Items[0].GUID != "tag:example.org,2024:e" {
		t.Errorf("gofeed read %+v", f)
	}
}

func TestMissingTool(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // no jing anywhere
	err := RunJing([]byte(goodAtom), t.TempDir())
	if !isMissing(err) || !strings.Contains(err.Error(), "jing not installed") {
		t.Errorf("err = %v, want a missing-tool error", err)
	}
}

// TestHelperMissingJing is run by TestMissingToolSkipsOnlyItsSubtest in a child process with
// no jing on PATH; on its own it does nothing.
func TestHelperMissingJing(t *testing.T) {
	if os.Getenv("FEEDCHECK_HELPER") != "1" {
		t.Skip("helper for TestMissingToolSkipsOnlyItsSubtest")
	}
	Jing(t, []byte(goodAtom))
	t.Log("after the jing check") // the rest of the test runs whatever jing did
}

// TestMissingToolSkipsOnlyItsSubtest: without jing only the "jing" subtest skips, the summary
// names it, and FEEDPUB_REQUIRE_TOOLS=1 turns the skip into a failure.
func TestMissingToolSkipsOnlyItsSubtest(t *testing.T) {
	child := func(require string) (string, error) {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperMissingJing$", "-test.v")
		cmd.Env = append(os.Environ(), "FEEDCHECK_HELPER=1", "PATH="+t.TempDir(), EnvRequireTools+"="+require)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := child("")
	if err != nil {
		t.Fatalf("without jing the test failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		"--- SKIP: TestHelperMissingJing/jing",
		"after the jing check",
		"feedcheck: 0 outside checks ran, 1 skipped\n",
		"feedcheck: skipped TestHelperMissingJing/jing: jing not installed (apt-get install jing)\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, err = child("1")
	if err == nil || !strings.Contains(out, "--- FAIL: TestHelperMissingJing/jing") ||
		!strings.Contains(out, "required because "+EnvRequireTools+"=1") {
		t.Errorf("with %s=1 a missing jing did not fail its check: %v\n%s", EnvRequireTools, err, out)
	}
}

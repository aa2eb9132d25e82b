package publish

import (
	"fmt"
	"strings"
	"testing"
)

// The list of sections is on the root's index page only: an incremental write rewrites just
// the archive pages whose members changed, so an archive page that listed the sections would
// keep the list it was written with when a section is added later.
func TestArchivePagesListNoSections(t *testing.T) {
	e := newEnv(t)
	for i := range 250 {
		e.write(fmt.Sprintf("early/a%03d.txt", i), fmt.Sprintf("Headline %d\n\nBody %d.", i, i))
	}
	e.sync()
	e.render()
	e.write("later/b.txt", "Later headline\n\nA new section's first article.")
	e.sync()
	e.render()
	idx := string(e.read("index.html"))
	for _, want := range []string{`<nav class="sections">`, `sections/early/">early</a>`, `sections/later/">later</a>`} {
		if !strings.Contains(idx, want) {
			t.Errorf("index.html lacks %s:\n%s", want, idx)
		}
	}
	for _, name := range []string{"archive/0.html", "archive/1.html", "archive/2.html", "sections/early/archive/0.html"} {
		if body := string(e.read(name)); strings.Contains(body, `class="sections"`) {
			t.Errorf("%s lists sections:\n%s", name, body)
		}
	}
}

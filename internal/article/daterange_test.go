package article

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// Dates that would be written with a year outside 0001-9999 in UTC are refused in every
// format; the edges that stay inside are kept.
func TestDatesOutsideFeedRange(t *testing.T) {
	for _, c := range []struct {
		name, body string
		ok         bool
	}{
		{"late.md", "---\ntitle: Late\ndate: 9999-12-31T23:30:00-01:00\n---\nBody.\n", false},
		{"early.md", "---\ntitle: Early\ndate: 0001-01-01T00:30:00+01:00\n---\nBody.\n", false},
		{"lastmod.md", "---\ntitle: T\ndate: 2024-01-01\nlastmod: 9999-12-31T23:59:59-00:01\n---\nBody.\n", false},
		{"late.toml.md", "+++\ntitle = \"T\"\ndate = 9999-12-31T23:30:00-01:00\n+++\nBody.\n", false},
		{"late.html", `<html><head><title>T</title><meta property="article:published_time" content="9999-12-31T23:30:00-01:00"></head><body><p>x</p></body></html>`, false},
		{"edge-late.md", "---\ntitle: Edge\ndate: 9999-12-31T23:59:59Z\n---\nBody.\n", true},
		{"edge-early.md", "---\ntitle: Edge\ndate: 0001-01-01T00:00:00Z\n---\nBody.\n", true},
		{"zoned-inside.md", "---\ntitle: Z\ndate: 9999-12-31T23:30:00+01:00\n---\nBody.\n", true},
	} {
		a, err := Parse(c.name, []byte(c.body), Options{Location: time.UTC})
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: %v, want it accepted", c.name, err)
		case !c.ok && err == nil:
			t.Errorf("%s: accepted with published %v updated %v, want a refusal", c.name, a.Published, a.Updated)
		case !c.ok && (!errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "0001-9999")):
			t.Errorf("%s: %v, want ErrInvalid naming the range", c.name, err)
		}
	}
}

package article

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden/*.json from the current output")

// TestGolden parses every testdata/<name>.<ext> and compares the inspect-style report with
// testdata/golden/<name>.json.
func TestGolden(t *testing.T) {
	loc := seoul(t)
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]string{}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		path := "testdata/" + e.Name()
		stem := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		if other, dup := seen[stem]; dup {
			t.Fatalf("%s and %s would share a golden file", other, path)
		}
		seen[stem] = path
		t.Run(e.Name(), func(t *testing.T) {
			var r Report
			if a, err := ParseFile(path, Options{Location: loc}); err != nil {
				r = ErrorReport(path, err)
			} else {
				checkOutput(t, a)
				r = a.Report(loc)
			}
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(r); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			golden := filepath.Join("testdata", "golden", stem+".json")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s:\n got: %s\nwant: %s", path, golden, got, want)
			}
		})
	}
}

func TestReportShape(t *testing.T) {
	a := &Article{Path: "x.txt", Title: "T", Format: FormatPlainText}
	b, err := json.Marshal(a.Report(nil))
	if err != nil {
		t.Fatal(err)
	}
	// Absent dates are null, never "": a consumer must not mistake them for a parse failure.
	const want = `{"file":"x.txt","format":"plain-text","title":"T","slug":"t","language":"","published":null,"updated":null,"authors":[],"categories":[],"summary":"","content_html":""}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	b, err = json.Marshal(ErrorReport("x.txt", ErrEmpty))
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"file":"x.txt","error":"file is empty"}` {
		t.Errorf("error report = %s", b)
	}
}

package section

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSection(t *testing.T) {
	root := t.TempDir()
	write := func(folder, body string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Join(root, folder), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, folder, FileName), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("politics", "title = \"  Politics \"\ndescription = \"\"\"Elections\n and more\"\"\"\n")
	write("bad", "title = [")
	write("typo", "tilte = \"x\"")
	d := Dir(root)
	for _, tc := range []struct {
		folder, title, desc, err string
	}{
		{"politics", "Politics", "Elections and more", ""},
		{"none", "", "", ""},
		{"bad", "", "", "bad/_section.toml"},
		{"typo", "", "", "unknown key \"tilte\""},
	} {
		info, err := d.Section(tc.folder)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.folder, err, tc.err)
			}
			continue
		}
		if err != nil || info.Title != tc.title || info.Description != tc.desc {
			t.Errorf("%s: %+v %v", tc.folder, info, err)
		}
	}
}

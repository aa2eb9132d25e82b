package article

import (
	"path/filepath"
	"testing"
)

func TestIgnored(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{"a.txt", false},
		{"a.md", false},
		{"a.markdown", false},
		{"a.html", false},
		{"a.htm", false},
		{"A.TXT", false},
		{"Notes.Md", false},
		{"sub/dir/a.txt", false},
		{"./a.txt", false},
		{"../x/a.txt", false},
		{"/abs/path/a.html", false},
		{"000_3a90daa9eccd1bea.txt", false},
		{"a.pdf", true},
		{"a", true},
		{"Makefile", true},
		{"a.txt.bak", true},
		{".hidden.txt", true},
		{".txt", true},
		{".git/a.txt", true},
		{"sub/.git/a.md", true},
		{"/abs/.cache/a.md", true},
		{"a.txt~", true},
		{"a~", true},
		{".a.txt.swp", true},
		{"a.txt.swp", true},
		{"a.swx", true},
		{"a.SWP", true},
		{"#a.txt#", true},
		{"sub/#a.md#", true},
		{"#", true},
		{"a.tmp", true},
		{"a.txt.part", true},
		{"a.html.crdownload", true},
		{"#notes.txt", false}, // only #…# is an editor leftover
		{"", true},
		{"dir/", true},
		{filepath.Join("sub", ".hidden", "a.txt"), true},
		{filepath.Join("sub", "x", "a.txt"), false},
	}
	for _, tt := range tests {
		if got := Ignored(tt.path); got != tt.want {
			t.Errorf("Ignored(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestIgnoredDir(t *testing.T) {
	tests := []struct {
		path string
		want bool
	}{
		{".", false},
		{"", false},
		{"..", false},
		{"sub", false},
		{"sub/dir", false},
		{"./sub", false},
		{".git", true},
		{"sub/.cache", true},
		{".git/objects", true},
		{"_drafts", false},
		{filepath.Join("a", ".b"), true},
	}
	for _, tt := range tests {
		if got := IgnoredDir(tt.path); got != tt.want {
			t.Errorf("IgnoredDir(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestIgnoreReason(t *testing.T) {
	for path, want := range map[string]string{
		"a.txt":                "",
		"sub/a.md":             "",
		".hidden.md":           "dotfile",
		"sub/.hidden.md":       "dotfile",
		".git/config.md":       "in a dot-directory",
		"a/.cache/b/c.md":      "in a dot-directory",
		"a.md~":                "*~",
		"#a.md#":               "#*#",
		"a.md.swp":             "*.swp",
		"a.SWX":                "*.swx",
		"a.txt.tmp":            "*.tmp",
		"a.part":               "*.part",
		"a.html.crdownload":    "*.crdownload",
		"notes.rtf":            "no parser for .rtf files",
		"Makefile":             "no extension, so no parser",
		"dir/":                 "not a file name",
		"./a.txt":              "",
		"../elsewhere/a.txt":   "",
		"/abs/path/ok/a.html":  "",
		"/abs/.cache/a.html":   "in a dot-directory",
		"sub/.hidden/.dot.txt": "in a dot-directory",
	} {
		if got := IgnoreReason(path); got != want {
			t.Errorf("IgnoreReason(%q) = %q, want %q", path, got, want)
		}
		if Ignored(path) != (want != "") {
			t.Errorf("Ignored(%q) disagrees with IgnoreReason", path)
		}
	}
}

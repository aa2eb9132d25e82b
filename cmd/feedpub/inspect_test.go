package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// inspectLine is one line of `feedpub inspect`, with the keys the tests look at.
type inspectLine struct {
	File      string  `json:"file"`
	Error     string  `json:"error"`
	Ignored   string  `json:"ignored"`
	Title     string  `json:"title"`
	Slug      string  `json:"slug"`
	Language  string  `json:"language"`
	Published *string `json:"published"`
	Updated   *string `json:"updated"`
	Catalog   *struct {
		Status  string `json:"status"`
		ID      string `json:"id"`
		Slug    string `json:"slug"`
		URL     string `json:"url"`
		Reason  string `json:"reason"`
		At      string `json:"at"`
		Pending bool   `json:"pending"`
	} `json:"catalog"`
	raw map[string]any
}

func runInspect(t *testing.T, dir string, args ...string) (map[string]inspectLine, int) {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"inspect", "--timezone", "Asia/Seoul"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "FEEDPUB_CONFIG=")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	out := map[string]inspectLine{}
	sc := bufio.NewScanner(&stdout)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l inspectLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not JSON: %v: %s", err, sc.Bytes())
		}
		json.Unmarshal(sc.Bytes(), &l.raw)
		out[filepath.ToSlash(l.File)] = l
	}
	if code > 1 {
		t.Fatalf("inspect %v: exit %d\n%s", args, code, stderr.String())
	}
	return out, code
}

// TestInspectCatalog answers "why is it not in the feed?" for every kind of file, against the
// catalog a real build made.
func TestInspectCatalog(t *testing.T) {
	root := t.TempDir()
	dir, state := filepath.Join(root, "articles"), filepath.Join(root, "state.db")
	files := map[string]string{
		"published.txt":      noByline,
		"ko.txt":             koreanNews,
		"edited.txt":         "Edited later\n\nThe first version.\n",
		"gone.txt":           "Deleted later\n\nIt was here.\n",
		"broken.md":          "---\ntitle: [unclosed\n---\nbody\n",
		"draft.md":           "---\ntitle: Not yet\ndraft: true\n---\nbody\n",
		".hidden.md":         "---\ntitle: Hidden\n---\nbody\n",
		"copy.txt.tmp":       "Half copied\n\nbody\n",
		"notes.rtf":          "{\\rtf1 hello}",
		".git/config.md":     "# not an article\n",
		"backup.md~":         "# editor backup\n",
		"sub/deep/nested.md": "---\ntitle: Nested\ndate: 2024-07-09T07:56:00+09:00\n---\nbody\n",
	}
	for name, body := range files {
		drop(t, dir, name, []byte(body))
	}
	build := func() {
		cmd := exec.Command(binary, "build", "--dir", dir, "--out", filepath.Join(root, "out"), "--state", state,
			"--base-url", "https://news.example.org/", "--timezone", "Asia/Seoul")
		cmd.Env = append(os.Environ(), "FEEDPUB_CONFIG=")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("build: %v\n%s", err, out)
		}
	}
	build()
	os.Remove(filepath.Join(dir, "gone.txt"))
	build()
	// After the builds: one file edited, one new; no reconcile has seen them yet.
	time.Sleep(10 * time.Millisecond)
	drop(t, dir, "edited.txt", []byte("Edited later\n\nThe second version, not read yet.\n"))
	drop(t, dir, "new.txt", []byte("Dropped after the build\n\nNot seen yet.\n"))

	rel := func(name string) string { return filepath.Join("articles", name) }
	args := []string{"--dir", "articles", "--state", state, "--base-url", "https://news.example.org/"}
	for _, name := range []string{"published.txt", "ko.txt", "edited.txt", "gone.txt", "broken.md", "draft.md",
		".hidden.md", "copy.txt.tmp", "notes.rtf", ".git/config.md", "backup.md~", "new.txt"} {
		args = append(args, rel(name))
	}
	args = append(args, rel("sub")) // a directory: read recursively
	got, code := runInspect(t, root, args...)
	if code != 1 {
		t.Errorf("exit %d, want 1 (some files are rejected)", code)
	}
	line := func(name string) inspectLine {
		t.Helper()
		l, ok := got[filepath.ToSlash(rel(name))]
		if !ok {
			t.Fatalf("no line for %s in %v", name, got)
		}
		return l
	}
	status := func(l inspectLine) string {
		if l.Catalog == nil {
			return ""
		}
		return l.Catalog.Status
	}

	for _, tc := range []struct {
		name    string
		check   func(l inspectLine) bool
		explain string
	}{
		{"published.txt", func(l inspectLine) bool {
			return l.Error == "" && status(l) == "published" && l.Catalog.Slug == "a-note-without-a-byline" &&
				l.Catalog.URL == "https://news.example.org/articles/a-note-without-a-byline.html" &&
				strings.HasPrefix(l.Catalog.ID, "tag:news.example.org,") && !l.Catalog.Pending
		}, "published with id, slug and URL"},
		{"published.txt", func(l inspectLine) bool {
			p, ok := l.raw["published"]
			return ok && p == nil && l.Published == nil && l.Updated == nil
		}, "a date the article does not declare is null, never \"\""},
		{"ko.txt", func(l inspectLine) bool {
			return status(l) == "published" && l.Language == "ko" && l.Slug == "서울시-지하철-요금-150원-인상" &&
				l.Catalog.URL == "https://news.example.org/articles/%EC%84%9C%EC%9A%B8%EC%8B%9C-%EC%A7%80%ED%95%98%EC%B2%A0-%EC%9A%94%EA%B8%88-150%EC%9B%90-%EC%9D%B8%EC%83%81.html" &&
				l.Published != nil && *l.Published == "2024-07-09T07:56:00+09:00"
		}, "Korean: language, slug, percent-encoded URL, date in KST"},
		{"edited.txt", func(l inspectLine) bool { return status(l) == "published" && l.Catalog.Pending },
			"changed since the catalog read it: pending"},
		{"gone.txt", func(l inspectLine) bool {
			return l.Error != "" && status(l) == "removed" && l.Catalog.Slug == "deleted-later" && l.Catalog.At != ""
		}, "a deleted file: the catalog remembers it as removed"},
		{"broken.md", func(l inspectLine) bool {
			return strings.Contains(l.Error, "front matter") && status(l) == "rejected" &&
				strings.Contains(l.Catalog.Reason, "front matter") && l.Catalog.At != ""
		}, "rejected with the stored reason and time"},
		{"draft.md", func(l inspectLine) bool {
			return strings.Contains(l.Error, "draft") && status(l) == "rejected" && l.Catalog.Reason == "draft"
		}, "a draft"},
		{".hidden.md", func(l inspectLine) bool { return l.Ignored == "dotfile" && l.Error == "" && l.Catalog == nil },
			"ignored: dotfile"},
		{"copy.txt.tmp", func(l inspectLine) bool { return l.Ignored == "*.tmp" }, "ignored: *.tmp"},
		{"notes.rtf", func(l inspectLine) bool { return strings.Contains(l.Ignored, ".rtf") }, "ignored: no parser for .rtf"},
		{".git/config.md", func(l inspectLine) bool { return l.Ignored == "in a dot-directory" }, "ignored: dot-directory"},
		{"backup.md~", func(l inspectLine) bool { return l.Ignored == "*~" }, "ignored: editor backup"},
		{"new.txt", func(l inspectLine) bool { return l.Error == "" && status(l) == "not seen" }, "not yet seen"},
		{"sub/deep/nested.md", func(l inspectLine) bool {
			return status(l) == "published" && l.Published != nil && *l.Published == "2024-07-09T07:56:00+09:00"
		}, "a directory argument is read recursively"},
	} {
		if l := line(tc.name); !tc.check(l) {
			t.Errorf("%s: %s: got %+v catalog %+v", tc.name, tc.explain, l, l.Catalog)
		}
	}

	// Without a catalog (none at --state): every answer but the catalog's.
	got, _ = runInspect(t, root, "--dir", "articles", "--state", filepath.Join(root, "none.db"), rel("published.txt"))
	if l := line("published.txt"); l.Title != "A note without a byline" || l.Catalog != nil {
		t.Errorf("without a catalog: %+v", l)
	}
	if _, err := os.Stat(filepath.Join(root, "none.db")); err == nil {
		t.Errorf("inspect created a catalog")
	}
	// A file outside --dir is not judged by the catalog.
	outside := filepath.Join(root, "outside.txt")
	os.WriteFile(outside, []byte(noByline), 0o644)
	got, _ = runInspect(t, root, "--dir", "articles", "--state", state, "outside.txt")
	if l := got["outside.txt"]; status(l) != "outside the article directory" {
		t.Errorf("outside --dir: %+v %+v", l, l.Catalog)
	}
}

package publish

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readString(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestStageCommitReplaces(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string // relative, slash-separated
		old  string // "" = no previous file
	}{
		{"replace", "index.html", "old"},
		{"create", "new.xml", ""},
		{"create in new subdirectory", "articles/deep/a.html", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			dst := filepath.Join(root, filepath.FromSlash(tc.file))
			if tc.old != "" {
				writeFile(t, dst, tc.old)
			}
			st := newStager(root, nil)
			changed, err := st.stage(tc.file, []byte("new"))
			if err != nil || !changed {
				t.Fatalf("stage = %v, %v; want true, nil", changed, err)
			}
			// Until commit, readers see the old state.
			if tc.old != "" {
				if got := readString(t, dst); got != tc.old {
					t.Fatalf("before commit: %q", got)
				}
			} else if _, err := os.Stat(dst); !os.IsNotExist(err) {
				t.Fatalf("before commit the new file exists: %v", err)
			}
			tmp := filepath.Join(filepath.Dir(dst), tempPrefix+filepath.Base(dst)+tempSuffix)
			if got := readString(t, tmp); got != "new" {
				t.Fatalf("temp file holds %q", got)
			}
			if err := st.commit(); err != nil {
				t.Fatal(err)
			}
			if got := readString(t, dst); got != "new" {
				t.Fatalf("after commit: %q", got)
			}
			fi, err := os.Stat(dst)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != wantPerm(t) {
				t.Errorf("mode %v, want %v", fi.Mode().Perm(), wantPerm(t))
			}
			if tmps := tempFiles(t, root); len(tmps) > 0 {
				t.Errorf("temp files left: %q", tmps)
			}
			// A second commit has nothing to do.
			if err := st.commit(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestStageUnchanged(t *testing.T) {
	root := t.TempDir()
	dst := filepath.Join(root, "feed.json")
	writeFile(t, dst, "same")
	past := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(dst, past, past); err != nil {
		t.Fatal(err)
	}
	st := newStager(root, nil)
	changed, err := st.stage("feed.json", []byte("same"))
	if err != nil || changed {
		t.Fatalf("stage of identical bytes = %v, %v; want false, nil", changed, err)
	}
	if tmps := tempFiles(t, root); len(tmps) > 0 {
		t.Fatalf("identical stage wrote %q", tmps)
	}
	if err := st.commit(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.ModTime().Equal(past) {
		t.Fatalf("mtime moved from %v to %v", past, fi.ModTime())
	}
	// A prefix or extension of the old bytes is a change.
	for _, body := range []string{"sam", "same!", ""} {
		if changed, err := st.stage("feed.json", []byte(body)); err != nil || !changed {
			t.Errorf("stage(%q) = %v, %v; want true, nil", body, changed, err)
		}
		st.abort()
	}
}

func TestStageAbort(t *testing.T) {
	root := t.TempDir()
	writeFile(t, filepath.Join(root, "rss.xml"), "old")
	st := newStager(root, nil)
	for _, name := range []string{"rss.xml", "atom.xml", "articles/x.html"} {
		if _, err := st.stage(name, []byte("new "+name)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(tempFiles(t, root)); n != 3 {
		t.Fatalf("%d temp files staged, want 3", n)
	}
	st.abort()
	if tmps := tempFiles(t, root); len(tmps) > 0 {
		t.Fatalf("abort left %q", tmps)
	}
	if got := readString(t, filepath.Join(root, "rss.xml")); got != "old" {
		t.Fatalf("abort changed the target: %q", got)
	}
	for _, name := range []string{"atom.xml", "articles/x.html"} {
		if _, err := os.Stat(filepath.Join(root, name)); !os.IsNotExist(err) {
			t.Errorf("%s exists after abort: %v", name, err)
		}
	}
	// Nothing is left to commit, and the stager stays usable.
	if err := st.commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := st.stage("rss.xml", []byte("newer")); err != nil {
		t.Fatal(err)
	}
	if err := st.commit(); err != nil {
		t.Fatal(err)
	}
	if got := readString(t, filepath.Join(root, "rss.xml")); got != "newer" {
		t.Fatalf("after abort and a new commit: %q", got)
	}
}

func TestStageCommitFailureCleansUp(t *testing.T) {
	root := t.TempDir()
	// A non-empty directory where a file should go: the rename over it fails.
	writeFile(t, filepath.Join(root, "b.html", "inside"), "x")
	st := newStager(root, nil)
	for _, name := range []string{"a.html", "b.html", "c.html"} {
		if _, err := st.stage(name, []byte(name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.commit(); err == nil {
		t.Fatal("commit over a directory succeeded")
	}
	if tmps := tempFiles(t, root); len(tmps) > 0 {
		t.Fatalf("failed commit left %q", tmps)
	}
	// Files renamed before the failure are in place; the stager holds nothing more.
	if got := readString(t, filepath.Join(root, "a.html")); got != "a.html" {
		t.Fatalf("a.html = %q", got)
	}
	if err := st.commit(); err != nil {
		t.Fatalf("commit after a failed one: %v", err)
	}
}

func TestCommitIfFull(t *testing.T) {
	root := t.TempDir()
	st := newStager(root, nil)
	for i := range 3 {
		if _, err := st.stage(fmt.Sprintf("p%d.html", i), []byte("x")); err != nil {
			t.Fatal(err)
		}
		if err := st.commitIfFull(3); err != nil {
			t.Fatal(err)
		}
		committed := 0
		for j := range i + 1 {
			if _, err := os.Stat(filepath.Join(root, fmt.Sprintf("p%d.html", j))); err == nil {
				committed++
			}
		}
		want := 0
		if i == 2 {
			want = 3
		}
		if committed != want {
			t.Fatalf("after %d stages: %d committed, want %d", i+1, committed, want)
		}
	}
	if tmps := tempFiles(t, root); len(tmps) > 0 {
		t.Fatalf("temp files left: %q", tmps)
	}
}

func TestRemoveStaleTemps(t *testing.T) {
	root := t.TempDir()
	files := []struct {
		name string
		gone bool
	}{
		{".feedpub-rss.xml.tmp", true},
		{".feedpub-.tmp", true},
		{".feedpub-index.html.tmp", true},
		{"feedpub-rss.xml.tmp", false}, // not a dotfile
		{".feedpub-rss.xml", false},    // no suffix
		{".other-rss.xml.tmp", false},  // someone else's temp
		{"draft.tmp", false},
		{"index.html", false},
		{".feedpub-keep.tmp.bak", false},
	}
	for _, f := range files {
		writeFile(t, filepath.Join(root, f.name), "x")
	}
	// Temps in subdirectories are left for the caller to name: removeStaleTemps is not recursive.
	writeFile(t, filepath.Join(root, "articles", ".feedpub-a.html.tmp"), "x")
	removeStaleTemps(root)
	for _, f := range files {
		_, err := os.Stat(filepath.Join(root, f.name))
		if gone := os.IsNotExist(err); gone != f.gone {
			t.Errorf("%s: removed = %v, want %v", f.name, gone, f.gone)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "articles", ".feedpub-a.html.tmp")); err != nil {
		t.Errorf("a subdirectory's temp was touched: %v", err)
	}
	removeStaleTemps(filepath.Join(root, "no-such-dir")) // must not panic or fail
}

func TestStageConcurrent(t *testing.T) {
	for _, tc := range []struct {
		name  string
		batch int // commitIfFull threshold while staging; 0 = commit only at the end
	}{
		{"commit at end", 0},
		{"commit in batches", 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			const workers, perWorker = 8, 12
			// Half the targets exist with other bytes, a few with the same bytes.
			want := map[string]string{}
			same := map[string]bool{}
			for w := range workers {
				for i := range perWorker {
					name := fmt.Sprintf("articles/w%d-%d.html", w, i)
					if w%2 == 0 {
						name = fmt.Sprintf("w%d-%d.xml", w, i)
					}
					body := fmt.Sprintf("<p>worker %d page %d</p>%s", w, i, bytes.Repeat([]byte("."), i*100))
					want[name] = body
					switch i % 3 {
					case 1:
						writeFile(t, filepath.Join(root, filepath.FromSlash(name)), "stale")
					case 2:
						writeFile(t, filepath.Join(root, filepath.FromSlash(name)), body)
						same[name] = true
					}
				}
			}
			st := newStager(root, nil)
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				changed []string
				errs    []error
			)
			for w := range workers {
				wg.Go(func() {
					for i := range perWorker {
						name := fmt.Sprintf("articles/w%d-%d.html", w, i)
						if w%2 == 0 {
							name = fmt.Sprintf("w%d-%d.xml", w, i)
						}
						ch, err := st.stage(name, []byte(want[name]))
						if err == nil && tc.batch > 0 {
							err = st.commitIfFull(tc.batch)
						}
						mu.Lock()
						if ch {
							changed = append(changed, name)
						}
						if err != nil {
							errs = append(errs, err)
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if err := st.commit(); err != nil {
				t.Fatal(err)
			}
			for _, err := range errs {
				t.Error(err)
			}
			for name, body := range want {
				if got := readString(t, filepath.Join(root, filepath.FromSlash(name))); got != body {
					t.Errorf("%s = %.40q, want %.40q", name, got, body)
				}
			}
			// Every target but the ones already holding their bytes was changed.
			var wantChanged []string
			for name := range want {
				if !same[name] {
					wantChanged = append(wantChanged, name)
				}
			}
			slices.Sort(changed)
			slices.Sort(wantChanged)
			if !slices.Equal(changed, wantChanged) {
				t.Errorf("changed %d files, want %d:\n got %q\nwant %q", len(changed), len(wantChanged), changed, wantChanged)
			}
			if tmps := tempFiles(t, root); len(tmps) > 0 {
				t.Errorf("temp files left: %q", tmps)
			}
		})
	}
}

package atomicfile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "marker")
	for _, want := range []string{"first\n", "second, longer\n", ""} {
		if err := Write(p, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(p)
		if err != nil || string(got) != want {
			t.Fatalf("read back %q, %v; want %q", got, err, want)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("directory holds %d entries, want only the file (no temporary left)", len(ents))
	}
}

func TestWriteFailureKeepsOld(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "marker")
	if err := Write(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A directory where the temporary file must go makes the write fail before the rename.
	if err := os.Mkdir(filepath.Join(dir, ".marker.tmp"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := Write(p, []byte("new"), 0o644)
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want a failure naming %s", err, p)
	}
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Errorf("after a failed write the file holds %q, want the old bytes", got)
	}
}

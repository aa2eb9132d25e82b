package fault

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"
	"time"
)

func TestIsContent(t *testing.T) {
	errEmpty := Content("file is empty")
	for _, c := range []struct {
		err  error
		want bool
	}{
		{errEmpty, true},
		{fmt.Errorf("a.txt: %w", errEmpty), true},
		{fmt.Errorf("a.txt: %w: detail", fmt.Errorf("wrapped twice: %w", errEmpty)), true},
		{syscall.EMFILE, false},
		{&fs.PathError{Op: "open", Path: "a.txt", Err: syscall.ENOSPC}, false},
		{errors.New("database is locked"), false},
		{nil, false},
	} {
		if got := IsContent(c.err); got != c.want {
			t.Errorf("IsContent(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	if !errors.Is(fmt.Errorf("x: %w", errEmpty), errEmpty) || errors.Is(errEmpty, Content("file is empty")) {
		t.Error("content sentinels must compare by identity, as errors.New does")
	}
}

func TestBackoff(t *testing.T) {
	b := Backoff{Min: 100 * time.Millisecond, Max: time.Second}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := b.Delay(i + 1); got != w*time.Millisecond {
			t.Errorf("Delay(%d) = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	if got := b.Delay(10_000); got != time.Second {
		t.Errorf("Delay(10000) = %v, want the cap", got)
	}
}

package progress

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	for _, c := range []struct {
		done, total int
		elapsed     time.Duration
		want        string
	}{
		{0, 100000, 0, "reading  0/100,000  0%"},
		{12345, 100000, 5 * time.Second, "reading  12,345/100,000  12%  2,469/s  36s left"},
		{100000, 100000, 40 * time.Second, "reading  100,000/100,000  100%  2,500/s"},
		{700, 0, 2 * time.Second, "reading  700  350/s"},
		{3, 10, 100 * time.Millisecond, "reading  3/10  30%"}, // too early for a rate
	} {
		if got := Line("reading", c.done, c.total, c.elapsed); got != c.want {
			t.Errorf("Line(%d, %d, %v) = %q, want %q", c.done, c.total, c.elapsed, got, c.want)
		}
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 100000: "100,000", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := Count(n); got != want {
			t.Errorf("Count(%d) = %q, want %q", n, got, want)
		}
	}
}

// A pipe or file is not a terminal: nothing is written, and log lines pass through as they are.
func TestOffTerminalSilent(t *testing.T) {
	var buf bytes.Buffer
	term := New(&buf)
	if term.Enabled() {
		t.Fatal("a bytes.Buffer was taken for a terminal")
	}
	k := term.Start("reading", 10)
	k.Add(5)
	term.Writer().Write([]byte("log line\n"))
	k.Stop()
	if got := buf.String(); got != "log line\n" {
		t.Errorf("wrote %q off a terminal, want only the log line", got)
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a regular file was taken for a terminal")
	}
	var nilTerm *Terminal
	nilTerm.Start("x", 1).Add(1) // must not panic
}

func fakeTerminal(buf *bytes.Buffer, clock *time.Time) *Terminal {
	return &Terminal{w: buf, enabled: true, now: func() time.Time { return *clock }, every: 100 * time.Millisecond}
}

func TestOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	clock := time.Unix(1000, 0)
	term := fakeTerminal(&buf, &clock)
	k := term.Start("reading", 100)
	if got := buf.String(); got != eraseLine+"reading  0/100  0%" {
		t.Fatalf("first draw %q", got)
	}
	buf.Reset()
	k.Add(10) // within the redraw interval: nothing drawn
	if buf.Len() != 0 {
		t.Errorf("redrew within the interval: %q", buf.String())
	}
	clock = clock.Add(time.Second)
	k.Add(10)
	if got := buf.String(); got != eraseLine+"reading  20/100  20%  20/s  4s left" {
		t.Errorf("second draw %q", got)
	}
	// A log line clears the progress line and draws it again after itself.
	buf.Reset()
	term.Writer().Write([]byte("level=INFO msg=hello\n"))
	if got, want := buf.String(), eraseLine+"level=INFO msg=hello\n"+eraseLine+"reading  20/100  20%  20/s  4s left"; got != want {
		t.Errorf("log line through the terminal:\n got %q\nwant %q", got, want)
	}
	buf.Reset()
	k.Stop()
	if got := buf.String(); got != eraseLine {
		t.Errorf("Stop wrote %q, want the line erased", got)
	}
	buf.Reset()
	term.Writer().Write([]byte("after\n"))
	k.Add(1)
	if got := buf.String(); got != "after\n" {
		t.Errorf("after Stop: %q", got)
	}
	if strings.Contains(buf.String(), "reading") {
		t.Error("a stopped task was drawn")
	}
}

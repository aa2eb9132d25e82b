package sdnotify

import (
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// listen stands in for systemd: a datagram socket that collects what is sent to it.
func listen(t *testing.T, name string) *net.UnixConn {
	t.Helper()
	conn, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

func read(t *testing.T, conn *net.UnixConn) string {
	t.Helper()
	buf := make([]byte, 4096)
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	n, err := conn.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	return string(buf[:n])
}

func TestMessages(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify")
	conn := listen(t, sock)
	n := New(sock)
	if !n.Enabled() {
		t.Fatal("not enabled with a socket")
	}
	if err := n.Ready("serving 3 articles"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, conn); got != "READY=1\nSTATUS=serving 3 articles\n" {
		t.Errorf("Ready sent %q", got)
	}
	n.Reloading()
	if got := read(t, conn); !strings.HasPrefix(got, "RELOADING=1\nMONOTONIC_USEC=") || strings.HasSuffix(got, "=0\n") {
		t.Errorf("Reloading sent %q", got)
	}
	n.Status("two\nlines")
	if got := read(t, conn); got != "STATUS=two lines\n" {
		t.Errorf("Status sent %q", got)
	}
	n.ExtendTimeout(90 * time.Second)
	if got := read(t, conn); got != "EXTEND_TIMEOUT_USEC=90000000\n" {
		t.Errorf("ExtendTimeout sent %q", got)
	}
	n.Stopping()
	if got := read(t, conn); got != "STOPPING=1\n" {
		t.Errorf("Stopping sent %q", got)
	}
}

func TestAbstractSocket(t *testing.T) {
	name := "feedpub-test-" + filepath.Base(t.TempDir())
	conn := listen(t, "\x00"+name)
	if err := New("@" + name).Ready("ok"); err != nil {
		t.Fatal(err)
	}
	if got := read(t, conn); !strings.HasPrefix(got, "READY=1\n") {
		t.Errorf("sent %q", got)
	}
}

func TestDisabled(t *testing.T) {
	var nilN *Notifier
	for _, n := range []*Notifier{nil, New(""), nilN} {
		if n.Enabled() {
			t.Error("enabled without a socket")
		}
		if err := n.Ready("x"); err != nil {
			t.Errorf("Ready without a socket: %v", err)
		}
	}
	if err := New(filepath.Join(t.TempDir(), "absent")).Ready("x"); err == nil {
		t.Error("no error for a socket nobody listens on")
	}
}

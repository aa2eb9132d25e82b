// Package sdnotify tells systemd how the service is doing over the NOTIFY_SOCKET datagram
// protocol (sd_notify(3)): ready after the first render, reloading on SIGHUP, stopping on
// SIGTERM. Outside systemd (no socket named) every call does nothing.
package sdnotify

import (
	"fmt"
	"net"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Notifier sends state changes to one notification socket. The zero value and a nil
// *Notifier send nothing.
type Notifier struct {
	addr string // socket path; a leading '@' names the abstract namespace
}

// New returns a Notifier for socket, the value of $NOTIFY_SOCKET ("" when not under systemd).
func New(socket string) *Notifier { return &Notifier{addr: socket} }

// Enabled reports whether messages are sent anywhere.
func (n *Notifier) Enabled() bool { return n != nil && n.addr != "" }

// Ready says start-up is complete: for feedpub, the first render is being served.
func (n *Notifier) Ready(status string) error {
	return n.Send("READY=1", "STATUS="+status)
}

// Reloading says a reload (SIGHUP) began; Ready must follow when it is done. systemd wants
// the monotonic clock with it, to tell this reload from an earlier one.
func (n *Notifier) Reloading() error {
	return n.Send("RELOADING=1", fmt.Sprintf("MONOTONIC_USEC=%d", monotonicUsec()))
}

// Stopping says shutdown began.
func (n *Notifier) Stopping() error { return n.Send("STOPPING=1") }

// Status sets the one-line status `systemctl status` shows.
func (n *Notifier) Status(s string) error { return n.Send("STATUS=" + s) }

// ExtendTimeout asks for d more before the start (or stop) times out, for a first import
// that takes longer than TimeoutStartSec.
func (n *Notifier) ExtendTimeout(d time.Duration) error {
	return n.Send(fmt.Sprintf("EXTEND_TIMEOUT_USEC=%d", d.Microseconds()))
}

// Send writes the assignments as one datagram. Newlines inside a value would start a new
// assignment, so they are replaced by spaces.
func (n *Notifier) Send(assignments ...string) error {
	if !n.Enabled() {
		return nil
	}
	for i, a := range assignments {
		assignments[i] = strings.ReplaceAll(a, "\n", " ")
	}
	name := n.addr
	if strings.HasPrefix(name, "@") {
		name = "\x00" + name[1:]
	}
	conn, err := net.DialUnix("unixgram", nil, &net.UnixAddr{Name: name, Net: "unixgram"})
	if err != nil {
		return fmt.Errorf("notify socket %s: %w", n.addr, err)
	}
	defer conn.Close()
	conn.SetWriteDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte(strings.Join(assignments, "\n") + "\n")); err != nil {
		return fmt.Errorf("notify socket %s: %w", n.addr, err)
	}
	return nil
}

func monotonicUsec() int64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0
	}
	return ts.Nano() / 1000
}

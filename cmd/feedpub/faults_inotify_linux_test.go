//go:build linux

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// TestFaultInotifyLimit (issue 7, item 5): more folders than inotify watches is not fatal: the
// limit is named and the folders that could not be watched are polled. The limit is lowered in
// a user namespace of the daemon's own, which leaves the machine's limit alone.
func TestFaultInotifyLimit(t *testing.T) {
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("unshare (util-linux) not installed")
	}
	if err := exec.Command("unshare", "--user", "--map-root-user", "true").Run(); err != nil {
		t.Skipf("user namespaces unavailable: %v", err)
	}
	dir := t.TempDir()
	for i := range 40 {
		sub := filepath.Join(dir, fmt.Sprintf("section-%02d", i))
		if err := os.Mkdir(sub, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	drop(t, dir, "section-00/first.txt", []byte("First note\n\nIn the first folder."))
	wrap := []string{"unshare", "--user", "--map-root-user", "sh", "-c",
		`echo 10 > /proc/sys/user/max_inotify_watches && exec "$@"`, "sh"}
	state := filepath.Join(t.TempDir(), "state.db")
	out, started := func() (string, bool) {
		all := append(append([]string{}, wrap[1:]...), binary, "serve", "--dir", dir, "--state", state,
			"--addr", freeAddr(t), "--log-format", "json")
		cmd := exec.Command(wrap[0], all...)
		cmd.Env = append(os.Environ(), "FEEDPUB_CONFIG=")
		cmd.Dir = t.TempDir()
		buf := &lockedBuffer{}
		cmd.Stderr = buf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
			return buf.String(), false
		case <-time.After(3 * time.Second):
			cmd.Process.Kill()
			<-done
			return buf.String(), true
		}
	}()
	if !started {
		t.Logf("40 folders, 10 inotify watches: refused to start: %s", lastLine(out))
		t.Fatal("the daemon refused to start with more folders than inotify watches")
	}
	t.Logf("40 folders, 10 inotify watches: started; polling the folders it could not watch")
	d := startWrapped(t, wrap, dir, state)
	if !d.logHas("fs.inotify.max_user_watches") {
		t.Errorf("the log does not name the limit:\n%s", d.log())
	}
	drop(t, dir, "section-39/late.txt", []byte("Late note\n\nIn a folder that could not be watched."))
	waitFor(t, 10*time.Second, "the article in an unwatched folder", func() bool {
		return hasTitle(d.feed("/atom.xml"), "Late note")
	})
}

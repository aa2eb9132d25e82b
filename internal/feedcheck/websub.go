package feedcheck

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// CheckPubSubHubbub is the subtest of PubSubHubbub.
const CheckPubSubHubbub = "pubsubhubbub"

// EnvNodeModules names the node_modules folder that holds the npm package pubsubhubbub; the
// default is $XDG_CACHE_HOME/feedpub/npm/node_modules, where .ci/run installs it.
const EnvNodeModules = "FEEDPUB_NODE_MODULES"

//go:embed pubsubhubbub.js
var pubsubhubbubScript string

// NodeEvent is one event the third-party subscriber reported.
type NodeEvent struct {
	Event       string `json:"event"`
	Topic       string `json:"topic"`
	Error       string `json:"error"`
	ContentType string `json:"contentType"`
	Body        string `json:"body"`
}

// NodeSubscriber is the npm package pubsubhubbub, run with Node.js, subscribed to a topic.
type NodeSubscriber struct {
	events chan NodeEvent
}

// Next returns the next event of kind (skipping others), or fails t after timeout.
func (s *NodeSubscriber) Next(t *testing.T, kind string, timeout time.Duration) NodeEvent {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case e, ok := <-s.events:
			if !ok {
				t.Fatalf("pubsubhubbub exited while waiting for %q", kind)
			}
			if e.Event == "error" || e.Event == "denied" {
				t.Fatalf("pubsubhubbub: %s %s", e.Event, e.Error)
			}
			if e.Event == kind {
				return e
			}
		case <-deadline:
			t.Fatalf("pubsubhubbub: no %q event within %v", kind, timeout)
		}
	}
}

// PubSubHubbub subscribes the npm package pubsubhubbub, a WebSub subscriber nobody here wrote,
// to topic at hub, in subtest "pubsubhubbub" of t, waits for the hub's verification and hands
// the subscriber to check. Without Node.js or the package the subtest is skipped (or fails
// when FEEDPUB_REQUIRE_TOOLS=1). It reports whether the subtest passed.
func PubSubHubbub(t *testing.T, hub, topic string, check func(t *testing.T, s *NodeSubscriber)) bool {
	t.Helper()
	return run(t, CheckPubSubHubbub, func(t *testing.T) error {
		node, err := exec.LookPath("node")
		if err != nil {
			return missingError("node not installed (apt-get install nodejs)")
		}
		modules := os.Getenv(EnvNodeModules)
		if modules == "" {
			cache, err := os.UserCacheDir()
			if err != nil {
				return missingError("no cache directory for the npm package pubsubhubbub")
			}
			modules = filepath.Join(cache, "feedpub", "npm", "node_modules")
		}
		if _, err := os.Stat(filepath.Join(modules, "pubsubhubbub")); err != nil {
			return missingError(fmt.Sprintf("npm package pubsubhubbub not in %s (npm install --prefix %s pubsubhubbub@1.0.2, or set %s)",
				modules, filepath.Dir(modules), EnvNodeModules))
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		cmd := exec.Command(node, "-e", pubsubhubbubScript, "--", hub, topic, strconv.Itoa(port))
		cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
		cmd.Stderr = os.Stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return err
		}
		if err := cmd.Start(); err != nil {
			return err
		}
		s := &NodeSubscriber{events: make(chan NodeEvent, 16)}
		go func() {
			defer close(s.events)
			sc := bufio.NewScanner(out)
			sc.Buffer(make([]byte, 1<<20), 16<<20)
			for sc.Scan() {
				var e NodeEvent
				if json.Unmarshal(sc.Bytes(), &e) == nil {
					s.events <- e
				}
			}
		}()
		defer func() {
			cmd.Process.Kill()
			cmd.Wait()
		}()
		s.Next(t, "subscribe", 10*time.Second)
		check(t, s)
		return nil
	})
}

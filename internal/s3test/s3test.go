// Package s3test runs a real S3 server for tests: SeaweedFS's `weed mini` on loopback, on free
// ports, with a fresh data directory, and reads objects back through its HTTP endpoint. It is
// test support only; an absent weed binary skips the test unless FEEDPUB_REQUIRE_TOOLS=1.
package s3test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/feedpub/feedpub/internal/feedcheck"
)

// EnvWeed names the weed binary; default CachedWeed(). Without one the tests that need it skip,
// or fail under FEEDPUB_REQUIRE_TOOLS=1 (feedcheck.SkipMissing).
const EnvWeed = "FEEDPUB_WEED"

// Credentials the server is started with; the tests pass them to feedpub as AWS_* variables.
const (
	AccessKey = "feedpubtest"
	SecretKey = "feedpubtestsecret"
)

// CachedWeed is where .ci/run builds the weed binary: $XDG_CACHE_HOME/feedpub/bin/weed
// (~/.cache/feedpub/bin/weed).
func CachedWeed() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "feedpub", "bin", "weed")
}

// Weed returns the weed binary, or skips t (fails it under FEEDPUB_REQUIRE_TOOLS=1) when none
// is found. Call it from the subtest that needs the server, so that only that check skips.
func Weed(t testing.TB) string {
	t.Helper()
	path := os.Getenv(EnvWeed)
	if path == "" {
		path = CachedWeed()
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
		return path
	}
	feedcheck.SkipMissing(t, fmt.Sprintf("SeaweedFS weed binary not found at %q (set %s, or run .ci/run, which builds it)", path, EnvWeed))
	return ""
}

// Server is one weed mini process serving S3 on 127.0.0.1.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	Bucket   string

	t    testing.TB
	bin  string
	dir  string
	args []string
	log  *os.File

	mu  sync.Mutex
	cmd *exec.Cmd
}

// Start runs weed mini with bucket created and waits until S3 answers. The server is stopped
// when the test ends.
func Start(t testing.TB, bucket string) *Server {
	t.Helper()
	bin := Weed(t)
	dir := t.TempDir()
	ports := freePorts(t, 8)
	s := &Server{
		Endpoint: "http://127.0.0.1:" + strconv.Itoa(ports[0]),
		Bucket:   bucket,
		t:        t,
		bin:      bin,
		dir:      dir,
	}
	s.args = []string{"mini", "-dir", filepath.Join(dir, "data"), "-ip", "127.0.0.1", "-ip.bind", "127.0.0.1",
		"-s3.port", strconv.Itoa(ports[0]), "-s3.port.grpc", strconv.Itoa(ports[1]),
		"-master.port", strconv.Itoa(ports[2]), "-master.port.grpc", strconv.Itoa(ports[3]),
		"-filer.port", strconv.Itoa(ports[4]), "-filer.port.grpc", strconv.Itoa(ports[5]),
		"-volume.port", strconv.Itoa(ports[6]), "-volume.port.grpc", strconv.Itoa(ports[7]),
		"-s3.port.iceberg", "0", "-s3.port.lance", "0",
		"-webdav=false", "-admin.ui=false", "-master.telemetry=false",
		"-bucket", bucket,
	}
	if err := os.MkdirAll(filepath.Join(dir, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	var err error
	s.log, err = os.Create(filepath.Join(dir, "weed.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Stop()
		s.log.Close()
	})
	s.Restart()
	return s
}

// freePorts finds n ports free on loopback. Another process could take one before weed binds
// it; weed then fails to start and the test says so.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var lns []net.Listener
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	for _, ln := range lns {
		ln.Close()
	}
	return ports
}

// Env is the environment feedpub needs to reach the server with its default credential chain.
func (s *Server) Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + AccessKey, "AWS_SECRET_ACCESS_KEY=" + SecretKey}
}

// Creds are the server's credentials for an in-process client.
func (s *Server) Creds() *credentials.Credentials {
	return credentials.NewStaticV4(AccessKey, SecretKey, "")
}

// Restart starts the server again (on the same ports and data) after Stop; Start calls it.
func (s *Server) Restart() {
	s.t.Helper()
	s.mu.Lock()
	if s.cmd != nil {
		s.mu.Unlock()
		s.t.Fatal("s3test: Restart of a running server")
	}
	cmd := exec.Command(s.bin, s.args...)
	cmd.Dir = s.dir
	cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID="+AccessKey, "AWS_SECRET_ACCESS_KEY="+SecretKey,
		"S3_BUCKET="+s.Bucket)
	cmd.Stdout, cmd.Stderr = s.log, s.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		s.t.Fatalf("s3test: start weed: %v", err)
	}
	s.cmd = cmd
	s.mu.Unlock()
	if err := s.waitReady(90 * time.Second); err != nil {
		s.t.Fatalf("s3test: weed did not serve S3 at %s: %v\n%s", s.Endpoint, err, s.logTail())
	}
}

// Stop ends the server (SIGTERM to its process group, SIGKILL after 10s); the data stays.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	pgid := s.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	done := make(chan struct{})
	go func() { s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
	s.cmd = nil
}

// waitReady polls until the bucket exists and accepts a write, which needs the master, a
// volume and the filer up, not only the S3 listener.
func (s *Server) waitReady(limit time.Duration) error {
	c := s.Client()
	deadline := time.Now().Add(limit)
	var last error
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := c.PutObject(ctx, s.Bucket, ".s3test-ready", bytes.NewReader([]byte("ok")), 2, minio.PutObjectOptions{})
		if err == nil {
			err = c.RemoveObject(ctx, s.Bucket, ".s3test-ready", minio.RemoveObjectOptions{})
		}
		cancel()
		if err == nil {
			return nil
		}
		last = err
		s.mu.Lock()
		exited := s.cmd != nil && s.cmd.ProcessState != nil
		s.mu.Unlock()
		if exited {
			return fmt.Errorf("weed exited")
		}
		time.Sleep(200 * time.Millisecond)
	}
	return last
}

func (s *Server) logTail() string {
	b, _ := os.ReadFile(s.log.Name())
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Client is an S3 client for the server with few retries, for test assertions.
func (s *Server) Client() *minio.Client {
	u, _ := url.Parse(s.Endpoint)
	c, err := minio.New(u.Host, &minio.Options{Creds: s.Creds(), Region: "us-east-1", MaxRetries: 1})
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// Get fetches key over plain HTTP through a presigned URL, as a CDN's origin fetch would, and
// returns the body and the response header.
func (s *Server) Get(t testing.TB, key string) ([]byte, http.Header, int) {
	t.Helper()
	u, err := s.Client().PresignedGetObject(context.Background(), s.Bucket, key, time.Minute, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body, resp.Header, resp.StatusCode
}

// Keys lists every object under prefix.
func (s *Server) Keys(t testing.TB, prefix string) []string {
	t.Helper()
	var keys []string
	for o := range s.Client().ListObjects(context.Background(), s.Bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys
}

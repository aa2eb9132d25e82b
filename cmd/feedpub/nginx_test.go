package main

import (
	"github.com/feedpub/feedpub/internal/testfix"

	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lookTool finds an outside program; missing, it skips the test (or fails it when
// FEEDPUB_REQUIRE_TOOLS=1, as in CI).
func lookTool(t *testing.T, name, pkg string, extra ...string) string {
	t.Helper()
	for _, p := range append([]string{name}, extra...) {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	msg := fmt.Sprintf("%s not installed (apt-get install %s)", name, pkg)
	if os.Getenv("FEEDPUB_REQUIRE_TOOLS") == "1" {
		t.Fatal(msg)
	}
	t.Skip(msg + "; FEEDPUB_REQUIRE_TOOLS=1 makes this a failure")
	return ""
}

// nginxSite is a server block from contrib/nginx, with only its listen address, and the
// root or upstream given, replaced so it runs on this machine: the rest is exactly what the
// README tells people to install.
func nginxSite(t *testing.T, name string, replace ...string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "contrib", "nginx", name))
	if err != nil {
		t.Fatal(err)
	}
	conf := string(data)
	for i := 0; i < len(replace); i += 2 {
		if !strings.Contains(conf, replace[i]) {
			t.Fatalf("contrib/nginx/%s has no %q to replace", name, replace[i])
		}
		conf = strings.ReplaceAll(conf, replace[i], replace[i+1])
	}
	return conf
}

// runNginx starts nginx in the foreground with site as its only server and returns its base URL.
func runNginx(t *testing.T, nginx, site, addr string) string {
	t.Helper()
	w := t.TempDir()
	if err := os.WriteFile(filepath.Join(w, "site.conf"), []byte(site), 0o644); err != nil {
		t.Fatal(err)
	}
	// master_process off: one process, so no worker needs to read the test's private temp dirs
	// as another user.
	main := fmt.Sprintf(`daemon off; master_process off; worker_processes 1; pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path %[1]s/body; proxy_temp_path %[1]s/proxy; fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi; scgi_temp_path %[1]s/scgi;
  include %[1]s/site.conf;
}
`, w)
	if err := os.WriteFile(filepath.Join(w, "nginx.conf"), []byte(main), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"-c", filepath.Join(w, "nginx.conf"), "-p", w, "-e", filepath.Join(w, "error.log")}
	if out, err := exec.Command(nginx, append([]string{"-t"}, args...)...).CombinedOutput(); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
	cmd := exec.Command(nginx, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			log, _ := os.ReadFile(filepath.Join(w, "error.log"))
			t.Logf("nginx stderr:\n%s\nerror.log:\n%s", stderr.String(), log)
		}
	})
	base := "http://" + addr
	waitFor(t, 10*time.Second, "nginx listening", func() bool {
		resp, err := http.Get(base + "/")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return base
}

// fetch sends a GET with the given headers and returns the response with its body read (not
// decompressed: the transport's own gzip handling is off when Accept-Encoding is set).
func fetch(t *testing.T, url string, hdr ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

var wantTypes = map[string]string{
	"/":          "text/html; charset=utf-8",
	"/rss.xml":   "application/rss+xml; charset=utf-8",
	"/atom.xml":  "application/atom+xml; charset=utf-8",
	"/feed.json": "application/feed+json; charset=utf-8",
}

// checkServed asserts what a reader behind nginx gets for path: the type with its charset,
// gzip that decompresses to the plain body, and 304 for both validators.
func checkServed(t *testing.T, base, path, ctype string, want []byte) {
	t.Helper()
	resp, body := fetch(t, base+path)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %s", path, resp.Status)
	}
	if got := resp.Header.Get("Content-Type"); got != ctype {
		t.Errorf("%s: Content-Type %q, want %q", path, got, ctype)
	}
	if want != nil && !bytes.Equal(body, want) {
		t.Errorf("%s: body differs from the file feedpub wrote", path)
	}
	gz, gzBody := fetch(t, base+path, "Accept-Encoding", "gzip")
	if gz.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("%s: not gzipped for Accept-Encoding: gzip (%v)", path, gz.Header)
	} else if !bytes.Equal(gunzip(t, gzBody), body) {
		t.Errorf("%s: gzip body does not decompress to the plain body", path)
	}
	if !strings.Contains(gz.Header.Get("Vary"), "Accept-Encoding") {
		t.Errorf("%s: no Vary: Accept-Encoding", path)
	}
	for _, v := range []struct{ hdr, resp string }{
		{"If-None-Match", resp.Header.Get("Etag")},
		{"If-None-Match", gz.Header.Get("Etag")},
		{"If-Modified-Since", resp.Header.Get("Last-Modified")},
	} {
		if v.resp == "" {
			t.Errorf("%s: no validator for %s", path, v.hdr)
			continue
		}
		r, _ := fetch(t, base+path, v.hdr, v.resp, "Accept-Encoding", "gzip")
		if r.StatusCode != http.StatusNotModified {
			t.Errorf("%s with %s: %s, want 304", path, v.hdr, r.Status)
		}
	}
}

// TestNginxStatic serves `feedpub build --out` with contrib/nginx/feedpub-static.conf.
func TestNginxStatic(t *testing.T) {
	nginx := lookTool(t, "nginx", "nginx", "/usr/sbin/nginx")
	dir, out := t.TempDir(), t.TempDir()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	cmd := exec.Command(binary, "build", "--dir", dir, "--out", out, "--state", filepath.Join(t.TempDir(), "s.db"),
		"--base-url", "https://news.example.org/", "--timezone", "Asia/Seoul")
	cmd.Dir = t.TempDir()
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	if err := os.WriteFile(filepath.Join(out, ".feedpub-hidden.tmp"), []byte("temp"), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	base := runNginx(t, nginx, nginxSite(t, "feedpub-static.conf",
		"listen 80;", "listen "+addr+";", "root /srv/feedpub/www;", "root "+out+";"), addr)
	for path, ctype := range wantTypes {
		file := strings.TrimPrefix(path, "/")
		if file == "" {
			file = "index.html"
		}
		want, err := os.ReadFile(filepath.Join(out, file))
		if err != nil {
			t.Fatal(err)
		}
		checkServed(t, base, path, ctype, want)
	}
	pages, _ := filepath.Glob(filepath.Join(out, "articles", "*.html"))
	if len(pages) != 1 {
		t.Fatalf("%d pages, want 1", len(pages))
	}
	want, _ := os.ReadFile(pages[0])
	checkServed(t, base, "/articles/"+filepath.Base(pages[0]), "text/html; charset=utf-8", want)
	for _, hidden := range []string{"/.feedpub-hidden.tmp", "/.feedpub-manifest"} {
		if r, _ := fetch(t, base+hidden); r.StatusCode != 404 {
			t.Errorf("%s: %s, want 404 (dotfiles are feedpub's own)", hidden, r.Status)
		}
	}
}

// TestNginxProxy puts contrib/nginx/feedpub-proxy.conf in front of the daemon.
func TestNginxProxy(t *testing.T) {
	nginx := lookTool(t, "nginx", "nginx", "/usr/sbin/nginx")
	dir := t.TempDir()
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "s.db"))
	waitFor(t, 5*time.Second, "the seed in the feed", func() bool { return len(d.feed("/atom.xml").Items) == 1 })
	addr := freeAddr(t)
	base := runNginx(t, nginx, nginxSite(t, "feedpub-proxy.conf",
		"listen 80;", "listen "+addr+";", "http://127.0.0.1:8080", d.base), addr)
	for path, ctype := range wantTypes {
		_, want := d.get(path)
		checkServed(t, base, path, ctype, want)
	}
	if r, body := fetch(t, base+"/healthz"); r.StatusCode != 200 || !bytes.Contains(body, []byte(`"articles":1`)) {
		t.Errorf("/healthz through nginx from 127.0.0.1: %s %s", r.Status, body)
	}
}

// TestREADMEShowsNginxConfigs: the README's nginx blocks are the tested files, byte for byte.
func TestREADMEShowsNginxConfigs(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"feedpub-static.conf", "feedpub-proxy.conf"} {
		conf, err := os.ReadFile(filepath.Join("..", "..", "contrib", "nginx", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(readme, append([]byte("```nginx\n"), append(conf, []byte("```\n")...)...)) {
			t.Errorf("README.md does not show contrib/nginx/%s verbatim in an ```nginx block; copy it in again", name)
		}
	}
}

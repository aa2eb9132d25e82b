package feedcheck

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"
)

// ChromiumPath is Debian's chromium.
const ChromiumPath = "/usr/bin/chromium"

// CheckChromium is the name of the Chromium check and its subtest.
const CheckChromium = "chromium"

// EnvScreenshots names a folder where Chromium's screenshots are kept for a person to look at;
// without it they go to the test's temporary folder.
const EnvScreenshots = "FEEDPUB_SCREENSHOTS"

//go:embed linebreaks.js
var lineBreaksScript string

// Layout is how Chromium laid out a page's headings and paragraphs.
type Layout struct {
	Lines   int        `json:"lines"`   // line breaks inside headings and paragraphs
	MidWord []MidBreak `json:"midword"` // those between two characters neither of which is a space
	// Screenshot is the PNG Chromium took of the page.
	Screenshot string `json:"-"`
}

// MidBreak is a line broken between two non-space characters.
type MidBreak struct {
	Element string `json:"element"`
	Before  string `json:"before"`
	After   string `json:"after"`
	Context string `json:"context"` // a few characters either side, "/" where the line broke
}

// Chromium lays page out in headless Chromium at the given viewport width (CSS pixels) in
// subtest "chromium" of t, takes a screenshot, and hands the layout to check. The page is
// loaded from a file with a script added that measures where lines broke; it is otherwise
// exactly the bytes given, styles included. It reports whether the subtest passed.
func Chromium(t *testing.T, name string, page []byte, width int, check func(t *testing.T, l Layout)) bool {
	t.Helper()
	return run(t, CheckChromium, func(t *testing.T) error {
		l, err := RunChromium(t.TempDir(), name, page, width)
		if err != nil {
			return err
		}
		t.Logf("%s: %d line breaks, %d inside words; screenshot %s", name, l.Lines, len(l.MidWord), l.Screenshot)
		check(t, l)
		return nil
	})
}

var layoutAttr = regexp.MustCompile(`data-linebreaks="([^"]*)"`)

// RunChromium is Chromium without a testing.T; tmp is a folder for the page, the browser's
// profile and (unless EnvScreenshots names another) the screenshot.
func RunChromium(tmp, name string, page []byte, width int) (Layout, error) {
	if _, err := os.Stat(ChromiumPath); err != nil {
		return Layout{}, missingError(fmt.Sprintf("chromium not installed (%s absent; apt-get install chromium fonts-noto-cjk)", ChromiumPath))
	}
	i := bytes.LastIndex(page, []byte("</body>"))
	if i < 0 {
		return Layout{}, fmt.Errorf("%s has no </body>", name)
	}
	withScript := append(append(append([]byte{}, page[:i]...), "<script>"+lineBreaksScript+"</script>"...), page[i:]...)
	file := filepath.Join(tmp, name)
	if err := os.WriteFile(file, withScript, 0o644); err != nil {
		return Layout{}, err
	}
	shots := os.Getenv(EnvScreenshots)
	if shots == "" {
		shots = tmp
	}
	var l Layout
	l.Screenshot = filepath.Join(shots, name+".png")
	size := "--window-size=" + strconv.Itoa(width) + ",900"
	dom, err := chromium(tmp, "dom", size, "--dump-dom", "file://"+file)
	if err != nil {
		return Layout{}, err
	}
	m := layoutAttr.FindSubmatch(dom)
	if m == nil {
		return Layout{}, fmt.Errorf("chromium ran no script on %s:\n%.2000s", name, dom)
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &l); err != nil {
		return Layout{}, fmt.Errorf("layout of %s: %v", name, err)
	}
	if _, err := chromium(tmp, "shot", size, "--screenshot="+l.Screenshot, "--hide-scrollbars", "file://"+file); err != nil {
		return Layout{}, err
	}
	if fi, err := os.Stat(l.Screenshot); err != nil || fi.Size() < 1000 {
		return Layout{}, fmt.Errorf("no screenshot of %s: %v", name, err)
	}
	return l, nil
}

// chromium runs headless Chromium once with a fresh profile, isolated from the network and from
// every background service it would otherwise start, and returns its standard output.
func chromium(tmp, profile string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	all := append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(tmp, "profile-"+profile)}, args...)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, ChromiumPath, all...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("chromium %v: %v\n%.2000s", args, err, stderr.String())
	}
	return stdout.Bytes(), nil
}

package publish

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/feedpub/feedpub/internal/server"
	"github.com/feedpub/feedpub/internal/testfix"
)

// The daemon renders other feeds on demand, the same bytes build writes, and keeps their
// validators until the feed changes.
func TestFileOnDemand(t *testing.T) {
	e := newEnv(t)
	e.std()
	for _, name := range []string{"sections/news/atom.xml", "sections/news/", "authors/na-ri-shin/feed.json",
		"archive/0.rss", "sections/news/archive/0.html", "sitemap.xml", "robots.txt", "feeds.opml"} {
		res, err := e.pub.File(e.ctx, name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		disk := name
		if disk[len(disk)-1] == '/' {
			disk += "index.html"
		}
		if !bytes.Equal(res.Body(), e.read(disk)) {
			t.Errorf("%s: served bytes differ from the written file", name)
		}
		if stub := e.pub.Stub(e.ctx, name); stub == nil || stub.ETag() != res.ETag() || stub.Body() != nil {
			t.Errorf("%s: stub %v", name, stub)
		}
	}
	for _, name := range []string{"sections/nope/atom.xml", "archive/1.xml", "sections/news/index.html", "tags/x/rss.xml", "authors/"} {
		if _, err := e.pub.File(e.ctx, name); !errors.Is(err, server.ErrNotFound) {
			t.Errorf("%s: %v, want not found", name, err)
		}
		if e.pub.Stub(e.ctx, name) != nil {
			t.Errorf("%s: a stub for nothing", name)
		}
	}
	// The section changes: its old validators are no longer offered, and the file is new.
	old, _ := e.pub.File(e.ctx, "sections/news/atom.xml")
	e.write("news/extra.txt", "Extra\n\nA second news article.")
	e.sync()
	e.render()
	if e.pub.Stub(e.ctx, "sections/news/atom.xml") != nil {
		t.Error("stale validators offered after a change")
	}
	res, err := e.pub.File(e.ctx, "sections/news/atom.xml")
	if err != nil || res.ETag() == old.ETag() || !bytes.Contains(res.Body(), []byte("Extra")) {
		t.Errorf("after a change: %v, same etag %v", err, res.ETag() == old.ETag())
	}
	// A feed the change did not touch keeps its validators.
	if e.pub.Stub(e.ctx, "authors/na-ri-shin/feed.json") == nil {
		t.Error("an untouched feed lost its validators")
	}
}

func TestFileCacheBounded(t *testing.T) {
	c := newFileCache()
	res := server.NewResource("text/plain", bytes.Repeat([]byte("x"), 64<<10), day0)
	n := maxHotBytes / resSize(res)
	for i := range 3 * n {
		name := string(rune('a'+i%26)) + string(rune(i))
		c.put(name, fileVersion{seq: 1}, res)
		if i == 0 {
			for range 10 {
				c.get(name, fileVersion{seq: 1}) // the polled file survives evictions
			}
		}
	}
	if c.bytes > maxHotBytes || len(c.hot) > n {
		t.Errorf("%d hot files of %d bytes, want at most %d bytes", len(c.hot), c.bytes, maxHotBytes)
	}
	total := 0
	for _, h := range c.hot {
		total += resSize(h.res)
	}
	if total != c.bytes {
		t.Errorf("counted %d bytes, hold %d", c.bytes, total)
	}
	first := "a" + string(rune(0))
	if c.get(first, fileVersion{seq: 1}) == nil {
		t.Error("the most polled file was evicted")
	}
	if c.stub(first, fileVersion{seq: 2}) != nil || c.stub(first, fileVersion{seq: 1}) == nil {
		t.Error("stubs do not follow the version")
	}
}

// A change re-renders only the feeds the article is in: an edit of the news seed touches its
// page, the root's files, its section's and its author's, and no other feed's.
func TestChangeTouchesItsFeeds(t *testing.T) {
	e := newEnv(t)
	e.std()
	e.write("other/gamma.txt", "Gamma\n\nAn article in another section.")
	e.sync()
	e.render()
	before := e.outFiles()
	mtimeTick()
	e.files.Write("news/yoon.txt", strings.Replace(string(testfix.Seed(t)), "Additionally,", "In addition,", 1))
	if rep := e.sync(); len(rep.Updated) != 1 {
		t.Fatalf("edit: %+v", rep)
	}
	e.render()
	var changed []string
	for _, name := range changedFiles(before, e.outFiles()) {
		changed = append(changed, name)
		ok := name == e.page("news/yoon.txt") || slices.Contains(rootFiles, name) ||
			strings.HasPrefix(name, "sections/news/") || strings.HasPrefix(name, "authors/na-ri-shin/")
		if !ok {
			t.Errorf("the edit touched %s", name)
		}
	}
	for _, want := range []string{"sections/news/atom.xml", "sections/news/archive/0.xml", "authors/na-ri-shin/rss.xml"} {
		if !slices.Contains(changed, want) {
			t.Errorf("the edit did not rewrite %s; changed %q", want, changed)
		}
	}
}

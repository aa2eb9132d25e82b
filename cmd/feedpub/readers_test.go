package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/feedcheck"
	"github.com/feedpub/feedpub/internal/testfix"

	_ "modernc.org/sqlite"
)

// koreanNews is a news-text article by two reporters, posted before 09:00 KST (still the
// previous day in UTC), in Korean only.
const koreanNews = `서울시, 지하철 요금 150원 인상

Posted July. 09, 2024 07:56

서울시가 다음 달부터 지하철 기본요금을 150원 올린다. 첫차부터 새 요금이 적용되며, 시는 누적된 적자 때문에 인상이 불가피하다고 밝혔다.

시 관계자는 "시간대별 할인 제도는 그대로 유지된다"고 설명했다.

신나리 기자 journari@donga.com · 김민지 기자 minji@donga.com
`

// noByline is a plain-text note: no author of its own.
const noByline = "A note without a byline\n\nNobody signed this.\n"

// TestDaemonReaders publishes an English article, a Korean one by two reporters and one without a
// byline, and reads them back as the readers do.
func TestDaemonReaders(t *testing.T) {
	dir := t.TempDir()
	icon := filepath.Join(t.TempDir(), "icon.png")
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89")
	if err := os.WriteFile(icon, png, 0o644); err != nil {
		t.Fatal(err)
	}
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	drop(t, dir, "ko.txt", []byte(koreanNews))
	drop(t, dir, "note.txt", []byte(noByline))
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"), "--title", "Seoul Daily", "--icon", icon)

	_, rss := d.get("/rss.xml")
	_, atom := d.get("/atom.xml")
	_, jf := d.get("/feed.json")
	feedcheck.RSSSemantics(t, rss)
	feedcheck.Jing(t, atom)
	feedcheck.JSONSchema(t, jf)

	t.Run("every reporter", func(t *testing.T) {
		both := func(s string) bool { return strings.Contains(s, "신나리") && strings.Contains(s, "김민지") }
		for name, body := range map[string][]byte{"rss": rss, "atom": atom} {
			feedcheck.Feedparser(t, body, func(t *testing.T, p feedcheck.Parsed) {
				for _, e := range p.Entries {
					if !strings.HasPrefix(e.Title, "서울시") {
						continue
					}
					var names []string
					for _, a := range e.Authors {
						names = append(names, a.Name)
					}
					if !both(strings.Join(names, " ")) {
						t.Errorf("feedparser %s: authors %v, want both reporters", name, e.Authors)
					}
				}
			})
		}
		for _, path := range []string{"/rss.xml", "/atom.xml", "/feed.json"} {
			for _, it := range d.feed(path).Items {
				if !strings.HasPrefix(it.Title, "서울시") {
					continue
				}
				var names []string
				for _, a := range it.Authors {
					names = append(names, a.Name)
				}
				if it.Author != nil {
					names = append(names, it.Author.Name)
				}
				if !both(strings.Join(names, " ")) {
					t.Errorf("gofeed %s: author %+v authors %v, want both reporters", path, it.Author, names)
				}
			}
		}
	})

	t.Run("no invented authors", func(t *testing.T) {
		var doc struct {
			Channel struct {
				Items []struct {
					Title   string   `xml:"title"`
					Author  string   `xml:"author"`
					Creator []string `xml:"http://purl.org/dc/elements/1.1/ creator"`
				} `xml:"item"`
			} `xml:"channel"`
		}
		if err := xml.Unmarshal(rss, &doc); err != nil {
			t.Fatal(err)
		}
		for _, it := range doc.Channel.Items {
			if strings.HasPrefix(it.Title, "A note") && (it.Author != "" || len(it.Creator) > 0) {
				t.Errorf("RSS: the unsigned note has author %q creators %q", it.Author, it.Creator)
			}
		}
		var j struct {
			Authors []any `json:"authors"`
			Items   []struct {
				Title   string `json:"title"`
				Authors []any  `json:"authors"`
			} `json:"items"`
		}
		if err := json.Unmarshal(jf, &j); err != nil {
			t.Fatal(err)
		}
		if j.Authors != nil {
			t.Errorf("JSON Feed has feed-level authors %v though none is configured", j.Authors)
		}
		for _, it := range j.Items {
			if strings.HasPrefix(it.Title, "A note") && it.Authors != nil {
				t.Errorf("JSON Feed: the unsigned note has authors %v", it.Authors)
			}
		}
		// Atom requires an author for every entry: the feed-level one (the site title) stands in.
		if !bytes.Contains(atom, []byte("<author>\n    <name>Seoul Daily</name>")) {
			t.Errorf("Atom has no feed-level author:\n%s", atom)
		}
	})

	var koLink string
	for _, it := range d.feed("/feed.json").Items {
		if strings.HasPrefix(it.Title, "서울시") {
			koLink = it.Link
		}
	}
	t.Run("korean slug and page", func(t *testing.T) {
		want := d.base + "/articles/" + url.PathEscape("서울시-지하철-요금-150원-인상") + ".html"
		if koLink != want {
			t.Fatalf("Korean article link %q, want %q", koLink, want)
		}
		resp, page := d.get(strings.TrimPrefix(koLink, d.base))
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %s", koLink, resp.Status)
		}
		s := string(page)
		for _, want := range []string{
			`<html lang="ko">`, "word-break: keep-all", "Noto Sans CJK KR",
			`<time datetime="2024-07-09T07:56:00+09:00">2024년 7월 9일 07:56</time>`, "입력", "전체 기사", "구독",
			"신나리 기자, 김민지 기자",
		} {
			if !strings.Contains(s, want) {
				t.Errorf("Korean page lacks %q:\n%s", want, s)
			}
		}
		// Lower-case percent-encoding is the same URL (RFC 3986 section 6.2.2.1).
		if r, _ := d.get(strings.ToLower(strings.TrimPrefix(koLink, d.base))); r.StatusCode != 200 {
			t.Errorf("lower-case escapes: %s", r.Status)
		}
		if !bytes.Contains(atom, []byte(`<entry xml:lang="ko">`)) {
			t.Errorf("Atom entry of the Korean article has no xml:lang")
		}
		if !bytes.Contains(jf, []byte(`"language": "ko"`)) {
			t.Errorf("JSON Feed item of the Korean article has no language")
		}
	})

	t.Run("english page dates in KST", func(t *testing.T) {
		for _, it := range d.feed("/feed.json").Items {
			if !strings.HasPrefix(it.Title, "Yoon") {
				continue
			}
			_, page := d.get(strings.TrimPrefix(it.Link, d.base))
			if !bytes.Contains(page, []byte(`<time datetime="2024-07-09T07:56:00+09:00">9 July 2024, 07:56</time>`)) {
				t.Errorf("English page date:\n%s", page)
			}
		}
	})

	t.Run("icon", func(t *testing.T) {
		resp, body := d.get("/favicon.ico")
		if resp.StatusCode != 200 || !bytes.Equal(body, png) || resp.Header.Get("Content-Type") != "image/png" {
			t.Errorf("/favicon.ico: %s %q, %d bytes", resp.Status, resp.Header.Get("Content-Type"), len(body))
		}
		iconURL := d.base + "/favicon.ico"
		if !bytes.Contains(atom, []byte("<icon>"+iconURL+"</icon>")) {
			t.Errorf("Atom has no <icon>")
		}
		if !bytes.Contains(rss, []byte("<url>"+iconURL+"</url>")) {
			t.Errorf("RSS has no <image>")
		}
		if !bytes.Contains(jf, []byte(`"icon": "`+iconURL+`"`)) || !bytes.Contains(jf, []byte(`"favicon": "`+iconURL+`"`)) {
			t.Errorf("JSON Feed has no icon and favicon")
		}
	})

	t.Run("gone", func(t *testing.T) {
		if err := os.Remove(filepath.Join(dir, "ko.txt")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 2*time.Second, "Korean article removed", func() bool { return len(d.feed("/atom.xml").Items) == 2 })
		resp, _ := d.get(strings.TrimPrefix(koLink, d.base))
		if resp.StatusCode != http.StatusGone {
			t.Errorf("removed article's page: %s, want 410 Gone", resp.Status)
		}
		if r, _ := d.get("/articles/never-was.html"); r.StatusCode != 404 {
			t.Errorf("unknown article: %s, want 404", r.Status)
		}
	})
}

// TestNewsboatReporters reads the RSS and Atom feeds with newsboat and looks in its cache for
// what it shows as the Korean article's author: both reporters.
func TestNewsboatReporters(t *testing.T) {
	feedcheck.Newsboat(t, newsboatReporters)
}

func newsboatReporters(t *testing.T, nb string) {
	dir := t.TempDir()
	drop(t, dir, "ko.txt", []byte(koreanNews))
	drop(t, dir, "note.txt", []byte(noByline))
	d := startDaemon(t, dir, filepath.Join(t.TempDir(), "state.db"))
	for _, path := range []string{"/rss.xml", "/atom.xml"} {
		home := t.TempDir()
		urls, conf, cache := filepath.Join(home, "urls"), filepath.Join(home, "config"), filepath.Join(home, "cache.db")
		os.WriteFile(urls, []byte(d.base+path+"\n"), 0o644)
		os.WriteFile(conf, []byte("reload-threads 1\n"), 0o644)
		cmd := exec.Command(nb, "-x", "reload", "-u", urls, "-c", cache, "-C", conf)
		cmd.Env = append(os.Environ(), "HOME="+home)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("newsboat %s: %v\n%s", path, err, out)
		}
		db, err := sql.Open("sqlite", cache+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.Query(`SELECT title, author FROM rss_item`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var title, author string
			if err := rows.Scan(&title, &author); err != nil {
				t.Fatal(err)
			}
			switch {
			case strings.HasPrefix(title, "서울시") && !(strings.Contains(author, "신나리") && strings.Contains(author, "김민지")):
				t.Errorf("newsboat %s shows the Korean article's author as %q, want both reporters", path, author)
			case strings.HasPrefix(title, "A note") && path == "/rss.xml" && author != "":
				t.Errorf("newsboat %s shows the unsigned note's author as %q, want none", path, author)
			}
		}
		rows.Close()
		db.Close()
	}
}

// validators are what a reader keeps to ask "has it changed?".
type validators struct {
	body               []byte
	etag, lastModified string
}

func (d *daemon) validators(t *testing.T) map[string]validators {
	t.Helper()
	out := map[string]validators{}
	for _, path := range []string{"/rss.xml", "/atom.xml", "/feed.json", "/"} {
		resp, body := d.get(path)
		out[path] = validators{body, resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")}
	}
	return out
}

func sameValidators(t *testing.T, when string, before, after map[string]validators) {
	t.Helper()
	for path, b := range before {
		a := after[path]
		if !bytes.Equal(a.body, b.body) {
			t.Errorf("%s: %s bytes changed:\n--- before\n%s\n--- after\n%s", when, path, b.body, a.body)
		}
		if a.etag != b.etag || a.lastModified != b.lastModified {
			t.Errorf("%s: %s ETag %s -> %s, Last-Modified %s -> %s", when, path, b.etag, a.etag, b.lastModified, a.lastModified)
		}
	}
}

// TestDaemonNothingChanges renames, moves and touches articles, reconciles with nothing changed
// and restarts: no feed's bytes, ETag or Last-Modified may move, since readers would download
// the whole feed again for nothing.
func TestDaemonNothingChanges(t *testing.T) {
	dir, state := t.TempDir(), filepath.Join(t.TempDir(), "state.db")
	drop(t, dir, testfix.SeedName, testfix.Seed(t))
	drop(t, dir, "seoul/ko.txt", []byte(koreanNews))
	drop(t, dir, "note.txt", []byte(noByline))
	// A fixed base URL: by default it follows the listen address, which differs per start.
	base := []string{"--base-url", "https://news.example.org/"}
	d := startDaemon(t, dir, state, base...)
	before := d.validators(t)
	// Last-Modified has whole seconds: wait so that a new one would show.
	time.Sleep(1100 * time.Millisecond)

	mv := func(from, to string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(filepath.Join(dir, to)), 0o755)
		if err := os.Rename(filepath.Join(dir, from), filepath.Join(dir, to)); err != nil {
			t.Fatal(err)
		}
	}
	mv("note.txt", "renamed.txt")
	waitFor(t, 3*time.Second, "rename", func() bool { return d.count("catalog moved", "renamed.txt") == 1 })
	// Within its top-level section, which the index lists: a new section would be news.
	mv("seoul/ko.txt", "seoul/2024/ko.txt")
	waitFor(t, 3*time.Second, "move", func() bool { return d.count("catalog moved", "seoul/2024/ko.txt") == 1 })
	syncs := d.count("catalog reconciled", "")
	now := time.Now()
	if err := os.Chtimes(filepath.Join(dir, testfix.SeedName), now, now); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Second, "touch", func() bool { return d.count("catalog reconciled", "") > syncs })
	syncs = d.count("catalog reconciled", "")
	d.cmd.Process.Signal(syscall.SIGHUP) // a full reconcile that finds nothing
	waitFor(t, 3*time.Second, "reconcile", func() bool { return d.count("catalog reconciled", "") > syncs })
	time.Sleep(200 * time.Millisecond) // let a render that should not happen happen
	sameValidators(t, "after a rename, a move, a touch and a reconcile", before, d.validators(t))

	if code := d.stop(syscall.SIGTERM); code != 0 {
		t.Fatalf("stop: exit %d", code)
	}
	d2 := startDaemon(t, dir, state, base...)
	sameValidators(t, "after a restart", before, d2.validators(t))

	// An edit does change them, and a restart keeps the new ones.
	drop(t, dir, "renamed.txt", []byte("A note without a byline\n\nSomebody edited this.\n"))
	waitFor(t, 3*time.Second, "edit", func() bool { return d2.count("catalog updated", "renamed.txt") == 1 })
	waitFor(t, 3*time.Second, "edit in the feed", func() bool {
		_, b := d2.get("/atom.xml")
		return bytes.Contains(b, []byte("Somebody edited"))
	})
	edited := d2.validators(t)
	if edited["/atom.xml"].etag == before["/atom.xml"].etag || edited["/atom.xml"].lastModified == before["/atom.xml"].lastModified {
		t.Errorf("an edit left the Atom validators as they were")
	}
	d2.stop(syscall.SIGTERM)
	d3 := startDaemon(t, dir, state, base...)
	sameValidators(t, "after an edit and a restart", edited, d3.validators(t))
}

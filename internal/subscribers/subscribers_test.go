package subscribers

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func TestParse(t *testing.T) {
	cases := []struct {
		ua     string
		reader string
		count  int
		ok     bool
	}{
		{"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 265 subscribers; like FeedFetcher-Google)", "Feedly", 265, true},
		{"Feedly/1.0 (+https://feedly.com/fetcher.html; 1 subscriber)", "Feedly", 1, true},
		{"Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 3 subscribers; )", "Inoreader", 3, true},
		{"NewsBlur Feed Fetcher - 1 subscriber - http://www.newsblur.com/site/0000000/webpage (Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15)", "NewsBlur", 1, true},
		{"Feedbin feed-id:1344882 - 122 subscribers", "Feedbin", 122, true},
		{"Mozilla/5.0 (compatible; theoldreader.com; 2 subscribers; feed-id=abc9)", "The Old Reader", 2, true},
		{"g2reader-bot/1.0 (+http://www.g2reader.com; 1,204 subscribers)", "g2reader-bot", 1204, true},
		{"Mozilla/5.0 (compatible; SomeReader/3.1; 17 Subscribers)", "SomeReader", 17, true},
		{"Mozilla/5.0 (compatible; <script>alert(1)</script>/1.0; 5 subscribers)", "scriptalert", 5, true},
		// Not counts.
		{"Feedly/1.0 (+http://www.feedly.com/fetcher.html; like FeedFetcher-Google)", "", 0, false},
		{"Miniflux/2.1.0 (+https://miniflux.app)", "", 0, false},
		{"SomeBot/1.0 (subscribers welcome)", "", 0, false},
		{"SomeBot/1.0 (5subscribers)", "", 0, false},
		{"SomeBot/1.0 (id42 subscribers)", "", 0, false},
		{"SomeBot/1.0 (5 subscriberless)", "", 0, false},
		{"SomeBot/1.0 (-5 subscribers)", "SomeBot", 5, true}, // the sign is not part of the number
		{"SomeBot/1.0 (99999999999999999999 subscribers)", "", 0, false},
		{"SomeBot/1.0 (1000000000 subscribers)", "", 0, false}, // past belief
		{"", "", 0, false},
		{"subscribers", "", 0, false},
		{" 3 subscribers", "unknown", 3, true},
	}
	for _, c := range cases {
		r, n, ok := Parse(c.ua)
		if r != c.reader || n != c.count || ok != c.ok {
			t.Errorf("Parse(%q) = %q, %d, %v; want %q, %d, %v", c.ua, r, n, ok, c.reader, c.count, c.ok)
		}
	}
}

// TestParseGolden runs Parse over the real User-Agents in testdata.
func TestParseGolden(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "user-agents.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out strings.Builder
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		r, n, ok := Parse(line)
		if ok {
			fmt.Fprintf(&out, "%s\t%d\n", r, n)
		} else {
			out.WriteString("-\n")
		}
	}
	golden := filepath.Join("testdata", "user-agents.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if out.String() != string(want) {
		t.Errorf("Parse over testdata/user-agents.txt:\n%s\nwant (%s):\n%s", out.String(), golden, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"Feedly/1.0 (+http://www.feedly.com/fetcher.html; 265 subscribers; like FeedFetcher-Google)",
		"NewsBlur Feed Fetcher - 1 subscriber - http://www.newsblur.com/site/0/x (Mozilla/5.0)",
		"Feedbin feed-id:1 - 1,000 subscribers", "5 subscribers", "ubscriber", "sSubscribers",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, ua string) {
		r, n, ok := Parse(ua)
		if !ok {
			if r != "" || n != 0 {
				t.Fatalf("not ok but %q, %d", r, n)
			}
			return
		}
		if n < 0 || n > maxCount {
			t.Fatalf("count %d", n)
		}
		if r == "" || len(r) > 40 || clean(r) != r {
			t.Fatalf("reader name %q is not clean", r)
		}
		if !strings.Contains(strings.ToLower(ua), "subscriber") {
			t.Fatalf("a count from %q, which names no subscribers", ua)
		}
	})
}

func TestTracker(t *testing.T) {
	now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	tr := &Tracker{Now: func() time.Time { return now }, MaxReaders: 3, MaxAge: time.Hour}
	tr.Seen("/atom.xml", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 10 subscribers; like FeedFetcher-Google)")
	tr.Seen("/atom.xml", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 12 subscribers; like FeedFetcher-Google)")
	tr.Seen("/atom.xml", "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 3 subscribers; )")
	tr.Seen("/rss.xml", "Feedbin feed-id:1344882 - 5 subscribers")
	tr.Seen("/rss.xml", "Miniflux/2.1.0 (+https://miniflux.app)")
	got := tr.Snapshot()
	if len(got) != 2 || got[0].Feed != "/atom.xml" || got[0].Subscribers != 15 || got[1].Subscribers != 5 {
		t.Fatalf("snapshot %+v", got)
	}
	if r := got[0].Readers; r[0].Name != "Feedly" || r[0].Subscribers != 12 || r[1].Name != "Inoreader" {
		t.Errorf("readers %+v: want the latest Feedly count first", r)
	}
	// The bound: a fourth made-up reader is not kept while three are fresh.
	tr.Seen("/atom.xml", "A/1 (1 subscribers)")
	tr.Seen("/atom.xml", "B/1 (1 subscribers)")
	if n := len(tr.Snapshot()[0].Readers); n != 3 {
		t.Errorf("%d readers kept, want the bound of 3", n)
	}
	// The bound on feeds: a count for a path beyond it is not kept.
	small := &Tracker{MaxFeeds: 1}
	small.Seen("/atom.xml", "A/1 (1 subscribers)")
	small.Seen("/articles/x.html", "A/1 (1 subscribers)")
	if got := small.Snapshot(); len(got) != 1 || got[0].Feed != "/atom.xml" {
		t.Errorf("with MaxFeeds 1: %+v", got)
	}
	// Counts not reported again within MaxAge are dropped.
	now = now.Add(2 * time.Hour)
	tr.Seen("/atom.xml", "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 20 subscribers; like FeedFetcher-Google)")
	got = tr.Snapshot()
	if len(got) != 1 || got[0].Subscribers != 20 || len(got[0].Readers) != 1 {
		t.Errorf("after MaxAge: %+v", got)
	}
}

func TestStatsPage(t *testing.T) {
	tr := &Tracker{}
	tr.Seen("/atom.xml", "Inoreader/1.0 (+http://www.inoreader.com/feed-fetcher; 3 subscribers; )")
	w := httptest.NewRecorder()
	tr.ServeHTTP(w, httptest.NewRequest("GET", "/stats", nil))
	var got struct{ Feeds []Feed }
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%v: %s", err, w.Body)
	}
	if len(got.Feeds) != 1 || got.Feeds[0].Subscribers != 3 || got.Feeds[0].Readers[0].Name != "Inoreader" {
		t.Errorf("stats %+v", got)
	}
	if strings.Contains(w.Body.String(), "feed-fetcher") {
		t.Error("the stats page shows the User-Agent")
	}
}

func BenchmarkSeenNoCount(b *testing.B) {
	tr := &Tracker{}
	ua := "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36"
	for b.Loop() {
		tr.Seen("/atom.xml", ua)
	}
}

func BenchmarkSeenFeedly(b *testing.B) {
	tr := &Tracker{}
	ua := "Feedly/1.0 (+http://www.feedly.com/fetcher.html; 265 subscribers; like FeedFetcher-Google)"
	for b.Loop() {
		tr.Seen("/atom.xml", ua)
	}
}

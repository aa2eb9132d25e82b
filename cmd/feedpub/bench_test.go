package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/testgen"
)

// BenchmarkPublishLatency measures, on the real daemon with 10,000 articles in its catalog and
// the default 250ms settle time, the time from a file's rename into the directory to its entry
// in the served Atom feed. Run it with -benchtime=100x for a meaningful p99.
//
// With FEEDPUB_BENCH_NEWSROOM=DIR it runs on that directory of bench/gen's newsroom articles
// instead (its catalog in FEEDPUB_BENCH_STATE if set, so a bench/run.sh build's can be reused),
// and each probe is a Markdown article in a section with a reporter and tags, so that every
// kind of feed changes; FEEDPUB_BENCH_OUT adds --out, to measure the static output's share.
func BenchmarkPublishLatency(b *testing.B) {
	dir, state := b.TempDir(), filepath.Join(b.TempDir(), "state.db")
	n := 10000
	probeDir, probe := "", func(title string) string {
		return title + "\n\nA plain-text article with no date of its own."
	}
	var args []string
	if nr := os.Getenv("FEEDPUB_BENCH_NEWSROOM"); nr != "" {
		dir, probeDir = nr, "section-001"
		if s := os.Getenv("FEEDPUB_BENCH_STATE"); s != "" {
			state = s
		}
		if out := os.Getenv("FEEDPUB_BENCH_OUT"); out != "" {
			args = append(args, "--out", out)
		}
		probe = func(title string) string {
			return "---\ntitle: " + title + "\nauthors: [\"Reporter 7 <reporter7@example.com>\"]\ntags: [topic-1, topic-2]\n---\nA probe.\n"
		}
		n = 0
	} else if _, err := testgen.WriteDir(dir, 3, n, 4000, 1000); err != nil {
		b.Fatal(err)
	}
	var d *daemon
	if n > 0 {
		d = startDaemon(b, dir, state, "--settle", "250ms")
		waitFor(b, 5*time.Minute, "10,000 articles", func() bool { return health(b, d).Articles == n })
	} else {
		// The zone bench/run.sh builds with, so the catalog is not read again; a first start on
		// a large catalog may take minutes.
		d = launch(b, launchOpts{dir: dir, state: state, noWait: true,
			args: append([]string{"--timezone", "UTC", "--settle", "250ms", "--base-url", "https://bench.example.org/"}, args...)})
		d.waitLogged(15*time.Minute, "serving")
	}
	staging := b.TempDir()
	var lat []time.Duration
	client := &http.Client{}
	etag := ""
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		title := fmt.Sprintf("Latency probe %d", i)
		src := filepath.Join(staging, "probe.txt")
		if err := os.WriteFile(src, []byte(probe(title)), 0o644); err != nil {
			b.Fatal(err)
		}
		name := fmt.Sprintf("probe-%d.txt", i)
		if probeDir != "" {
			name = filepath.Join(probeDir, fmt.Sprintf("probe-%d-%d.md", time.Now().Unix(), i))
		}
		start := time.Now()
		if err := os.Rename(src, filepath.Join(dir, name)); err != nil {
			b.Fatal(err)
		}
		for {
			// Conditional polls cost the daemon a 304, so polling does not slow what it measures.
			req, _ := http.NewRequest("GET", d.base+"/atom.xml", nil)
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				etag = resp.Header.Get("ETag")
				if strings.Contains(string(body), title+"<") {
					break
				}
			}
			if time.Since(start) > 10*time.Second {
				b.Fatalf("%s not in the feed after 10s", title)
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkReleaseLatency measures, on the real daemon with 10,000 articles in its catalog and
// --out set, the time from a held article's due time to its entry in the served Atom feed.
// Each iteration drops 50 articles due one second apart (the catalog's resolution), so it
// takes about 53 s: run it with -benchtime=1x.
func BenchmarkReleaseLatency(b *testing.B) {
	dir, state, out := b.TempDir(), filepath.Join(b.TempDir(), "state.db"), b.TempDir()
	const n, held = 10000, 50
	if _, err := testgen.WriteDir(dir, 3, n, 4000, 1000); err != nil {
		b.Fatal(err)
	}
	// The first import renders every section, author and tag: longer than startDaemon waits.
	d := launch(b, launchOpts{dir: dir, state: state, args: []string{"--out", out}, noWait: true})
	waitFor(b, 5*time.Minute, "serving 10,000 articles", func() bool { return len(d.logged("serving")) == 1 })
	client := &http.Client{}
	etag := ""
	var lat []time.Duration
	for round := 0; b.Loop(); round++ {
		first := time.Now().Add(3 * time.Second).Truncate(time.Second)
		due := map[string]time.Time{}
		for i := range held {
			title := fmt.Sprintf("Release probe %d-%d", round, i)
			at := first.Add(time.Duration(i) * time.Second)
			due[title] = at
			body := "---\ntitle: " + title + "\ndate: " + at.UTC().Format(time.RFC3339) + "\n---\nHeld until its time.\n"
			drop(b, dir, fmt.Sprintf("held-%d-%d.md", round, i), []byte(body))
		}
		for len(due) > 0 {
			// Conditional polls cost the daemon a 304, so polling does not slow what it measures.
			req, _ := http.NewRequest("GET", d.base+"/atom.xml", nil)
			if etag != "" {
				req.Header.Set("If-None-Match", etag)
			}
			resp, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			now := time.Now()
			if resp.StatusCode == 200 {
				etag = resp.Header.Get("ETag")
				for title, at := range due {
					if strings.Contains(string(body), title+"<") {
						if now.Before(at) {
							b.Fatalf("%s served %v before its time", title, at.Sub(now))
						}
						lat = append(lat, now.Sub(at))
						delete(due, title)
					}
				}
			}
			if now.After(first.Add(held*time.Second + 10*time.Second)) {
				b.Fatalf("%d articles not released 10s after the last due time", len(due))
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	b.ReportMetric(0, "ns/op")
}

// BenchmarkPushLatency measures, on the real daemon with 10,000 articles in its catalog, the
// built-in hub and the default 250ms settle time, the time from a file's rename into the
// directory to the new Atom feed's arrival at a subscriber's callback (content distribution).
// Run it with -benchtime=100x for a meaningful p99.
func BenchmarkPushLatency(b *testing.B) {
	dir, state := b.TempDir(), filepath.Join(b.TempDir(), "state.db")
	const n = 10000
	if _, err := testgen.WriteDir(dir, 3, n, 4000, 1000); err != nil {
		b.Fatal(err)
	}
	d := startDaemon(b, dir, state, "--settle", "250ms", "--hub", "--hub-allow-private")
	waitFor(b, 5*time.Minute, "10,000 articles", func() bool { return health(b, d).Articles == n })
	arrived := make(chan []byte, 16)
	cb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			io.WriteString(w, r.URL.Query().Get("hub.challenge"))
			return
		}
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusAccepted)
		arrived <- body
	}))
	defer cb.Close()
	resp, err := http.PostForm(d.base+"/hub", url.Values{"hub.mode": {"subscribe"},
		"hub.topic": {d.base + "/atom.xml"}, "hub.callback": {cb.URL}})
	if err != nil || resp.StatusCode != http.StatusAccepted {
		b.Fatalf("subscribe: %v %v", resp, err)
	}
	resp.Body.Close()
	time.Sleep(500 * time.Millisecond) // the verification
	staging := b.TempDir()
	var lat []time.Duration
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		title := fmt.Sprintf("Push probe %d", i)
		src := filepath.Join(staging, "probe.txt")
		if err := os.WriteFile(src, []byte(title+"\n\nA plain-text article with no date of its own."), 0o644); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if err := os.Rename(src, filepath.Join(dir, fmt.Sprintf("push-%d.txt", i))); err != nil {
			b.Fatal(err)
		}
		for {
			select {
			case body := <-arrived:
				if !strings.Contains(string(body), title+"<") {
					continue
				}
			case <-time.After(10 * time.Second):
				b.Fatalf("%s not pushed after 10s", title)
			}
			break
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(0, "ns/op")
}

package catalog

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchFiles is the directory size of the benchmarks; FEEDPUB_BENCH_FILES overrides it
// (e.g. 100000 to check the no-change budget at full scale).
func benchFiles() int {
	if n, err := strconv.Atoi(os.Getenv("FEEDPUB_BENCH_FILES")); err == nil && n > 0 {
		return n
	}
	return 10_000
}

// makeTree writes n small plain-text articles in 100 directories.
func makeTree(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	for i := range n {
		p := filepath.Join(dir, fmt.Sprintf("d%02d", i%100), fmt.Sprintf("article-%06d.txt", i))
		if i < 100 {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				b.Fatal(err)
			}
		}
		body := fmt.Sprintf("Article number %d\n\nThis is the body of article %d. It has a paragraph or two.\n\nSecond paragraph.\n", i, i)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// makeNewsroom writes n Markdown articles of about 4 KB in 20 sections of 5 subsections,
// naming 500 reporters and 1,000 tags.
func makeNewsroom(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	para := strings.Repeat("The council met again on Tuesday to discuss the budget and the new bridge. ", 8)
	for i := range n {
		rel := fmt.Sprintf("section-%02d/sub-%d/story-%06d.md", i%20, i%5, i)
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if i < 100 {
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				b.Fatal(err)
			}
		}
		body := fmt.Sprintf("---\ntitle: Story number %d\ndate: 2024-06-%02dT%02d:%02d:00Z\n"+
			"authors: [\"Reporter %d <r%d@example.org>\", \"Reporter %d\"]\ntags: [Tag %d, Tag %d, Tag %d]\n---\n"+
			"%s\n\n%s\n\n%s\n\n%s\n\n%s\n\n%s\n\n%s\n", i, 1+i%28, i%24, i%60, i%500, i%500, (i+7)%500, i%1000, (i*7)%1000, (i*13)%1000,
			para, para, para, para, para, para, para)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

func benchConfig(b *testing.B, dir string) Config {
	now := time.Date(2024, 7, 9, 0, 0, 0, 0, time.UTC)
	return Config{Path: filepath.Join(b.TempDir(), "c.db"), Dir: dir, Authority: "example.org",
		Now: func() time.Time { return now }}
}

func BenchmarkReconcileNoChange(b *testing.B) {
	n := benchFiles()
	dir := makeTree(b, n)
	ctx := context.Background()
	c, err := Open(ctx, benchConfig(b, dir))
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if r, err := c.Reconcile(ctx); err != nil || len(r.Added) != n {
		b.Fatalf("cold reconcile: %v %s", err, counts(r))
	}
	b.ResetTimer()
	for b.Loop() {
		r, err := c.Reconcile(ctx)
		if err != nil || r.Read != 0 || r.Changed() {
			b.Fatalf("no-change reconcile: %v %+v", err, counts(r))
		}
	}
}

func BenchmarkReconcileCold(b *testing.B) { benchCold(b, makeTree(b, benchFiles()), benchFiles()) }

// BenchmarkReconcileColdNewsroom is a first import of a newsroom's archive: articles of a few
// KB (as bench/gen writes) in sections and subsections, each naming a reporter or two and a few tags, so each entry
// joins six or seven feeds.
func BenchmarkReconcileColdNewsroom(b *testing.B) {
	benchCold(b, makeNewsroom(b, benchFiles()), benchFiles())
}

// BenchmarkReconcileColdDir is a first import of the articles in FEEDPUB_BENCH_DIR (such as
// bench/gen's 100,000), so that the writer is measured at the scale where its indexes and
// table outgrow its cache; it is skipped without one. Its clock is the real one, so that
// articles dated up to today are published rather than held.
func BenchmarkReconcileColdDir(b *testing.B) {
	dir := os.Getenv("FEEDPUB_BENCH_DIR")
	if dir == "" {
		b.Skip("FEEDPUB_BENCH_DIR names no article directory")
	}
	benchCold(b, dir, 0)
}

// benchCold times Open and a first Reconcile of dir into a new catalog; n > 0 is the number
// of articles it must add (0: as many as it finds, without error or rejection).
func benchCold(b *testing.B, dir string, n int) {
	realClock := n == 0
	ctx := context.Background()
	var cpu time.Duration
	ops, added := 0, 0
	for b.Loop() {
		b.StopTimer()
		cfg := benchConfig(b, dir)
		if realClock {
			cfg.Now = nil
		}
		b.StartTimer()
		cpu0 := cpuTime()
		c, err := Open(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		r, err := c.Reconcile(ctx)
		if err != nil || (n > 0 && len(r.Added) != n) || len(r.Added) == 0 || len(r.Rejected) > 0 {
			b.Fatalf("cold reconcile: %v %s", err, counts(r))
		}
		c.Close()
		cpu += cpuTime() - cpu0
		ops++
		added = len(r.Added)
	}
	b.ReportMetric(float64(added), "files/op")
	b.ReportMetric(float64(cpu.Milliseconds())/float64(ops), "cpu-ms/op")
}

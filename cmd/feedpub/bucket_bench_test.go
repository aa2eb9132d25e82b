package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/testgen"
)

// BenchmarkBucket measures `feedpub build --out s3://...` against SeaweedFS on loopback with
// 10,000 articles (about 4.3 KB each): the first upload, then the requests and bytes that a
// no-change build, a one-article change and a 1,000-article change cost, counted by a proxy in
// front of the server, and what a restart without the bucket's manifest costs. Run it with
// -benchtime=1x; each iteration uses a fresh prefix and catalog.
func BenchmarkBucket(b *testing.B) {
	site := newBucketSite(b)
	dir := b.TempDir()
	const n = 10000
	if _, err := testgen.WriteDir(dir, 3, n, 4000, 1000); err != nil {
		b.Fatal(err)
	}
	path := func(i int) string {
		return filepath.Join(dir, fmt.Sprintf("d%04d", i/1000), testgen.Name(3, i))
	}
	edit := func(i int, round int) {
		p := path(i)
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		data = bytes.Replace(data, []byte("\n\n"), fmt.Appendf(nil, "\n\nEdited, round %d.\n\n", round), 1)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			b.Fatal(err)
		}
		later := time.Now().Add(time.Duration(round) * time.Second)
		os.Chtimes(p, later, later)
	}
	iter := 0
	for b.Loop() {
		iter++
		site.prefix = fmt.Sprintf("bench%d/", iter)
		state := filepath.Join(b.TempDir(), "state.db")
		step := func(name string) {
			site.proxy.Reset()
			start := time.Now()
			site.build(b, dir, state)
			d := time.Since(start)
			c := site.proxy.Counts()
			b.ReportMetric(d.Seconds(), name+"-s")
			b.ReportMetric(float64(c.Total()), name+"-requests")
			b.ReportMetric(float64(c.Put), name+"-PUTs")
			b.ReportMetric(float64(c.Delete), name+"-DELETEs")
			b.ReportMetric(float64(c.BytesPut)/1e6, name+"-MB")
		}
		step("first")
		step("nochange")
		edit(5000, iter*10+1)
		step("one")
		for i := range 1000 {
			edit(i*10, iter*10+2)
		}
		step("thousand")
		// A standby started on a restored catalog has no manifest: it adopts what the bucket
		// holds with one HEAD per object instead of uploading it again.
		if err := os.Remove(state + ".bucket"); err != nil {
			b.Fatal(err)
		}
		step("nomanifest")
		b.ReportMetric(float64(site.proxy.Counts().Head), "nomanifest-HEADs")
	}
	b.ReportMetric(0, "ns/op")
}

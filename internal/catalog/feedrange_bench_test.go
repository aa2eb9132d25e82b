package catalog

import (
	"context"
	"testing"
)

// BenchmarkFeedRange reads one full archive page (100 members) of a section of a newsroom
// catalog of 3,000 entries: the section's members are every twentieth entry, so the page's
// rows are spread over the entries table as a cold build's archive pages find them.
func BenchmarkFeedRange(b *testing.B) {
	const n, size = 3000, 100
	ctx := context.Background()
	cfg := benchConfig(b, makeNewsroom(b, n))
	c, err := Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	if r, err := c.Reconcile(ctx); err != nil || len(r.Added) != n {
		b.Fatalf("cold reconcile: %v %s", err, counts(r))
	}
	f, err := c.FeedBySlug(ctx, KindSection, "section-03")
	if err != nil || f.Ords < size {
		b.Fatalf("section: %v %+v", err, f)
	}
	b.ReportAllocs()
	for b.Loop() {
		es, err := c.FeedRange(ctx, f.Key, 0, size)
		if err != nil || len(es) != size {
			b.Fatalf("range: %v, %d entries", err, len(es))
		}
	}
}

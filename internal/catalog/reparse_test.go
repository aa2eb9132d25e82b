package catalog

import (
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/article"
)

// A zone fixed after the first import re-reads the articles: dates move, ids and slugs stay,
// and the corrected entries show as updated; the same settings again read nothing.
func TestZoneChangeRereads(t *testing.T) {
	utc := time.UTC
	seoul, _ := time.LoadLocation("Asia/Seoul")
	e := newEnv(t, func(c *Config) { c.Article = article.Options{Location: utc} })
	e.write("zoned.md", md("title: Zoned\ndate: 2024-07-09T07:56:00Z", "has its own zone"))
	e.write("bare.md", md("title: Bare\ndate: 2024-07-09 07:56", "no zone"))
	e.write("big.md", md("title: Big", strings.Repeat("words ", 50)))
	wantCounts(t, e.reconcile(), "a3 u0 r0 m0 x0")
	bare, zoned := e.entry("bare.md"), e.entry("zoned.md")

	e.cfg.Article = article.Options{Location: seoul, MaxSize: 200}
	e.clock.Add(time.Hour)
	e.reopen()
	r := e.reconcile()
	// bare moves nine hours; zoned reads the same; big is now over the limit and keeps its
	// last good version.
	wantCounts(t, r, "a0 u1 r0 m0 x1")
	got := e.entry("bare.md")
	if got.ID != bare.ID || got.Slug != bare.Slug {
		t.Errorf("id or slug changed: %s %s -> %s %s", bare.ID, bare.Slug, got.ID, got.Slug)
	}
	if want := bare.Published.Add(-9 * time.Hour); !got.Published.Equal(want) {
		t.Errorf("published %v, want %v", got.Published, want)
	}
	if !got.Updated.After(bare.Updated) {
		t.Errorf("updated %v -> %v: readers would not see the correction", bare.Updated, got.Updated)
	}
	if z := e.entry("zoned.md"); z.Seq != zoned.Seq {
		t.Errorf("an entry that reads the same was rewritten")
	}
	e.reopen()
	if r := e.reconcile(); r.Read != 0 {
		t.Errorf("unchanged settings read %d files", r.Read)
	}
}

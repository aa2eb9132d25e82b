package feed

import (
	"strings"
	"testing"

	"github.com/feedpub/feedpub/internal/catalog"
)

// archiveEntries are n entries as an archive page gets them from the catalog: a summary of
// newsroom length, an author, categories and a Seq, the text left to the article's page.
func archiveEntries(n int) []catalog.Entry {
	es := bigEntries(n)
	for i := range es {
		es[i].Summary = strings.Repeat("A summary of a newsroom article, about two lines long. ", 4)
		es[i].Seq = int64(i + 1)
	}
	return es
}

// reseq gives entries Seqs no render has seen, as a cold build's next page has.
func reseq(es []catalog.Entry, round int) {
	for i := range es {
		es[i].Seq = int64(round*len(es) + i + 1)
	}
}

// BenchmarkArchivePage renders one archive page of ArchiveSize entries in all four formats,
// each round with entries no earlier round rendered.
func BenchmarkArchivePage(b *testing.B) {
	r := newTestRenderer(b)
	entries := archiveEntries(ArchiveSize)
	ch := Channel{Kind: catalog.KindRoot, Pages: 3}
	b.ReportAllocs()
	round := 0
	for b.Loop() {
		round++
		reseq(entries, round)
		if _, err := r.ArchivePage(ch, 1, entries); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkArchiveFeeds renders the same ArchiveSize entries on an archive page of the root,
// of a section and of an author, as a cold build renders every article about three times.
func BenchmarkArchiveFeeds(b *testing.B) {
	r := newTestRenderer(b)
	entries := archiveEntries(ArchiveSize)
	chs := []Channel{
		{Kind: catalog.KindRoot, Pages: 3},
		{Kind: catalog.KindSection, Slug: "news/world", Title: "world", Pages: 3},
		{Kind: catalog.KindAuthor, Slug: "alice", Title: "Alice", Pages: 3},
	}
	b.ReportAllocs()
	round := 0
	for b.Loop() {
		round++
		reseq(entries, round)
		for _, ch := range chs {
			if _, err := r.ArchivePage(ch, 1, entries); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkSubscription renders a section's subscription documents: 50 entries with their
// full text, in all four formats.
func BenchmarkSubscription(b *testing.B) {
	r := newTestRenderer(b)
	entries := archiveEntries(50)
	ch := Channel{Kind: catalog.KindSection, Slug: "news", Title: "News", Pages: 3}
	b.ReportAllocs()
	round := 0
	for b.Loop() {
		round++
		reseq(entries, round)
		if _, err := r.Subscription(ch, entries, feedUpdatedTime); err != nil {
			b.Fatal(err)
		}
	}
}

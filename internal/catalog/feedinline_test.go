package catalog

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// dumpFeeds renders the feeds and feed_entries tables, everything readers' pages and
// ordinals come from, one row a line.
func (e *env) dumpFeeds() string {
	e.t.Helper()
	var out []string
	for _, q := range []string{
		`SELECT 'feed', key, kind, slug, name, seq, changed, next_ord, live FROM feeds ORDER BY key`,
		`SELECT 'member', feed, ord, row, published, updated, hex(hash), id, seq, gone FROM feed_entries ORDER BY feed, ord`,
		`SELECT 'state', value FROM state WHERE key = 'feeds_seq'`,
	} {
		rows, err := e.cat.db.QueryContext(e.ctx, q)
		if err != nil {
			e.t.Fatal(err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%v", vals))
		}
		rows.Close()
	}
	return strings.Join(out, "\n")
}

// Feeds indexed as entries are written are exactly those the pass after the reconcile gives:
// the same ordinals, live counts, feed slugs and Seqs, through additions, edits that change
// tags and authors, moves between sections, removals, drafts, held entries released and a
// reopen.
func TestFeedsInlineSameAsAfter(t *testing.T) {
	for _, keep := range []bool{false, true} {
		t.Run(fmt.Sprintf("keepRemoved=%v", keep), func(t *testing.T) {
			var dumps [2][]string
			for i, after := range []bool{false, true} {
				e := newEnv(t, func(c *Config) { c.KeepRemoved = keep })
				e.cat.indexAfter = after
				step := func() {
					e.reconcile()
					if _, err := e.cat.Release(e.ctx); err != nil {
						t.Fatal(err)
					}
					dumps[i] = append(dumps[i], e.dumpFeeds())
				}
				for k := range 30 {
					e.write(fmt.Sprintf("s%d/sub%d/a%02d.md", k%3, k%2, k),
						md(fmt.Sprintf("title: A%d\ndate: 2024-07-0%d\nauthors: [\"Kim <k%d@example.org>\", Lee]\ntags: [T%d, t%d, Common]", k, 1+k%8, k%4, k%5, k%7), "body"))
				}
				future := day0.Add(2 * time.Hour).Format(time.RFC3339)
				e.write("later/h.md", md("title: Held\ndate: "+future+"\nauthor: Park\ntags: [Soon]", "held"))
				step()
				e.write("s0/sub0/a00.md", md("title: A0\ndate: 2024-07-01\nauthor: Choi\ntags: [Other]", "edited"))
				e.mv("s1/sub1/a01.md", "s2/a01.md")
				e.rm("s2/sub0/a02.md")
				e.write("s0/sub1/a03.md", md("title: A3\ndraft: true", "draft now"))
				e.touch("s1/sub0/a04.md")
				step()
				e.clock.Add(3 * time.Hour)
				e.write("s0/sub1/a03.md", md("title: A3\ndate: 2024-07-04\ntags: [Back]", "published again"))
				e.write("new/n.md", md("title: N\nauthor: kim\ntags: [common]", "n"))
				step()
				e.reopen()
				e.cat.indexAfter = after
				e.mv("s2/a01.md", "s1/sub1/a01.md")
				step()
			}
			for k := range dumps[0] {
				if dumps[0][k] != dumps[1][k] {
					a, b := strings.Split(dumps[0][k], "\n"), strings.Split(dumps[1][k], "\n")
					t.Fatalf("step %d: inline and after differ:\ninline only: %q\nafter only: %q", k,
						slices.DeleteFunc(slices.Clone(a), func(s string) bool { return slices.Contains(b, s) }),
						slices.DeleteFunc(slices.Clone(b), func(s string) bool { return slices.Contains(a, s) }))
				}
			}
			if !strings.Contains(dumps[0][0], "[member a:k0@example.org") || !strings.Contains(dumps[0][2], "[member t:soon") {
				t.Fatalf("the scenario indexed too little:\n%s", dumps[0][2])
			}
		})
	}
}

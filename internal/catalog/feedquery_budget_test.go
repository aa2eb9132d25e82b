package catalog

import (
	"strings"
	"testing"
)

// With a text budget, FeedLatest reads the texts of the newest members that fit, and leaves
// the older ones' empty.
func TestFeedLatestTextBudget(t *testing.T) {
	e := newEnv(t)
	for i, name := range []string{"c.md", "b.md", "a.md"} {
		e.write(name, md("title: "+name+"\ndate: 2024-01-0"+string(rune('1'+i)), strings.Repeat("word ", 2000)))
	}
	e.reconcile()
	all, err := e.cat.FeedLatest(e.ctx, RootKey, 10, 0)
	if err != nil || len(all) != 3 {
		t.Fatalf("no budget: %d entries, %v", len(all), err)
	}
	size := len(all[0].ContentHTML)
	got, err := e.cat.FeedLatest(e.ctx, RootKey, 10, 2*size+size/2)
	if err != nil || len(got) != 3 {
		t.Fatalf("budget: %d entries, %v", len(got), err)
	}
	for i, en := range got {
		if full := en.ContentHTML != ""; full != (i < 2) {
			t.Errorf("entry %d (%s): text read %v, want %v", i, en.Path, full, i < 2)
		}
		if en.Title == "" || en.Summary == "" {
			t.Errorf("entry %d lost its title or summary", i)
		}
	}
}

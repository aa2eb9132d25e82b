package feed

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
)

// Within the byte budget the newest entries carry their full text; from the first that does
// not fit, every older one carries its summary, in every format; the files stay near the
// budget whatever the articles weigh.
func TestFeedByteBudget(t *testing.T) {
	var entries []catalog.Entry
	for i := range 5 {
		entries = append(entries, catalog.Entry{
			ID: fmt.Sprintf("tag:example.org,2024:%d", i), Slug: fmt.Sprintf("s%d", i),
			Title: fmt.Sprintf("Article %d", i), Summary: fmt.Sprintf("summary-%d", i),
			ContentHTML: fmt.Sprintf("<p>text-%d %s</p>", i, strings.Repeat("x", 100_000)),
			Published:   time.Date(2024, 1, 10-i, 0, 0, 0, 0, time.UTC),
		})
	}
	site := testSite()
	site.FeedBytes = 250_000 // two of the 100 KB texts fit
	r, err := New(site)
	if err != nil {
		t.Fatal(err)
	}
	files, err := r.Feeds(entries, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files[:3] {
		body := string(f.Body)
		for i := range 5 {
			full := strings.Contains(body, fmt.Sprintf("text-%d ", i))
			if want := i < 2; full != want {
				t.Errorf("%s: entry %d full text %v, want %v", f.Name, i, full, want)
			}
			if !strings.Contains(body, fmt.Sprintf("summary-%d", i)) {
				t.Errorf("%s: entry %d lost its summary", f.Name, i)
			}
		}
		if len(f.Body) > 2*site.FeedBytes {
			t.Errorf("%s: %d bytes for a budget of %d", f.Name, len(f.Body), site.FeedBytes)
		}
	}
	// No budget: everything whole.
	site.FeedBytes = 0
	r, _ = New(site)
	files, _ = r.Feeds(entries, time.Time{})
	if !strings.Contains(string(files[1].Body), "text-4 ") {
		t.Error("without a budget the oldest entry lost its text")
	}
}

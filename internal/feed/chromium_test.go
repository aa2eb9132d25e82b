package feed

import (
	"bytes"
	"testing"

	"github.com/feedpub/feedpub/internal/feedcheck"
)

// TestKoreanPageLineBreaks lays the Korean article page out in Chromium at a phone's width: no
// heading or paragraph line may break inside a word ("시/간", "첫/차부터"). The same page without
// the rule that prevents it must break inside words, or the check proves nothing.
func TestKoreanPageLineBreaks(t *testing.T) {
	page, err := newsRenderer(t).Page(newsEntries()[1])
	if err != nil {
		t.Fatal(err)
	}
	feedcheck.Chromium(t, "page-ko.html", page.Body, 360, func(t *testing.T, l feedcheck.Layout) {
		if l.Lines < 3 {
			t.Fatalf("only %d line breaks at 360px: the text did not wrap, so nothing was checked", l.Lines)
		}
		for _, b := range l.MidWord {
			t.Errorf("%s broke inside a word: %q", b.Element, b.Context)
		}
	})
	control := bytes.Replace(page.Body, []byte("word-break: keep-all"), []byte("word-break: normal"), 1)
	if bytes.Equal(control, page.Body) {
		t.Fatal("the page has no word-break: keep-all")
	}
	t.Run("control", func(t *testing.T) {
		feedcheck.Chromium(t, "page-ko-control.html", control, 360, func(t *testing.T, l feedcheck.Layout) {
			if len(l.MidWord) == 0 {
				t.Errorf("without keep-all no line broke inside a word: the check cannot tell")
			}
		})
	})
}

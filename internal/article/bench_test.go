package article

import (
	"os"
	"testing"
)

// BenchmarkNewsText parses a realistic ~5 KB news-text article end to end (hygiene, sniffing,
// parsing, output normalisation).
func BenchmarkNewsText(b *testing.B) {
	data, err := os.ReadFile("testdata/news_long.txt")
	if err != nil {
		b.Fatal(err)
	}
	opts := seoulOpts(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("news_long.txt", data, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDetectLanguageFor judges the title and summary of an English entry on a Korean
// site, which feeds do for every Latin-script entry they render.
func BenchmarkDetectLanguageFor(b *testing.B) {
	a, err := Parse("news_long.txt", mustRead(b, "testdata/news_long.txt"), seoulOpts(b))
	if err != nil {
		b.Fatal(err)
	}
	text := a.Title + "\n" + a.Summary
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if got := DetectLanguageFor(text, "ko-KR"); got != "en" {
			b.Fatalf("DetectLanguageFor = %q, want en", got)
		}
	}
}

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

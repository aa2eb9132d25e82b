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

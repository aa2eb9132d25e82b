// Package testgen writes synthetic news-text articles in the seed's format, for benchmarks and
// load tests. The output is deterministic for a given seed, so runs are comparable.
package testgen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

var (
	months = []string{"Jan.", "Feb.", "Mar.", "Apr.", "May", "June.", "July.", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."}
	words  = strings.Fields(`president minister assembly government policy economy market exports
		semiconductor growth inflation interest rate central bank seoul busan incheon province council
		election reform budget committee hearing ministry defense alliance summit talks cooperation
		technology startup investment research university students teachers hospital doctors patients
		climate energy nuclear solar wind industry workers union wages housing prices rent subway
		railway airport tourism culture festival museum exhibition film music baseball football league`)
	names = []string{"Na-Ri Shin", "Ji-Hoon Kim", "Min-Ji Park", "Seo-Yeon Lee", "Hyun-Woo Choi", "Da-Eun Jung"}
)

// Article returns the bytes of the i-th synthetic article: roughly size bytes of body in the
// news-text format (Go to contents, title twice, Posted/Updated, paragraphs, byline).
func Article(seed uint64, i, size int) []byte {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	var b strings.Builder
	b.Grow(size + 512)
	// Typographic quotes and a sequence number, as the seed's headline has quotes and titles
	// must not collide more than real ones do.
	title := fmt.Sprintf("%s “%s” (%d)", strings.TrimSuffix(sentence(r, 6+r.IntN(8)), "."),
		strings.TrimSuffix(sentence(r, 3), "."), i)
	month := r.IntN(12)
	day, hour, minute := 1+r.IntN(28), r.IntN(24), r.IntN(60)
	year := 2015 + r.IntN(11)
	date := fmt.Sprintf("%s %02d, %d %02d:%02d", months[month], day, year, hour, minute)
	fmt.Fprintf(&b, "Go to contents\n\n%s\n\n%s\n\nPosted %s,\u00a0\u00a0 \n\nUpdated %s\n\n\n", title, title, date, date)
	for b.Len() < size {
		for range 3 + r.IntN(4) {
			b.WriteString(sentence(r, 8+r.IntN(14)))
			b.WriteByte(' ')
		}
		b.WriteString("\n\n")
	}
	name := names[r.IntN(len(names))]
	fmt.Fprintf(&b, "%s %s@example.com", name, strings.ToLower(strings.ReplaceAll(name, " ", "")))
	return []byte(b.String())
}

func sentence(r *rand.Rand, n int) string {
	var b strings.Builder
	for k := range n {
		w := words[r.IntN(len(words))]
		if k == 0 {
			w = strings.ToUpper(w[:1]) + w[1:]
		} else {
			b.WriteByte(' ')
		}
		b.WriteString(w)
	}
	b.WriteByte('.')
	return b.String()
}

// Name is the file name of the i-th article, in the seed's NNN_<16 hex> shape.
func Name(seed uint64, i int) string {
	return fmt.Sprintf("%03d_%016x.txt", i, rand.New(rand.NewPCG(seed, uint64(i)^0x9e3779b97f4a7c15)).Uint64())
}

// WriteDir writes n articles into dir, spread over subdirectories of at most perDir files (0 means
// all in dir), and returns the number of bytes written.
func WriteDir(dir string, seed uint64, n, size, perDir int) (int64, error) {
	var total int64
	for i := range n {
		d := dir
		if perDir > 0 {
			d = filepath.Join(dir, fmt.Sprintf("d%04d", i/perDir))
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return total, err
		}
		data := Article(seed, i, size)
		if err := os.WriteFile(filepath.Join(d, Name(seed, i)), data, 0o644); err != nil {
			return total, err
		}
		total += int64(len(data))
	}
	return total, nil
}

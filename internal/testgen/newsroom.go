package testgen

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// Newsroom describes a synthetic newsroom: how many sections (folders), reporters and tags its
// articles are spread over. Each article is in one section, names one or two reporters (with
// e-mail) and carries three tags.
type Newsroom struct {
	Sections, Authors, Tags int
}

// MarkdownArticle returns the i-th article of the newsroom as Markdown with YAML front matter,
// about size bytes of body, and the section folder it belongs in.
func (nr Newsroom) MarkdownArticle(seed uint64, i, size int) (section string, data []byte) {
	r := rand.New(rand.NewPCG(seed, uint64(i)))
	var b strings.Builder
	b.Grow(size + 512)
	title := fmt.Sprintf("%s (%d)", strings.TrimSuffix(sentence(r, 6+r.IntN(8)), "."), i)
	date := fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:00Z", 2015+r.IntN(11), 1+r.IntN(12), 1+r.IntN(28), r.IntN(24), r.IntN(60))
	fmt.Fprintf(&b, "---\ntitle: %q\ndate: %s\nauthors:\n", title, date)
	for range 1 + r.IntN(2) {
		a := r.IntN(max(nr.Authors, 1))
		fmt.Fprintf(&b, "  - \"Reporter %d <reporter%d@example.com>\"\n", a, a)
	}
	b.WriteString("tags:\n")
	for range 3 {
		fmt.Fprintf(&b, "  - topic-%d\n", r.IntN(max(nr.Tags, 1)))
	}
	b.WriteString("---\n\n")
	for b.Len() < size {
		for range 3 + r.IntN(4) {
			b.WriteString(sentence(r, 8+r.IntN(14)))
			b.WriteByte(' ')
		}
		b.WriteString("\n\n")
	}
	return fmt.Sprintf("section-%03d", r.IntN(max(nr.Sections, 1))), []byte(b.String())
}

// WriteDir writes n newsroom articles into dir, each in its section's folder, and returns the
// number of bytes written. The same seed writes the same files.
func (nr Newsroom) WriteDir(dir string, seed uint64, n, size int) (int64, error) {
	var total int64
	for i := range n {
		section, data := nr.MarkdownArticle(seed, i, size)
		d := filepath.Join(dir, section)
		if err := os.MkdirAll(d, 0o755); err != nil {
			return total, err
		}
		name := strings.TrimSuffix(Name(seed, i), ".txt") + ".md"
		if err := os.WriteFile(filepath.Join(d, name), data, 0o644); err != nil {
			return total, err
		}
		total += int64(len(data))
	}
	return total, nil
}

package article

import "strings"

// Plain text: the first non-empty line is the title and the rest are paragraphs separated by
// blank lines. Lines inside a paragraph are kept, joined by "\n" inside one <p>: a browser
// shows them as one flowing paragraph, while the source's line structure survives for anyone
// reading the HTML. Plain text has no date; callers fall back to the file's own times.

func parsePlainLines(_ string, lines []string) (*Article, error) {
	i := skipBlank(lines, 0)
	a := &Article{Format: FormatPlainText}
	if i == len(lines) {
		return a, nil // finish reports the missing title
	}
	a.Title = lines[i]
	paras := appendParagraphs(nil, lines[i+1:])
	if len(paras) > 0 {
		a.Summary = paras[0]
		a.ContentHTML = paragraphsHTML(paras)
	}
	return a, nil
}

// splitLines splits hygienic text (LF only) into lines trimmed of surrounding whitespace, so
// that a line of spaces or no-break spaces is "" and counts as blank everywhere.
func splitLines(text string) []string {
	lines := make([]string, 0, strings.Count(text, "\n")+1)
	for {
		i := strings.IndexByte(text, '\n')
		if i < 0 {
			return append(lines, trimSpace(text))
		}
		lines = append(lines, trimSpace(text[:i]))
		text = text[i+1:]
	}
}

func skipBlank(lines []string, i int) int {
	for i < len(lines) && lines[i] == "" {
		i++
	}
	return i
}

// appendParagraphs appends each blank-line-separated block of lines as one paragraph.
func appendParagraphs(dst []string, lines []string) []string {
	for i := 0; i < len(lines); {
		if lines[i] == "" {
			i++
			continue
		}
		j := i
		for j < len(lines) && lines[j] != "" {
			j++
		}
		dst = append(dst, strings.Join(lines[i:j], "\n"))
		i = j
	}
	return dst
}

// paragraphsHTML renders text paragraphs as escaped <p> elements, one per line.
func paragraphsHTML(paras []string) string {
	n := 0
	for _, p := range paras {
		n += len(p) + len("<p></p>\n") + 16
	}
	var b strings.Builder
	b.Grow(n)
	for i, p := range paras {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString("<p>")
		escapeHTML(&b, p)
		b.WriteString("</p>")
	}
	return b.String()
}

// escapeHTML writes s escaped exactly as html.EscapeString would, without the intermediate
// string: it is on the news-text hot path.
func escapeHTML(b *strings.Builder, s string) {
	last := 0
	for i := 0; i < len(s); i++ {
		if !htmlSpecial[s[i]] {
			continue
		}
		var esc string
		switch s[i] {
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '&':
			esc = "&amp;"
		case '\'':
			esc = "&#39;"
		default: // '"'
			esc = "&#34;"
		}
		b.WriteString(s[last:i])
		b.WriteString(esc)
		last = i + 1
	}
	b.WriteString(s[last:])
}

var htmlSpecial = [256]bool{'<': true, '>': true, '&': true, '\'': true, '"': true}

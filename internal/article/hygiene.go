package article

import (
	"bytes"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
)

// binarySniffLen is how much of a file the control-byte ratio is judged on: enough to
// recognise images and archives, small enough to stay cheap on large text.
const binarySniffLen = 8 << 10

const warnWindows1252 = "not valid UTF-8; decoded as Windows-1252"

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decodeText is the one place raw bytes become text. Every parser relies on its result being
// valid UTF-8 with LF line endings and nothing XML 1.0 forbids, so none of them re-checks.
func decodeText(name string, data []byte) (text string, warnings []string, err error) {
	skipped := 0
	if bytes.HasPrefix(data, utf8BOM) {
		data = data[len(utf8BOM):]
		skipped = len(utf8BOM)
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return "", nil, fmt.Errorf("%s: %w (NUL byte at offset %d)", name, ErrBinary, i+skipped)
	}
	// One pass over the head both counts control bytes for the binary verdict and notes
	// whether anything there may need cleaning, so clean small files are scanned once.
	head := data[:min(len(data), binarySniffLen)]
	controls, look := 0, uint8(0)
	for _, c := range head {
		cl := byteClass[c]
		controls += int(cl & classBinary)
		look |= cl
	}
	if controls*10 > len(head) {
		return "", nil, fmt.Errorf("%s: %w (%d of the first %d bytes are control characters)",
			name, ErrBinary, controls, len(head))
	}
	if utf8.Valid(data) {
		text = string(data)
		if look&classLook != 0 {
			text = cleanValid(text, 0)
		} else {
			text = cleanValid(text, len(head))
		}
	} else {
		// Files that are not UTF-8 are, in practice, from Windows tools; Windows-1252 is a
		// superset of Latin-1 for printable text and decodes every byte, so it cannot fail.
		decoded, derr := charmap.Windows1252.NewDecoder().Bytes(data)
		if derr != nil {
			return "", nil, fmt.Errorf("%s: %w: decoding as Windows-1252: %v", name, ErrInvalid, derr)
		}
		text = cleanValid(string(decoded), 0)
		warnings = append(warnings, warnWindows1252)
	}
	if isBlank(text) {
		if len(data) == 0 {
			return "", nil, fmt.Errorf("%s: %w", name, ErrEmpty)
		}
		return "", nil, fmt.Errorf("%s: %w (only whitespace)", name, ErrEmpty)
	}
	return text, warnings, nil
}

// byteClass drives the byte loops of the hygiene step, which see every byte of every file.
var byteClass = func() (t [256]uint8) {
	for c := 0; c < 0x20; c++ {
		if c != '\t' && c != '\n' {
			t[c] |= classLook
		}
		// Form feed is spared as binary evidence because old plain-text documents use it as
		// a page break; it is still removed from the text.
		if c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			t[c] |= classBinary
		}
	}
	t[0x7F] |= classLook | classBinary
	// Lead bytes of the only multi-byte characters dropRune removes from valid UTF-8: C1
	// controls (C2 80-9F) and U+FFFE/U+FFFF (EF BF BE/BF).
	t[0xC2] |= classLook
	t[0xEF] |= classLook
	return t
}()

const (
	classBinary = 1 << iota // counts towards the binary verdict
	classLook               // may need cleaning
)

// dropRune reports characters no output may carry: those XML 1.0 forbids, plus DEL and the C1
// controls, which XML discourages and which only appear in text as mis-decoding debris.
func dropRune(r rune) bool {
	switch {
	case r < 0x20:
		return r != '\t' && r != '\n' && r != '\r'
	case r < 0x7F:
		return false
	case r <= 0x9F:
		return true
	}
	return r == 0xFFFE || r == 0xFFFF || (r >= 0xD800 && r <= 0xDFFF)
}

// CleanText makes s valid UTF-8 (invalid bytes are dropped), removes the characters
// dropRune names and turns CRLF and lone CR into LF. It is feedpub's one rule for text that
// goes into XML: the feed renderer applies it to everything it writes, settings included, so
// no output carries a character this package would have dropped.
func CleanText(s string) string {
	if !utf8.ValidString(s) {
		return cleanFrom(s, 0)
	}
	return cleanValid(s, 0)
}

// cleanValid is CleanText for s known to be valid UTF-8 and clean before byte start. It
// allocates only when s changes, and its scan is a table lookup per byte, since it runs over
// every file.
func cleanValid(s string, start int) string {
	for i := start; i < len(s); i++ {
		// Eight plain printable ASCII bytes at a time: feeds re-clean every article's
		// content on each render, and the byte loop was a third of an article page's time.
		for i+8 <= len(s) && plainASCII8(s[i:i+8]) {
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if byteClass[c]&classLook == 0 {
			continue
		}
		switch {
		case c < utf8.RuneSelf:
			return cleanFrom(s, i)
		case c == 0xC2:
			if i+1 < len(s) && s[i+1] <= 0x9F {
				return cleanFrom(s, i)
			}
		case i+2 < len(s) && s[i+1] == 0xBF && s[i+2] >= 0xBE: // c == 0xEF
			return cleanFrom(s, i)
		}
	}
	return s
}

// plainASCII8 reports whether the eight bytes of s are all printable ASCII (0x20-0x7E),
// none of which byteClass marks classLook.
func plainASCII8(s string) bool {
	w := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	below := (w - 0x20*ones) &^ w // a high bit where a byte is below 0x20 (given none is 0x80+)
	del := w ^ 0x7F*ones
	del = (del - ones) &^ del // a high bit where a byte is 0x7F
	return (w|below|del)&highs == 0
}

// cleanFrom does the work of CleanText from byte i on; s[:i] is known to be clean.
func cleanFrom(s string, i int) string {
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\r':
			b.WriteByte('\n')
			if i+1 < len(s) && s[i+1] == '\n' {
				size = 2
			}
		case (r == utf8.RuneError && size == 1) || dropRune(r):
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isSpace is the whitespace every rule in this package means: Unicode White_Space, which
// includes the no-break spaces news exports pad lines with.
func isSpace(r rune) bool { return unicode.IsSpace(r) }

func isBlank(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.TrimFunc(s[i:], isSpace) == ""
		}
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' {
			return false
		}
	}
	return true
}

// trimSpace trims Unicode whitespace from both ends, with a fast path for ASCII edges.
func trimSpace(s string) string {
	for len(s) > 0 {
		c := s[0]
		if c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n' {
			s = s[1:]
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		r, size := utf8.DecodeRuneInString(s)
		if !isSpace(r) {
			break
		}
		s = s[size:]
	}
	for len(s) > 0 {
		c := s[len(s)-1]
		if c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r' || c == '\n' {
			s = s[:len(s)-1]
			continue
		}
		if c < utf8.RuneSelf {
			break
		}
		r, size := utf8.DecodeLastRuneInString(s)
		if !isSpace(r) {
			break
		}
		s = s[:len(s)-size]
	}
	return s
}

// collapseSpace trims s and turns every run of whitespace (no-break spaces and newlines
// included) into one ASCII space, the form titles and summaries take.
func collapseSpace(s string) string {
	s = trimSpace(s)
	needs := false
	prevSpace := false
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			sp := c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
			if sp && (c != ' ' || prevSpace) {
				needs = true
				break
			}
			prevSpace = sp
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if isSpace(r) {
			needs = true
			break
		}
		prevSpace = false
		i += size
	}
	if !needs {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	prevSpace = false
	for _, r := range s {
		if isSpace(r) {
			if !prevSpace {
				b.WriteByte(' ')
			}
			prevSpace = true
			continue
		}
		prevSpace = false
		b.WriteRune(r)
	}
	return b.String()
}

package article

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// News text is the plain-text export of a news site's article page (see the format note in
// the project's shared formats directory): an optional "Go to contents" navigation line, the
// title (usually twice), "Posted <date>," and "Updated <date>" lines, body paragraphs, and a
// byline of reporter names and e-mails as the last line.

// maxHeaderBlocks bounds how many blocks may precede the first date line (after "Go to
// contents"): the title, its repetition, a deck, and one spare. With the rule that those
// blocks are single lines, it is what keeps a plain text that mentions "Posted ..." from
// being taken for news text.
const maxHeaderBlocks = 4

// maxBylineNameWords bounds a reporter's name, so that a closing sentence which happens to
// end in an e-mail address is not taken for a byline.
const maxBylineNameWords = 5

const goToContents = "Go to contents"

// monthNames holds every spelling the news exports use for a month, lower-cased: full names
// and three-letter abbreviations (the period is handled by the scanner), plus "sept".
var monthNames = map[string]time.Month{
	"january": time.January, "jan": time.January,
	"february": time.February, "feb": time.February,
	"march": time.March, "mar": time.March,
	"april": time.April, "apr": time.April,
	"may":  time.May,
	"june": time.June, "jun": time.June,
	"july": time.July, "jul": time.July,
	"august": time.August, "aug": time.August,
	"september": time.September, "sep": time.September, "sept": time.September,
	"october": time.October, "oct": time.October,
	"november": time.November, "nov": time.November,
	"december": time.December, "dec": time.December,
}

// parseText parses a .txt file, deciding between news text and plain text by its shape.
func parseText(name, text string, loc *time.Location) (*Article, error) {
	lines := splitLines(text)
	if isNewsText(lines, loc) {
		return parseNewsLines(name, lines, loc)
	}
	return parsePlainLines(name, lines)
}

// isNewsText sniffs a .txt file. The signals are ones plain prose does not produce: the
// export's "Go to contents" first line, or a whole line of the Posted/Updated shape with a
// valid date among the first few lines.
func isNewsText(lines []string, loc *time.Location) bool {
	i := skipBlank(lines, 0)
	if i < len(lines) && isGoToContents(lines[i]) {
		return true
	}
	return findDateLine(lines, i, loc) >= 0
}

func parseNewsLines(name string, lines []string, loc *time.Location) (*Article, error) {
	a := &Article{Format: FormatNewsText}
	i := skipBlank(lines, 0)
	if i < len(lines) && isGoToContents(lines[i]) {
		i = skipBlank(lines, i+1)
	}
	dateAt := findDateLine(lines, i, loc)
	headerEnd := dateAt
	if headerEnd < 0 {
		headerEnd = len(lines)
	}

	// The title is the first block; one wrapped over several lines is still one title.
	start := i
	for i < headerEnd && lines[i] != "" {
		i++
	}
	title := lines[start:i]
	if len(title) == 0 {
		return nil, fmt.Errorf("%s: %w (no title before the Posted line)", name, ErrNoTitle)
	}
	a.Title = strings.Join(title, " ")
	// The export repeats the title; the copy may differ in spacing, so compare collapsed.
	i = skipBlank(lines, i)
	j := i
	for j < headerEnd && lines[j] != "" {
		j++
	}
	if j > i && collapseSpace(strings.Join(lines[i:j], " ")) == collapseSpace(a.Title) {
		i = skipBlank(lines, j)
	}

	// Anything left between the title and the dates is a deck (a subtitle); it is article
	// text, so it opens the body rather than being dropped.
	var paras []string
	if dateAt >= 0 {
		paras = appendParagraphs(paras, lines[i:dateAt])
		for i = dateAt; i < len(lines); i++ {
			if lines[i] == "" {
				continue
			}
			posted, updated, ok := parseDateLine(lines[i], loc)
			if !ok {
				break
			}
			if a.Published.IsZero() {
				a.Published = posted
			}
			if a.Updated.IsZero() {
				a.Updated = updated
			}
		}
	}

	end := len(lines)
	for end > i && lines[end-1] == "" {
		end--
	}
	if end > i {
		if authors, ok := parseByline(lines[end-1]); ok {
			a.Authors = authors
			end--
		}
	}
	paras = appendParagraphs(paras, lines[i:end])
	if len(paras) == 0 {
		return nil, fmt.Errorf("%s: %w: news text has no body paragraphs", name, ErrInvalid)
	}
	a.Summary = paras[0]
	a.ContentHTML = paragraphsHTML(paras)
	return a, nil
}

func isGoToContents(line string) bool { return strings.EqualFold(line, goToContents) }

// findDateLine returns the index of the first Posted/Updated line from i, or -1. The line
// must open a block, and the blocks before it must look like a header: a title (of any
// number of lines), its repetition, and otherwise single lines (a deck), never prose.
func findDateLine(lines []string, i int, loc *time.Location) int {
	var title []string
	for blocks := 0; ; blocks++ {
		if i = skipBlank(lines, i); i == len(lines) {
			return -1
		}
		if _, _, ok := parseDateLine(lines[i], loc); ok {
			return i
		}
		if blocks == maxHeaderBlocks {
			return -1
		}
		j := i
		for j < len(lines) && lines[j] != "" {
			j++
		}
		if blocks == 0 {
			title = lines[i:j]
		} else if j-i > 1 && !slices.Equal(lines[i:j], title) {
			return -1
		}
		i = j
	}
}

// parseDateLine reads a whole line of the shape `Posted <date>,` or `Updated <date>`, or both
// on one line (`Posted <date>, Updated <date>`), as the web page showed them side by side.
// Anything else on the line makes it not a date line.
func parseDateLine(s string, loc *time.Location) (posted, updated time.Time, ok bool) {
	for s != "" {
		var isPosted bool
		switch {
		case hasPrefixFold(s, "posted"):
			isPosted, s = true, s[len("posted"):]
		case hasPrefixFold(s, "updated"):
			s = s[len("updated"):]
		default:
			return time.Time{}, time.Time{}, false
		}
		if s != "" && s[0] == ':' {
			s = s[1:]
		}
		rest := skipSpaces(s)
		if len(rest) == len(s) {
			return time.Time{}, time.Time{}, false
		}
		t, rest, ok := scanDate(rest, loc)
		if !ok {
			return time.Time{}, time.Time{}, false
		}
		if isPosted {
			if !posted.IsZero() {
				return time.Time{}, time.Time{}, false
			}
			posted = t
		} else {
			if !updated.IsZero() {
				return time.Time{}, time.Time{}, false
			}
			updated = t
		}
		s = strings.TrimLeftFunc(rest, func(r rune) bool {
			return r == ',' || r == ';' || r == '|' || r == '·' || isSpace(r)
		})
	}
	return posted, updated, true
}

// scanDate reads `<month>[.] <day>[,] <year>[[,] H:MM[:SS]]` from the start of s, in loc, and
// returns the rest of s. It is hand-written rather than a regexp because it runs on the first
// lines of every .txt file during sniffing.
func scanDate(s string, loc *time.Location) (time.Time, string, bool) {
	var word [9]byte
	n := 0
	for n < len(s) && isASCIILetter(s[n]) {
		if n == len(word) {
			return time.Time{}, s, false
		}
		word[n] = s[n] | 0x20
		n++
	}
	month, ok := monthNames[string(word[:n])]
	if !ok {
		return time.Time{}, s, false
	}
	rest := s[n:]
	period := rest != "" && rest[0] == '.'
	if period {
		rest = rest[1:]
	}
	if r := skipSpaces(rest); len(r) < len(rest) || period {
		rest = r
	} else {
		return time.Time{}, s, false
	}
	day, rest, ok := scanDigits(rest, 1, 2)
	if !ok {
		return time.Time{}, s, false
	}
	if rest != "" && rest[0] == ',' {
		rest = rest[1:]
	}
	if r := skipSpaces(rest); len(r) < len(rest) {
		rest = r
	} else {
		return time.Time{}, s, false
	}
	year, rest, ok := scanDigits(rest, 4, 4)
	if !ok {
		return time.Time{}, s, false
	}
	hour, minute, sec := 0, 0, 0
	// The time is optional; only commit to it once "H:MM" is really there.
	r := rest
	if r != "" && r[0] == ',' {
		r = r[1:]
	}
	if r2 := skipSpaces(r); len(r2) < len(r) {
		if h, r3, ok := scanDigits(r2, 1, 2); ok && r3 != "" && r3[0] == ':' {
			m, r4, ok := scanDigits(r3[1:], 2, 2)
			if !ok {
				return time.Time{}, s, false
			}
			hour, minute, rest = h, m, r4
			if rest != "" && rest[0] == ':' {
				if sc, r5, ok := scanDigits(rest[1:], 2, 2); ok {
					sec, rest = sc, r5
				}
			}
		}
	}
	if day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, s, false
	}
	t := time.Date(year, month, day, hour, minute, sec, 0, loc)
	if t.Day() != day || t.Month() != month {
		return time.Time{}, s, false // e.g. February 30
	}
	return t, rest, true
}

// scanDigits reads between lo and hi ASCII digits and refuses a longer run, so "123" is not
// read as day 12.
func scanDigits(s string, lo, hi int) (int, string, bool) {
	v, n := 0, 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		if n == hi {
			return 0, s, false
		}
		v = v*10 + int(s[n]-'0')
		n++
	}
	if n < lo {
		return 0, s, false
	}
	return v, s[n:], true
}

func skipSpaces(s string) string {
	for len(s) > 0 {
		if s[0] == ' ' || s[0] == '\t' {
			s = s[1:]
			continue
		}
		if s[0] < utf8.RuneSelf {
			break
		}
		r, size := utf8.DecodeRuneInString(s)
		if !isSpace(r) {
			break
		}
		s = s[size:]
	}
	return s
}

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// parseByline reads a last line like "Na-Ri Shin journari@donga.com", or several reporters
// each followed by an e-mail and separated by commas, "·", "and", "&" or just spaces. It
// refuses anything that does not end in an e-mail, has a name without one, or has a "name"
// that reads like a sentence (lower-case words, too many words).
func parseByline(line string) ([]Author, bool) {
	if len(line) > 400 || strings.IndexByte(line, '@') < 0 {
		return nil, false
	}
	var authors []Author
	var name []string
	for _, tok := range strings.FieldsFunc(line, isSpace) {
		switch tok {
		case "·", "•", ",", ";", "/", "|", "&", "and", "And", "AND":
			if len(name) > 0 {
				return nil, false
			}
			continue
		}
		word := strings.Trim(tok, ",;()<>[]·•|/")
		if email := strings.TrimRight(word, "."); isEmail(email) {
			if len(name) == 0 {
				return nil, false
			}
			authors = append(authors, Author{Name: strings.Join(name, " "), Email: email})
			name = name[:0]
			continue
		}
		if !isNameWord(word) || len(name) == maxBylineNameWords {
			return nil, false
		}
		name = append(name, word)
	}
	if len(name) > 0 || len(authors) == 0 {
		return nil, false
	}
	return authors, true
}

// isNameWord accepts capitalised words and words in scripts without case (Hangul names).
func isNameWord(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return w != "" && unicode.IsLetter(r) && !unicode.IsLower(r) &&
		!strings.ContainsAny(w, "@:")
}

// isEmail is deliberately simple: one "@", a dotted domain, and the characters addresses use
// in practice; it only has to tell a byline's address from words.
func isEmail(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at != strings.LastIndexByte(s, '@') {
		return false
	}
	local, domain := s[:at], s[at+1:]
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !isASCIILetter(c) && (c < '0' || c > '9') && !strings.ContainsRune("._%+-", rune(c)) {
			return false
		}
	}
	if len(domain) < 3 || strings.IndexByte(domain, '.') <= 0 || domain[len(domain)-1] == '.' ||
		domain[0] == '-' || strings.Contains(domain, "..") {
		return false
	}
	for i := 0; i < len(domain); i++ {
		c := domain[i]
		if !isASCIILetter(c) && (c < '0' || c > '9') && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

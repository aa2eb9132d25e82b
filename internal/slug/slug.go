// Package slug is the one rule that turns an article's title into the segment that names its
// page (articles/<slug>.html, on disk and in URLs), and the check that a segment is one the rule
// could have made. It keeps the letters and digits of every script, so a Korean headline gets a
// Korean slug; it knows nothing of catalogs, collisions or where slugs are stored.
package slug

import (
	"net/url"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxLen is the longest slug Make returns, in bytes of UTF-8. Bytes, not characters, because the
// slug is a file name (255 bytes on most file systems, with ".html", a collision suffix and a
// temporary-file prefix still to fit) and a URL segment, where each byte of a Hangul syllable
// costs three characters once percent-encoded. 80 bytes is 80 Latin letters or 26 syllables.
const MaxLen = 80

// maxValid is the longest slug Valid accepts: MaxLen plus a generous collision suffix. Stored
// slugs minted by earlier rules are never longer.
const maxValid = 200

// Fallback is the slug of an article whose title and file name both yield nothing.
const Fallback = "article"

// Make returns the slug of s: s in Unicode NFC, lower case where its script has case, with every
// letter, digit and combining mark kept, apostrophes dropped ("Don't" is "dont"), invisible format
// characters (soft hyphens, joiners) dropped, and every other run of characters made one "-". A
// result longer than MaxLen is cut at the last word boundary that fits: a "-", or the edge of a
// Han or Hiragana character, since Chinese and Japanese put no spaces between words; a single
// word longer than MaxLen is cut between characters, never inside one. Make returns "" when s
// has no letter or digit.
func Make(s string) string {
	s = norm.NFC.String(strings.ToLower(norm.NFC.String(s)))
	var b strings.Builder
	b.Grow(len(s))
	// kept is whether the last rune written is a letter, digit or mark: a mark may only follow
	// one (a mark after a dash or at the start belongs to nothing).
	kept := false
	for _, r := range s {
		switch {
		case r == '\'' || r == '’' || r == 'ʼ':
			// Before the letter case: U+02BC is a letter (Lm) but is used as an apostrophe.
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
			kept = true
		case unicode.IsMark(r):
			if kept {
				b.WriteRune(r)
			}
		case unicode.Is(unicode.Cf, r):
			// Soft hyphen, zero-width joiners, direction marks: invisible in the title.
		default:
			if kept {
				b.WriteByte('-')
				kept = false
			}
		}
	}
	// Composed again: a dropped apostrophe or joiner can bring a mark next to a new base.
	out := strings.TrimRight(norm.NFC.String(b.String()), "-")
	if len(out) > MaxLen {
		out = strings.TrimRight(cut(out, MaxLen), "-")
	}
	return out
}

// cut returns the longest prefix of s, at most max bytes, that ends at a word boundary, else the
// longest that ends between two characters (a base and its marks stay together).
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	word, char, any := 0, 0, 0
	var prev rune
	for i, r := range s {
		if i > max {
			break
		}
		any = i
		if i > 0 && !unicode.IsMark(r) {
			char = i
			if r == '-' || prev == '-' || noSpaceScript(r) || noSpaceScript(prev) {
				word = i
			}
		}
		prev = r
	}
	switch {
	case word > 0:
		return s[:word]
	case char > 0:
		return s[:char]
	}
	return s[:any] // one character with more than max bytes of marks: nothing better exists
}

// noSpaceScript reports whether r belongs to a script written without spaces between words,
// where the edge of every character is a word boundary (as Unicode's word segmentation treats
// ideographs). Katakana is left out: a run of it is one loanword.
func noSpaceScript(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r)
}

// FromTitle is the slug for an article: Make(title), else Make of the file name without its
// extension, else Fallback. It is the base to which a catalog adds a collision suffix.
func FromTitle(title, file string) string {
	if s := Make(title); s != "" {
		return s
	}
	name := path.Base(strings.ReplaceAll(file, "\\", "/"))
	if s := Make(strings.TrimSuffix(name, path.Ext(name))); s != "" {
		return s
	}
	return Fallback
}

// Valid reports whether s is a slug this rule, with a collision suffix, or an earlier rule (which
// made [a-z0-9-] only) could have produced: non-empty, at most 200 bytes of NFC UTF-8, letters in
// lower case or caseless, digits, marks after a letter or digit, and single inner dashes. Whatever
// is Valid is safe as a file name and as a URL segment once escaped; callers check a slug from a
// request with it before looking anything up.
func Valid(s string) bool {
	if s == "" || len(s) > maxValid || !utf8.ValidString(s) || !norm.NFC.IsNormalString(s) {
		return false
	}
	kept := false
	for _, r := range s {
		switch {
		case r == '-':
			if !kept {
				return false // leading or doubled dash
			}
			kept = false
		case unicode.IsLetter(r):
			if unicode.ToLower(r) != r || r == 'ʼ' {
				return false
			}
			kept = true
		case unicode.IsDigit(r):
			kept = true
		case unicode.IsMark(r):
			if !kept {
				return false
			}
		default:
			return false
		}
	}
	return kept // no trailing dash
}

// Escape is s as a URL path segment: letters outside ASCII percent-encoded as UTF-8 (RFC 3986),
// which is how every feed reader and validator expects an IRI's path to be sent.
func Escape(s string) string { return url.PathEscape(s) }

package catalog

import (
	"path"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// maxSlug is the longest slug minted from a title, before any collision suffix.
const maxSlug = 80

// fallbackSlug is used when neither the title nor the file name yields any ASCII letter or digit.
const fallbackSlug = "article"

// translit maps Latin letters that do not decompose into a base letter plus marks.
var translit = map[rune]string{
	'ß': "ss", 'æ': "ae", 'Æ': "ae", 'œ': "oe", 'Œ': "oe", 'ø': "o", 'Ø': "o",
	'ł': "l", 'Ł': "l", 'đ': "d", 'Đ': "d", 'ð': "d", 'Ð': "d", 'þ': "th", 'Þ': "th",
	'ı': "i", 'ĸ': "k", 'ŋ': "n", 'Ŋ': "n", 'ħ': "h", 'Ħ': "h",
}

// slugify turns text into a lowercase ASCII slug of [a-z0-9-]: accents are stripped (NFD,
// then marks dropped), apostrophes vanish so "Don't" is "dont", every other run of
// non-alphanumerics is one dash, and the result is cut to maxSlug at a word boundary.
func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == '\'' || r == '’' || r == 'ʼ':
			continue
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
			dash = false
		case translit[r] != "":
			b.WriteString(translit[r])
			dash = false
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
	}
	out := strings.TrimRight(b.String(), "-")
	if len(out) > maxSlug {
		cut := out[:maxSlug]
		if out[maxSlug] != '-' {
			if i := strings.LastIndexByte(cut, '-'); i > 0 {
				cut = cut[:i]
			}
		}
		out = strings.TrimRight(cut, "-")
	}
	return out
}

// baseSlug is the slug an article would get absent collisions: from its title, else from its
// file name without extension, else fallbackSlug.
func baseSlug(title, rel string) string {
	if s := slugify(title); s != "" {
		return s
	}
	name := path.Base(rel)
	if s := slugify(strings.TrimSuffix(name, path.Ext(name))); s != "" {
		return s
	}
	return fallbackSlug
}

// tagURI mints an RFC 4151 tag URI. The date is the first-seen day in UTC so that the id
// depends only on values stored with the entry, never on the zone or clock at read time.
func tagURI(authority string, firstSeen time.Time, slug string) string {
	return "tag:" + authority + "," + firstSeen.UTC().Format(time.DateOnly) + ":" + slug
}

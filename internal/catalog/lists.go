package catalog

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/feedpub/feedpub/internal/article"
)

// An entry's authors and categories are stored as JSON arrays (encodeLists). Reading them
// back with encoding/json was a third of an archive page's query: reflection and an object
// per value for arrays of a few short strings. decodeAuthors and decodeCategories read the
// exact shape json.Marshal writes for them when no string needs unescaping, and hand
// everything else (escapes, other spacing or keys, invalid UTF-8, older rows) to
// json.Unmarshal, so the result is always what json.Unmarshal gives; FuzzDecodeLists holds
// them to it.

// decodeAuthors reads an authors column; an empty list is nil.
func decodeAuthors(s string) ([]article.Author, error) {
	if as, ok := fastAuthors(s); ok {
		return as, nil
	}
	var as []article.Author
	if err := json.Unmarshal([]byte(s), &as); err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, nil
	}
	return as, nil
}

// decodeCategories reads a categories column; an empty list is nil.
func decodeCategories(s string) ([]string, error) {
	if cs, ok := fastStrings(s); ok {
		return cs, nil
	}
	var cs []string
	if err := json.Unmarshal([]byte(s), &cs); err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, nil
	}
	return cs, nil
}

// plainString reads the JSON string at the start of s, which must begin with '"': its value
// and the rest of s after the closing quote. ok is false when the string needs unescaping or
// decoding (a backslash, a control character, invalid UTF-8) or is not closed.
func plainString(s string) (v, rest string, ok bool) {
	if s == "" || s[0] != '"' {
		return "", "", false
	}
	ascii := true
	for i := 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			v = s[1:i]
			if !ascii && !utf8.ValidString(v) {
				return "", "", false // json.Unmarshal would replace the bad bytes
			}
			return v, s[i+1:], true
		case c == '\\' || c < 0x20:
			return "", "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", "", false
}

// fastStrings reads `["a","b"]` as json.Marshal writes a []string.
func fastStrings(s string) ([]string, bool) {
	if s == "[]" {
		return nil, true
	}
	if len(s) < 4 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, false
	}
	out := make([]string, 0, strings.Count(s, `","`)+1)
	rest := s[1:]
	for {
		v, r, ok := plainString(rest)
		if !ok || r == "" {
			return nil, false
		}
		out = append(out, v)
		switch r[0] {
		case ',':
			rest = r[1:]
		case ']':
			return out, len(r) == 1
		default:
			return nil, false
		}
	}
}

// fastAuthors reads `[{"name":"N","email":"E"},{"name":"M"}]` as json.Marshal writes a
// []article.Author.
func fastAuthors(s string) ([]article.Author, bool) {
	if s == "[]" {
		return nil, true
	}
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, false
	}
	out := make([]article.Author, 0, strings.Count(s, `{"name":`))
	rest := s[1:]
	for {
		var a article.Author
		var ok bool
		if rest, ok = strings.CutPrefix(rest, `{"name":`); !ok {
			return nil, false
		}
		if a.Name, rest, ok = plainString(rest); !ok {
			return nil, false
		}
		if r, found := strings.CutPrefix(rest, `,"email":`); found {
			if a.Email, rest, ok = plainString(r); !ok || a.Email == "" {
				return nil, false // omitempty never writes an empty one
			}
		}
		if rest, ok = strings.CutPrefix(rest, "}"); !ok || rest == "" {
			return nil, false
		}
		out = append(out, a)
		switch rest[0] {
		case ',':
			rest = rest[1:]
		case ']':
			return out, len(rest) == 1
		default:
			return nil, false
		}
	}
}

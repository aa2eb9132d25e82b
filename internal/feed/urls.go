package feed

import (
	"bytes"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// urlAttrs are the attributes whose value is a single URL. Readers resolve relative URLs
// against the feed URL, the item link, xml:base or not at all, so every one is made absolute.
var urlAttrs = [...]string{"href", "src", "poster", "cite", "action", "formaction", "background", "longdesc", "data"}

func isURLAttr(key string) bool {
	for _, a := range urlAttrs {
		if key == a {
			return true
		}
	}
	return false
}

// resolveHTML rewrites every relative URL in the fragment against base. Only start tags
// whose URLs change are re-serialized; all other bytes are copied verbatim so that the
// author's markup, entities and whitespace survive untouched.
func resolveHTML(fragment string, base *url.URL) string {
	if !strings.Contains(fragment, "=") {
		return fragment // no attributes at all: nothing to resolve
	}
	var out bytes.Buffer
	out.Grow(len(fragment) + len(fragment)/8)
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			// io.EOF is the normal end; the tokenizer never fails otherwise on a strings.Reader.
			break
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken || bytes.IndexByte(z.Raw(), '=') < 0 {
			out.Write(z.Raw()) // text, end tags and tags without attribute values: nothing to do
			continue
		}
		raw := append([]byte(nil), z.Raw()...) // Token() lowercases names in place
		tok := z.Token()
		changed := false
		kept := tok.Attr[:0]
		for _, a := range tok.Attr {
			if a.Namespace == "" {
				switch {
				case isURLAttr(a.Key):
					v, ok := resolveURL(a.Val, base)
					if !ok {
						changed = true
						continue // unparseable: drop rather than leave a relative URL behind
					}
					if v != a.Val {
						a.Val, changed = v, true
					}
				case a.Key == "srcset":
					if v := resolveSrcset(a.Val, base); v != a.Val {
						a.Val, changed = v, true
					}
				}
			}
			kept = append(kept, a)
		}
		tok.Attr = kept
		if !changed {
			out.Write(raw)
			continue
		}
		out.WriteString(tok.String())
	}
	return out.String()
}

// resolveURL returns ref made absolute against base. Absolute URLs of any scheme (http,
// mailto, data, ...) are returned unchanged; ok is false when ref cannot be parsed.
func resolveURL(ref string, base *url.URL) (string, bool) {
	s := strings.TrimSpace(ref)
	u, err := url.Parse(s)
	if err != nil {
		return "", false
	}
	if u.Scheme != "" {
		return ref, true
	}
	return base.ResolveReference(u).String(), true
}

// resolveSrcset resolves each candidate URL of a srcset attribute, keeping its descriptor.
// It follows the HTML parsing rules closely enough for real markup: candidates are separated
// by commas, a URL runs to the next whitespace, and a URL ending in commas ends its candidate.
func resolveSrcset(v string, base *url.URL) string {
	var parts []string
	s := v
	for {
		s = strings.TrimLeft(s, " \t\n\r\f,")
		if s == "" {
			break
		}
		end := strings.IndexAny(s, " \t\n\r\f")
		if end < 0 {
			end = len(s)
		}
		u := s[:end]
		s = s[end:]
		desc := ""
		if trimmed := strings.TrimRight(u, ","); trimmed != u {
			u = trimmed // "a.png," has no descriptor
		} else {
			comma := strings.IndexByte(s, ',')
			if comma < 0 {
				comma = len(s)
			}
			desc = strings.TrimSpace(s[:comma])
			s = s[comma:]
		}
		abs, ok := resolveURL(u, base)
		if !ok {
			continue
		}
		if desc != "" {
			abs += " " + desc
		}
		parts = append(parts, abs)
	}
	return strings.Join(parts, ", ")
}

package feed

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gorilla/feeds"
)

// The JSON Feed document, as gorilla builds it and jsonFeed completes it, is written here by
// hand: encoding/json's reflection and its indenting pass over the whole document were a third
// of an archive page's time. The output is byte for byte what an Encoder with SetEscapeHTML
// (false) and a two-space SetIndent wrote; TestJSONFeedMatchesEncoder holds it to that.

// jsonWriter writes indented JSON into a buffer; open records, per open object or array,
// whether it has a member yet.
type jsonWriter struct {
	b    bytes.Buffer
	open []bool
}

func (w *jsonWriter) push(c byte) {
	w.b.WriteByte(c)
	w.open = append(w.open, false)
}

func (w *jsonWriter) pop(c byte) {
	if w.open[len(w.open)-1] {
		w.newline(len(w.open) - 1)
	}
	w.open = w.open[:len(w.open)-1]
	w.b.WriteByte(c)
}

func (w *jsonWriter) newline(depth int) { writeIndent(&w.b, depth) }

// next starts a member of the innermost object or array.
func (w *jsonWriter) next() {
	top := len(w.open) - 1
	if w.open[top] {
		w.b.WriteByte(',')
	}
	w.open[top] = true
	w.newline(top + 1)
}

// key starts the member named k.
func (w *jsonWriter) key(k string) {
	w.next()
	w.b.WriteByte('"')
	w.b.WriteString(k)
	w.b.WriteString(`": `)
}

// str writes the member k: s; optional ones (omitempty) only when s is not empty.
func (w *jsonWriter) str(k, s string, optional bool) {
	if optional && s == "" {
		return
	}
	w.key(k)
	w.quote(s)
}

// quote writes s as encoding/json writes a string without HTML escaping: quotes, backslashes
// and control characters escaped, invalid UTF-8 as \ufffd, U+2028 and U+2029 escaped.
func (w *jsonWriter) quote(s string) {
	const hex = "0123456789abcdef"
	w.b.WriteByte('"')
	// In valid UTF-8 (most text) a multi-byte character needs escaping only if it is U+2028
	// or U+2029, E2 80 A8 or A9: those bytes are looked for, and no rune decoded.
	valid := utf8.ValidString(s)
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= utf8.RuneSelf && valid {
			if c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && s[i+2]&^1 == 0xA8 {
				w.b.WriteString(s[start:i])
				w.b.WriteString(`\u202`)
				w.b.WriteByte(hex[8+s[i+2]&1])
				i += 3
				start = i
				continue
			}
			i++
			continue
		}
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			w.b.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				w.b.WriteByte('\\')
				w.b.WriteByte(c)
			case '\b':
				w.b.WriteString(`\b`)
			case '\f':
				w.b.WriteString(`\f`)
			case '\n':
				w.b.WriteString(`\n`)
			case '\r':
				w.b.WriteString(`\r`)
			case '\t':
				w.b.WriteString(`\t`)
			default:
				w.b.WriteString(`\u00`)
				w.b.WriteByte(hex[c>>4])
				w.b.WriteByte(hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			w.b.WriteString(s[start:i])
			w.b.WriteString(`\ufffd`)
		case r == '\u2028' || r == '\u2029':
			w.b.WriteString(s[start:i])
			w.b.WriteString(`\u202`)
			w.b.WriteByte(hex[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	w.b.WriteString(s[start:])
	w.b.WriteByte('"')
}

// strs writes the member k as an array; optional ones only when it is not empty.
func (w *jsonWriter) strs(k string, ss []string, optional bool) {
	if optional && len(ss) == 0 {
		return
	}
	w.key(k)
	if ss == nil {
		w.b.WriteString("null")
		return
	}
	w.push('[')
	for _, s := range ss {
		w.next()
		w.quote(s)
	}
	w.pop(']')
}

func (w *jsonWriter) author(a *feeds.JSONAuthor) {
	if a == nil {
		w.b.WriteString("null")
		return
	}
	w.push('{')
	w.str("name", a.Name, true)
	w.str("url", a.Url, true)
	w.str("avatar", a.Avatar, true)
	w.pop('}')
}

func (w *jsonWriter) authors(k string, as []*feeds.JSONAuthor) {
	if len(as) == 0 {
		return
	}
	w.key(k)
	w.push('[')
	for _, a := range as {
		w.next()
		w.author(a)
	}
	w.pop(']')
}

// writeJSONFeed writes f as jsonFeed's fields, with Encoder's trailing newline.
func writeJSONFeed(f *jsonFeed, size int) ([]byte, error) {
	var w jsonWriter
	w.b.Grow(size)
	jf := f.JSONFeed
	w.push('{')
	w.str("version", jf.Version, false)
	w.str("title", jf.Title, false)
	w.str("language", jf.Language, true)
	w.str("home_page_url", jf.HomePageUrl, true)
	w.str("feed_url", jf.FeedUrl, true)
	w.str("description", jf.Description, true)
	w.str("user_comment", jf.UserComment, true)
	w.str("next_url", jf.NextUrl, true)
	w.str("icon", jf.Icon, true)
	w.str("favicon", jf.Favicon, true)
	if jf.Author != nil {
		w.key("author")
		w.author(jf.Author)
	}
	w.authors("authors", jf.Authors)
	if jf.Expired != nil {
		w.key("expired")
		w.b.WriteString(strconv.FormatBool(*jf.Expired))
	}
	if len(jf.Hubs) > 0 {
		w.key("hubs")
		w.push('[')
		for _, h := range jf.Hubs {
			w.next()
			if h == nil {
				w.b.WriteString("null")
				continue
			}
			w.push('{')
			w.str("type", h.Type, false)
			w.str("url", h.Url, false)
			w.pop('}')
		}
		w.pop(']')
	}
	w.key("items")
	if f.Items == nil {
		w.b.WriteString("null")
	} else {
		w.push('[')
		for _, it := range f.Items {
			w.next()
			if err := w.item(it); err != nil {
				return nil, err
			}
		}
		w.pop(']')
	}
	w.pop('}')
	w.b.WriteByte('\n')
	return w.b.Bytes(), nil
}

func (w *jsonWriter) item(x *jsonItem) error {
	if x == nil {
		w.b.WriteString("null")
		return nil
	}
	w.push('{')
	// The fields of gorilla's JSONItem that jsonItem does not shadow (content_html and the
	// dates), then jsonItem's own.
	if ji := x.JSONItem; ji != nil {
		w.str("id", ji.Id, false)
		w.str("url", ji.Url, true)
		w.str("external_url", ji.ExternalUrl, true)
		w.str("title", ji.Title, true)
		w.str("content_text", ji.ContentText, true)
		w.str("summary", ji.Summary, true)
		w.str("image", ji.Image, true)
		w.str("banner_", ji.BannerImage, true)
		if ji.Author != nil {
			w.key("author")
			w.author(ji.Author)
		}
		w.authors("authors", ji.Authors)
		w.strs("tags", ji.Tags, true)
		if len(ji.Attachments) > 0 {
			// Never set by jsonFeed; gorilla marshals them itself, so its bytes are indented.
			w.key("attachments")
			w.push('[')
			for i := range ji.Attachments {
				w.next()
				b, err := ji.Attachments[i].MarshalJSON()
				if err != nil {
					return err
				}
				if err := json.Indent(&w.b, b, strings.Repeat("  ", len(w.open)), "  "); err != nil {
					return err
				}
			}
			w.pop(']')
		}
	}
	w.str("content_html", x.ContentHTML, false)
	w.str("date_published", x.DatePublished, true)
	w.str("date_modified", x.DateModified, true)
	w.str("language", x.Language, true)
	w.pop('}')
	return nil
}

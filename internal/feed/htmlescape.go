package feed

import (
	"bytes"
	"strings"
)

// The index pages write their entry lists by hand rather than through html/template, which
// spent a quarter of an archive page's time on reflective calls for 100 entries. These
// escapers reproduce, byte for byte, what html/template writes for a value in HTML text or a
// quoted attribute (htmlEscaper, attrEscaper) and in a URL attribute (urlFilter, then
// urlNormalizer, then attrEscaper); TestEntryListMatchesTemplate holds them to it.

// htmlReplacement is html/template's htmlReplacementTable: every byte below '?' that HTML
// text or a quoted attribute value cannot carry as is. Bytes of multi-byte runes are all
// 0x80 or above, so a byte-wise scan replaces exactly what its rune-wise one does.
var htmlReplacement = [...]string{
	0:    "\uFFFD",
	'"':  "&#34;",
	'&':  "&amp;",
	'\'': "&#39;",
	'+':  "&#43;",
	'<':  "&lt;",
	'>':  "&gt;",
}

// htmlEscaped marks the bytes htmlReplacement replaces: one load per byte of text.
var htmlEscaped = func() (t [256]bool) {
	for c, r := range htmlReplacement {
		t[c] = r != ""
	}
	return t
}()

// writeHTMLText writes s escaped for HTML text or a quoted attribute value.
func writeHTMLText(b *bytes.Buffer, s string) {
	written := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !htmlEscaped[c] {
			continue
		}
		b.WriteString(s[written:i])
		b.WriteString(htmlReplacement[c])
		written = i + 1
	}
	b.WriteString(s[written:])
}

// writeHTMLURL writes s as the value of a quoted URL attribute: a URL of a scheme other than
// http, https or mailto is replaced by html/template's "#ZgotmplZ", bytes a URL cannot carry
// are percent-encoded (valid escapes kept), and the result is escaped as an attribute value.
func writeHTMLURL(b *bytes.Buffer, s string) {
	if scheme, _, ok := strings.Cut(s, ":"); ok && !strings.Contains(scheme, "/") &&
		!strings.EqualFold(scheme, "http") && !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "mailto") {
		s = "#ZgotmplZ"
	}
	const hex = "0123456789abcdef"
	written := 0 // s[:written] is out; the bytes after it up to i are copied as they are
	for i := 0; i < len(s); i++ {
		c := s[i]
		if urlKeep[c] || (c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2])) {
			continue
		}
		b.WriteString(s[written:i])
		written = i + 1
		switch c {
		case '&':
			b.WriteString("&amp;")
		case '+':
			b.WriteString("&#43;")
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&0xF])
		}
	}
	b.WriteString(s[written:])
}

// urlKeep marks the bytes a URL attribute carries as they are: what html/template's URL
// normalizer leaves alone and its attribute escaper does not touch. Runs of them are written
// with one copy; a byte-wise switch was a tenth of an article page's time.
var urlKeep = func() (t [256]bool) {
	for c := range 256 {
		t[c] = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			strings.IndexByte("!#$*,/:;=?@[]-._~", byte(c)) >= 0
	}
	return t
}()

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

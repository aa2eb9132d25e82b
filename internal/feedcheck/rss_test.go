package feedcheck

import (
	"strings"
	"testing"
)

func TestCheckRSSSemantics(t *testing.T) {
	doc := func(channel, item string) []byte {
		return []byte(`<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>t</title>` +
			channel + `<item><title>i</title>` + item + `</item></channel></rss>`)
	}
	for _, tc := range []struct {
		name, channel, item, err string
	}{
		{"author alone", "", "<author>a@example.org (A)</author>", ""},
		{"one creator", "", "<dc:creator>A, B</dc:creator>", ""},
		{"author and creator", "", "<author>a@example.org (A)</author><dc:creator>B</dc:creator>", "both <author> and <dc:creator>"},
		{"two creators", "", "<dc:creator>A</dc:creator><dc:creator>B</dc:creator>", "2 <dc:creator>"},
		{"category and subject", "", "<category>x</category><dc:subject>y</dc:subject>", "both <category> and <dc:subject>"},
		{"channel language twice", "<language>en</language><dc:language>en</dc:language>", "", "channel has both <language>"},
		{"creator in channel and author in item", "<dc:creator>X</dc:creator>", "<author>a@example.org (A)</author>", ""},
	} {
		err := CheckRSSSemantics(doc(tc.channel, tc.item))
		switch {
		case tc.err == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.err)
		}
	}
}

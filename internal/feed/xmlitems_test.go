package feed

import (
	"bytes"
	"encoding/xml"
	"testing"

	"github.com/gorilla/feeds"
)

// The oracles: the items as encoding/xml writes them in the place rssChannel and atomFeed put
// them, against the same documents with rssItems and atomEntries spliced in.

type rssOracle struct {
	XMLName xml.Name `xml:"rss"`
	Channel struct {
		Title string     `xml:"title"`
		Items []*rssItem `xml:"item"`
	} `xml:"channel"`
}

type rssSpliced struct {
	XMLName xml.Name `xml:"rss"`
	Channel struct {
		Title string `xml:"title"`
		Items []byte `xml:",innerxml"`
	} `xml:"channel"`
}

type atomOracle struct {
	XMLName xml.Name     `xml:"feed"`
	Title   string       `xml:"title"`
	Entries []*atomEntry `xml:"entry"`
}

type atomSpliced struct {
	XMLName xml.Name `xml:"feed"`
	Title   string   `xml:"title"`
	Entries []byte   `xml:",innerxml"`
}

func encodeIndented(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func xmlBytes(write func(w *xmlWriter)) []byte {
	var w xmlWriter
	write(&w)
	return w.b.Bytes()
}

func checkXMLItems(t *testing.T, rss []*rssItem, atom []*atomEntry) {
	t.Helper()
	var ro rssOracle
	var rs rssSpliced
	ro.Channel.Title, rs.Channel.Title = "t", "t"
	ro.Channel.Items, rs.Channel.Items = rss, xmlBytes(func(w *xmlWriter) { w.rssItems(rss) })
	if want, got := encodeIndented(t, &ro), encodeIndented(t, &rs); got != want {
		t.Errorf("rssItems differs from encoding/xml:\n got %q\nwant %q", got, want)
	}
	ao := atomOracle{Title: "t", Entries: atom}
	as := atomSpliced{Title: "t", Entries: xmlBytes(func(w *xmlWriter) { w.atomEntries(atom) })}
	if want, got := encodeIndented(t, &ao), encodeIndented(t, &as); got != want {
		t.Errorf("atomEntries differs from encoding/xml:\n got %q\nwant %q", got, want)
	}
}

// xmlItemsOf makes one RSS item and one Atom entry with every field gorilla's structs and ours
// have set to s, and one with every optional field empty.
func xmlItemsOf(s string) ([]*rssItem, []*atomEntry) {
	p := feeds.AtomPerson{Name: s, Uri: s, Email: s}
	rss := []*rssItem{
		{Title: s, Description: s, Updated: s, Author: s, Creator: s, Categories: []string{s, s + "2"},
			RssItem: &feeds.RssItem{Title: "shadowed", Link: s, Description: "shadowed", Content: &feeds.RssContent{Content: s},
				Author: "shadowed", Category: "shadowed", Comments: s, Enclosure: &feeds.RssEnclosure{Url: s, Length: s, Type: s},
				Guid: &feeds.RssGuid{Id: s, IsPermaLink: s}, PubDate: s, Source: s}},
		{RssItem: &feeds.RssItem{Content: &feeds.RssContent{}, Guid: &feeds.RssGuid{}}},
		{RssItem: &feeds.RssItem{}},
	}
	atom := []*atomEntry{
		{Lang: s, Authors: []feeds.AtomAuthor{{AtomPerson: p}, {AtomPerson: feeds.AtomPerson{Name: s}}, {}},
			Categories: []atomCategory{{Term: s}, {}},
			AtomEntry: &feeds.AtomEntry{Xmlns: s, Title: s, Updated: s, Id: s, Category: "shadowed",
				Content: &feeds.AtomContent{Content: s, Type: s}, Rights: s, Source: s, Published: s,
				Contributor: &feeds.AtomContributor{AtomPerson: p},
				Links:       []feeds.AtomLink{{Href: s, Rel: s, Type: s, Length: s}, {Href: s}},
				Summary:     &feeds.AtomSummary{Content: s, Type: s}, Author: &feeds.AtomAuthor{AtomPerson: p}}},
		{AtomEntry: &feeds.AtomEntry{Content: &feeds.AtomContent{}, Summary: &feeds.AtomSummary{},
			Contributor: &feeds.AtomContributor{}}},
		{AtomEntry: &feeds.AtomEntry{}},
	}
	return rss, atom
}

// TestXMLItemsMatchEncoder: with every field set, and with text holding every character XML
// escapes, the whitespace controls, characters XML cannot carry, invalid UTF-8 and CDATA ends,
// the hand-written items are what encoding/xml wrote.
func TestXMLItemsMatchEncoder(t *testing.T) {
	for _, s := range []string{"", "plain", `a&b<c>d"e'f`, "tab\tnl\ncr\r", "nul\x00 esc\x1b del\x7f",
		"naïve 日本 ✓ \uFFFD \U0001F600", "bad \xff\xfe utf8 \xe2\x82", "\uFFFE \uFFFF \xed\xa0\x80",
		"cdata ]]> twice ]]>]]> end ]]", "<p>see <a href=\"x\">x</a></p>"} {
		rss, atom := xmlItemsOf(s)
		checkXMLItems(t, rss, atom)
	}
	// The documents render them: a feed with its items is one of the goldens (TestGolden).
}

func FuzzXMLItems(f *testing.F) {
	f.Add("Fish & Chips <b>")
	f.Add("]]>\x00\xff")
	f.Fuzz(func(t *testing.T, s string) {
		rss, atom := xmlItemsOf(s)
		checkXMLItems(t, rss, atom)
	})
}

package feed

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/gorilla/feeds"
)

// jsonOf makes JSON Feed documents with every field gorilla's structs and ours have set to s
// (the shadowed ones too, which must not appear), and with every optional field empty.
func jsonOf(s string) []*jsonFeed {
	yes, no := true, false
	now := time.Date(2024, 7, 9, 7, 56, 0, 5, time.UTC)
	a := &feeds.JSONAuthor{Name: s, Url: s, Avatar: s}
	full := &jsonFeed{
		JSONFeed: &feeds.JSONFeed{Version: s, Title: s, Language: s, HomePageUrl: s, FeedUrl: s, Description: s,
			UserComment: s, NextUrl: s, Icon: s, Favicon: s, Author: a, Authors: []*feeds.JSONAuthor{a, {}, nil},
			Expired: &yes, Hubs: []*feeds.JSONHub{{Type: s, Url: s}, {}, nil},
			Items: []*feeds.JSONItem{{Id: "shadowed"}}},
		Items: []*jsonItem{
			{ContentHTML: s, DatePublished: s, DateModified: s, Language: s,
				JSONItem: &feeds.JSONItem{Id: s, Url: s, ExternalUrl: s, Title: s, ContentHTML: "shadowed", ContentText: s,
					Summary: s, Image: s, BannerImage: s, PublishedDate: &now, ModifiedDate: &now, Author: a,
					Authors: []*feeds.JSONAuthor{a, nil}, Tags: []string{s, ""},
					Attachments: []feeds.JSONAttachment{{Url: s, MIMEType: s, Title: s, Size: -7, Duration: time.Hour}, {}}}},
			{JSONItem: &feeds.JSONItem{Tags: []string{}}},
			{},
			nil,
		},
	}
	return []*jsonFeed{
		full,
		{JSONFeed: &feeds.JSONFeed{Expired: &no}, Items: []*jsonItem{}},
		{JSONFeed: &feeds.JSONFeed{}},
	}
}

func checkJSONFeed(t *testing.T, f *jsonFeed) {
	t.Helper()
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(f); err != nil {
		t.Fatal(err)
	}
	got, err := writeJSONFeed(f, 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want.String() {
		t.Errorf("writeJSONFeed differs from encoding/json:\n got %q\nwant %q", got, want.String())
	}
}

// TestJSONFeedMatchesEncoder: with every field set, and with text holding every character JSON
// escapes, HTML markup (left unescaped), U+2028, U+2029 and invalid UTF-8, the hand-written
// document is what encoding/json wrote.
func TestJSONFeedMatchesEncoder(t *testing.T) {
	for _, s := range []string{"", "plain", `q"b\s/`, "\x00\x01\b\f\n\r\t\x1f\x7f", "<p>a & b</p>",
		"naïve 日本 ✓ \uFFFD \U0001F600", "\u2028 \u2029", "bad \xff\xfe utf8 \xe2\x82", "\xed\xa0\x80"} {
		for _, f := range jsonOf(s) {
			checkJSONFeed(t, f)
		}
	}
}

func FuzzJSONFeed(f *testing.F) {
	f.Add("Fish & Chips <b>")
	f.Add("\u2028\x00\xff\"")
	f.Fuzz(func(t *testing.T, s string) {
		for _, jf := range jsonOf(s) {
			checkJSONFeed(t, jf)
		}
	})
}

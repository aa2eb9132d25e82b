package feedcheck

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"testing"
)

const nsDC = "http://purl.org/dc/elements/1.1/"

// duplicateSemantics are the pairs of RSS 2.0 core and Dublin Core elements that mean the same
// thing, for which the W3C Feed Validation Service warns DuplicateItemSemantics (in an item)
// or DuplicateSemantics (in the channel) when both appear: readers disagree on which one wins.
var duplicateSemantics = map[string][][2]string{
	"item": {
		{"author", "creator"}, {"category", "subject"}, {"pubDate", "date"}, {"source", "source"},
	},
	"channel": {
		{"language", "language"}, {"copyright", "rights"}, {"managingEditor", "creator"},
		{"webMaster", "publisher"}, {"pubDate", "date"}, {"lastBuildDate", "date"}, {"category", "subject"},
	},
}

// RSSSemantics fails the test when an RSS 2.0 channel or item uses a core element together with
// its Dublin Core equivalent (the validator's DuplicateSemantics warnings), or when an item
// repeats dc:creator: with several, feedparser shows only the last creator and gofeed only the
// first, so an item names all its authors in one element.
func RSSSemantics(t testing.TB, rss []byte) {
	t.Helper()
	if err := CheckRSSSemantics(rss); err != nil {
		t.Fatal(err)
	}
}

// CheckRSSSemantics is RSSSemantics without a testing.TB.
func CheckRSSSemantics(rss []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(rss))
	type scope struct {
		name  string
		core  map[string]int
		dc    map[string]int
		index int
	}
	var stack []*scope
	items := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch el := tok.(type) {
		case xml.StartElement:
			// Only direct children count: <image><title> is not the channel's title.
			if len(stack) > 0 && stack[len(stack)-1] != nil {
				top := stack[len(stack)-1]
				switch el.Name.Space {
				case "":
					top.core[el.Name.Local]++
				case nsDC:
					top.dc[el.Name.Local]++
				}
			}
			if el.Name.Space == "" && (el.Name.Local == "item" || el.Name.Local == "channel") {
				s := &scope{name: el.Name.Local, core: map[string]int{}, dc: map[string]int{}}
				if s.name == "item" {
					s.index = items
					items++
				}
				stack = append(stack, s)
			} else {
				stack = append(stack, nil)
			}
		case xml.EndElement:
			if len(stack) == 0 {
				continue
			}
			s := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if s == nil {
				continue
			}
			where := s.name
			if s.name == "item" {
				where = fmt.Sprintf("item %d", s.index)
			}
			for _, pair := range duplicateSemantics[s.name] {
				if s.core[pair[0]] > 0 && s.dc[pair[1]] > 0 {
					return fmt.Errorf("%s has both <%s> and <dc:%s> (the validator's DuplicateSemantics warning)", where, pair[0], pair[1])
				}
			}
			if s.name == "item" && s.dc["creator"] > 1 {
				return fmt.Errorf("%s has %d <dc:creator> elements; readers show only one of them", where, s.dc["creator"])
			}
		}
	}
	if items == 0 && !bytes.Contains(rss, []byte("<channel")) {
		return fmt.Errorf("not an RSS document")
	}
	return nil
}

package main

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
)

// archiveDoc is what an RFC 5005 client reads of one Atom or RSS document.
type archiveDoc struct {
	archive bool
	ids     []string
	links   map[string]string // rel -> href
}

// parseArchiveDoc reads the ids, the atom:link relations and the fh:archive marker of an Atom
// feed or an RSS channel.
func parseArchiveDoc(t testing.TB, body []byte) archiveDoc {
	t.Helper()
	type link struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	}
	type marker struct{}
	var doc struct {
		XMLName xml.Name
		Links   []link  `xml:"http://www.w3.org/2005/Atom link"`
		Archive *marker `xml:"http://purl.org/syndication/history/1.0 archive"`
		Entries []struct {
			ID string `xml:"id"`
		} `xml:"entry"`
		Channel struct {
			Links   []link  `xml:"http://www.w3.org/2005/Atom link"`
			Archive *marker `xml:"http://purl.org/syndication/history/1.0 archive"`
			Items   []struct {
				GUID string `xml:"guid"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("archive document: %v\n%s", err, body)
	}
	d := archiveDoc{links: map[string]string{}}
	links := doc.Links
	d.archive = doc.Archive != nil
	for _, e := range doc.Entries {
		d.ids = append(d.ids, e.ID)
	}
	if doc.XMLName.Local == "rss" {
		links, d.archive = doc.Channel.Links, doc.Channel.Archive != nil
		for _, it := range doc.Channel.Items {
			d.ids = append(d.ids, it.GUID)
		}
	}
	for _, l := range links {
		d.links[l.Rel] = l.Href
	}
	return d
}

// archiveWalk is what following a feed's archive from its subscription document found.
type archiveWalk struct {
	ids   map[string]int    // entry id -> times seen across the archive documents
	pages map[string][]byte // archive document URL path -> bytes
	order []string          // archive document paths, newest first
}

// walkArchive follows prev-archive from the subscription document at path, as an RFC 5005
// client does, checking each archive document's marker and current link on the way. Entries
// are counted over the archive documents only: together they hold every entry of the feed,
// and the subscription document repeats the newest of them.
func walkArchive(t testing.TB, d *daemon, path string) archiveWalk {
	t.Helper()
	w := archiveWalk{ids: map[string]int{}, pages: map[string][]byte{}}
	resp, body := d.get(path)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	sub := parseArchiveDoc(t, body)
	if sub.archive || sub.links["self"] != d.base+path {
		t.Fatalf("%s: archive marker %v, self %q", path, sub.archive, sub.links["self"])
	}
	next := sub.links["prev-archive"]
	newer := ""
	for next != "" {
		p := strings.TrimPrefix(next, d.base)
		if _, seen := w.pages[p]; seen {
			t.Fatalf("%s: prev-archive loops back to %s", path, p)
		}
		resp, body := d.get(p)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", p, resp.Status)
		}
		doc := parseArchiveDoc(t, body)
		if !doc.archive || doc.links["current"] != d.base+path || doc.links["self"] != next || doc.links["next-archive"] != newer {
			t.Fatalf("%s: archive %v links %v (newer %q)", p, doc.archive, doc.links, newer)
		}
		for _, id := range doc.ids {
			w.ids[id]++
		}
		w.pages[p], w.order = body, append(w.order, p)
		newer, next = next, doc.links["prev-archive"]
	}
	for id, n := range w.ids {
		if n != 1 {
			t.Errorf("%s: entry %s is in %d archive documents", path, id, n)
		}
	}
	// The subscription document adds nothing the archive lacks.
	for _, id := range sub.ids {
		if w.ids[id] == 0 {
			t.Errorf("%s: entry %s is in no archive document", path, id)
		}
	}
	return w
}

// walkJSONPages follows next_url from a JSON Feed and returns how often each id was seen on
// the pages after the first.
func walkJSONPages(t testing.TB, d *daemon, path string) map[string]int {
	t.Helper()
	ids := map[string]int{}
	next, first := d.base+path, true
	for n := 0; next != ""; n++ {
		if n > 1000 {
			t.Fatalf("%s: next_url does not end", path)
		}
		resp, body := d.get(strings.TrimPrefix(next, d.base))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s", next, resp.Status)
		}
		var jf struct {
			FeedURL string `json:"feed_url"`
			NextURL string `json:"next_url"`
			Items   []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if err := json.Unmarshal(body, &jf); err != nil {
			t.Fatal(err)
		}
		if jf.FeedURL != d.base+path {
			t.Fatalf("%s: feed_url %q", next, jf.FeedURL)
		}
		if !first {
			for _, it := range jf.Items {
				ids[it.ID]++
			}
		}
		first, next = false, jf.NextURL
	}
	return ids
}

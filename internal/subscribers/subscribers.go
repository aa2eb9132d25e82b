// Package subscribers reads the subscriber counts that hosted feed readers (Feedly,
// Inoreader, NewsBlur, Feedbin, The Old Reader, ...) announce in their User-Agent on every poll,
// and keeps, per feed, the latest count of each reader. It stores a reader's name and number
// only: never an address or a whole User-Agent.
package subscribers

import (
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxScan bounds how much of a User-Agent is read; real ones with counts are under 300 bytes.
const maxScan = 1024

// maxCount is the largest count believed; anything larger is a made-up header.
const maxCount = 100_000_000

// known maps a lowercase mark found in a User-Agent to the reader's name. Checked in order, so
// a reader that mentions another ("like FeedFetcher-Google") is named by its own mark first.
var known = []struct{ mark, name string }{
	{"feedly", "Feedly"},
	{"inoreader", "Inoreader"},
	{"newsblur", "NewsBlur"},
	{"feedbin", "Feedbin"},
	{"theoldreader", "The Old Reader"},
	{"bazqux", "BazQux"},
	{"feed wrangler", "Feed Wrangler"},
	{"bloglovin", "Bloglovin"},
	{"feedspot", "Feedspot"},
	{"netvibes", "Netvibes"},
	{"feedfetcher-google", "Google Feedfetcher"},
}

// Parse returns the reader a User-Agent names and the number of subscribers it says it polls
// for ("N subscribers", "N subscriber"; digits may be grouped with commas). ok is false when the
// User-Agent reports no count. A reader that is not known by name is named by its first product
// token, cleaned to letters, digits and " .-_" and at most 40 bytes.
func Parse(ua string) (reader string, count int, ok bool) {
	if len(ua) > maxScan {
		ua = ua[:maxScan]
	}
	count, ok = findCount(ua)
	if !ok {
		return "", 0, false
	}
	return name(ua), count, true
}

// findCount finds the first "<number> subscriber" in s.
func findCount(s string) (int, bool) {
	for off := 0; off < len(s); {
		i := strings.Index(s[off:], "ubscriber")
		if i < 0 {
			return 0, false
		}
		i += off
		off = i + len("ubscriber")
		if i == 0 || (s[i-1] != 's' && s[i-1] != 'S') {
			continue
		}
		// After the word: end, "s", or a separator (not "subscriberCount=...").
		if rest := s[off:]; rest != "" {
			if rest[0] == 's' {
				rest = rest[1:]
			}
			if rest != "" && isWordByte(rest[0]) {
				continue
			}
		}
		j := i - 1 // at the 's'
		sp := j
		for sp > 0 && s[sp-1] == ' ' {
			sp--
		}
		if sp == j || sp == 0 {
			continue // "5subscribers" or nothing before
		}
		end := sp
		k := end
		for k > 0 && (isDigit(s[k-1]) || s[k-1] == ',') {
			k--
		}
		if k > 0 && isWordByte(s[k-1]) {
			continue // part of a longer token, e.g. "id42 subscribers"
		}
		digits := strings.ReplaceAll(s[k:end], ",", "")
		if digits == "" || !isDigit(s[k]) {
			continue
		}
		n, err := strconv.Atoi(digits)
		if err != nil || n > maxCount {
			continue
		}
		return n, true
	}
	return 0, false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func name(ua string) string {
	lower := strings.ToLower(ua)
	for _, k := range known {
		if strings.Contains(lower, k.mark) {
			return k.name
		}
	}
	// The first product token that is not the browser-compatibility boilerplate.
	for _, tok := range strings.FieldsFunc(ua, func(r rune) bool { return r == ' ' || r == ';' || r == '(' || r == ')' }) {
		tok, _, _ = strings.Cut(tok, "/")
		switch strings.ToLower(tok) {
		case "", "mozilla", "compatible", "+http:", "+https:", "http:", "https:", "-", "subscriber", "subscribers":
			continue
		}
		if isDigit(tok[0]) || tok[0] == '+' {
			continue
		}
		if n := clean(tok); n != "" {
			return n
		}
	}
	return "unknown"
}

// clean keeps a stranger-given name short and printable in metrics labels and JSON.
func clean(s string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < 40; i++ {
		c := s[i]
		if isWordByte(c) || c == ' ' || c == '.' || c == '-' {
			b.WriteByte(c)
		}
	}
	return strings.TrimSpace(b.String())
}

// Defaults of a Tracker.
const (
	DefaultMaxAge     = 7 * 24 * time.Hour // a count not reported again for this long is dropped
	DefaultMaxReaders = 32                 // readers kept per feed; a flood of made-up names stops here
	DefaultMaxFeeds   = 1024               // feeds kept; polls with counts of other paths stop here
)

// Tracker keeps the latest count of each reader per feed. It is safe for concurrent use.
type Tracker struct {
	MaxAge     time.Duration
	MaxReaders int
	MaxFeeds   int
	Now        func() time.Time

	mu    sync.Mutex
	feeds map[string]map[string]seen
}

type seen struct {
	count int
	at    time.Time
}

// Seen records the count in ua, if it reports one, as the latest for its reader on feed. It
// costs one substring search for a User-Agent without a count, the common case.
func (t *Tracker) Seen(feed, ua string) {
	if !strings.Contains(ua, "ubscriber") {
		return
	}
	reader, n, ok := Parse(ua)
	if !ok {
		return
	}
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.feeds == nil {
		t.feeds = map[string]map[string]seen{}
	}
	m := t.feeds[feed]
	if m == nil {
		maxFeeds := t.MaxFeeds
		if maxFeeds <= 0 {
			maxFeeds = DefaultMaxFeeds
		}
		if len(t.feeds) >= maxFeeds {
			return
		}
		m = map[string]seen{}
		t.feeds[feed] = m
	}
	if _, ok := m[reader]; !ok && len(m) >= t.maxReaders() {
		t.prune(m, now)
		if len(m) >= t.maxReaders() {
			return
		}
	}
	m[reader] = seen{count: n, at: now}
}

func (t *Tracker) now() time.Time {
	if t.Now != nil {
		return t.Now()
	}
	return time.Now()
}

func (t *Tracker) maxReaders() int {
	if t.MaxReaders > 0 {
		return t.MaxReaders
	}
	return DefaultMaxReaders
}

func (t *Tracker) prune(m map[string]seen, now time.Time) {
	age := t.MaxAge
	if age <= 0 {
		age = DefaultMaxAge
	}
	for r, s := range m {
		if now.Sub(s.at) > age {
			delete(m, r)
		}
	}
}

// Reader is one reader's latest count on a feed.
type Reader struct {
	Name        string    `json:"name"`
	Subscribers int       `json:"subscribers"`
	Seen        time.Time `json:"seen"` // when it last reported the count
}

// Feed is what is known of one feed's subscribers.
type Feed struct {
	Feed        string   `json:"feed"`
	Subscribers int      `json:"subscribers"` // the sum over the readers
	Readers     []Reader `json:"readers"`     // the largest first
}

// Snapshot returns every feed's readers, feeds in name order, dropping counts older than MaxAge.
func (t *Tracker) Snapshot() []Feed {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Feed, 0, len(t.feeds))
	for feed, m := range t.feeds {
		t.prune(m, now)
		if len(m) == 0 {
			delete(t.feeds, feed) // frees its place under MaxFeeds
			continue
		}
		f := Feed{Feed: feed, Readers: make([]Reader, 0, len(m))}
		for r, s := range m {
			f.Readers = append(f.Readers, Reader{Name: r, Subscribers: s.count, Seen: s.at.UTC().Truncate(time.Second)})
			f.Subscribers += s.count
		}
		sort.Slice(f.Readers, func(i, k int) bool {
			a, b := f.Readers[i], f.Readers[k]
			if a.Subscribers != b.Subscribers {
				return a.Subscribers > b.Subscribers
			}
			return a.Name < b.Name
		})
		out = append(out, f)
	}
	sort.Slice(out, func(i, k int) bool { return out[i].Feed < out[k].Feed })
	return out
}

// ServeHTTP answers with the Snapshot as JSON, {"feeds": [...]}: the stats page.
func (t *Tracker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := json.Marshal(struct {
		Feeds []Feed `json:"feeds"`
	}{t.Snapshot()})
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(append(body, '\n'))
}

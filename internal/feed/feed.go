// Package feed renders the catalog's entries as RSS 2.0, Atom 1.0 and JSON Feed 1.1 files and
// as plain HTML pages, byte-for-byte deterministically. It is the only package built on
// gorilla/feeds and it fills that library's gaps (self links, typed guids, authors, absolute
// URLs, no empty or random elements) so that strict readers accept every file.
package feed

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/article"
	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/slug"
)

// Content types of the files, as the server should send them.
const (
	ContentTypeRSS  = "application/rss+xml; charset=utf-8"
	ContentTypeAtom = "application/atom+xml; charset=utf-8"
	ContentTypeJSON = "application/feed+json; charset=utf-8"
	ContentTypeHTML = "text/html; charset=utf-8"
)

// Names of the files Feeds returns, relative to Site.BaseURL.
const (
	NameRSS   = "rss.xml"
	NameAtom  = "atom.xml"
	NameJSON  = "feed.json"
	NameIndex = "index.html"
	NameIcon  = "favicon.ico" // where the site icon is served, whatever its format
)

const (
	generatorName = "feedpub"
	generatorURI  = "https://github.com/feedpub/feedpub"
)

// Site describes the publication as a whole.
type Site struct {
	Title       string
	Description string
	BaseURL     string // absolute http(s) URL; normalized to end with "/"
	Language    string // BCP 47, e.g. "en"; optional
	FeedID      string // Atom feed <id>: stable, distinct from any link (a tag: URI)
	// Author is the publication's author. Entries that name none carry no author: RSS and
	// JSON Feed then name nobody (readers would show it as every article's byline), and only
	// Atom, whose RFC 4287 requires an author for every entry, names the feed's, which is
	// Author with Title for an empty Name. JSON Feed's feed-level author is written only when
	// Author.Name is set.
	Author article.Author
	// Location is the zone pages show dates in, unless an article wrote its date with an
	// offset of its own; nil means UTC. Feeds carry UTC, which every reader converts.
	Location *time.Location
	// Icon says the site has an icon, served at NameIcon below BaseURL, which the feeds name
	// (Atom <icon>, RSS <image>, JSON Feed icon and favicon) and the pages link.
	Icon bool
	// Hubs are the WebSub hubs every subscription feed names (Atom and RSS <link rel="hub">,
	// JSON Feed "hubs", the HTTP Link header); each is checked by HubURL.
	Hubs []string
	// FeedBytes is the byte budget of a feed's full text (budget.go): the newest entries
	// whose text fits carry it, the rest their summary. 0 means no budget; the feed_bytes
	// setting starts from DefaultFeedBytes.
	FeedBytes int

	// GeneratorVersion is the daemon's version for the Atom <generator version> attribute and
	// the RSS <generator>; optional, and omitted when empty so tests stay stable.
	GeneratorVersion string
}

// File is one rendered output, named by its path below Site.BaseURL.
type File struct {
	Name        string // "rss.xml", "atom.xml", "feed.json", "index.html", "articles/<slug>.html"
	ContentType string
	Body        []byte
	// Self is a subscription feed's absolute URL: its WebSub topic. "" for other files.
	Self string
	// Hubs are the WebSub hubs of a subscription feed (Site.Hubs); nil for archive pages,
	// HTML pages, and feeds of a site without hubs.
	Hubs []string
}

// Link is the value of the HTTP Link header a subscription feed is served with (RFC 8288, as
// WebSub discovery reads it): each hub as rel="hub" and the feed as rel="self". It is "" for
// a file without hubs.
func (f File) Link() string {
	if len(f.Hubs) == 0 {
		return ""
	}
	var b strings.Builder
	for _, h := range f.Hubs {
		b.WriteString("<" + h + `>; rel="hub", `)
	}
	b.WriteString("<" + f.Self + `>; rel="self"`)
	return b.String()
}

// Renderer renders feeds and pages for one Site. It holds no mutable state after New, so
// one Renderer may be used from several goroutines at once.
type Renderer struct {
	site    Site
	base    *url.URL
	author  article.Author // Site.Author with its Name defaulted
	rssURL  string
	atomURL string
	jsonURL string
	iconURL string // "" without Site.Icon
}

// langShape is a loose BCP 47 shape check, ^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$: enough to
// keep garbage out of xml:lang and <html lang>. It is written out rather than a regexp because
// every entry of every page is checked (TestLangShape holds it to the expression).
func langShape(s string) bool {
	n := 0 // length of the current subtag
	first := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '-':
			if n == 0 {
				return false
			}
			n, first = 0, false
			continue
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && !first:
		default:
			return false
		}
		if n++; n > 8 {
			return false
		}
	}
	return n > 0
}

// emailShape is the shape Atom's schema requires of <email> (".+@.+"), without spaces or the
// parentheses that would break RSS's "email (Name)": ^[^\s@()<>]+@[^\s@()<>]+$, written out
// as langShape is (TestEmailShape holds it to the expression).
func emailShape(s string) bool {
	at := -1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '@':
			if at >= 0 {
				return false
			}
			at = i
		case ' ', '\t', '\n', '\f', '\r', '(', ')', '<', '>':
			return false
		}
	}
	return at > 0 && at < len(s)-1
}

// BaseURL checks a base URL and returns it in the form links are made from: an absolute
// http(s) URL without user, query or fragment, its path ending in "/". It is the one judge of
// a base URL; settings call it too, so a bad one is refused where it is written.
func BaseURL(raw string) (string, error) {
	base, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("feed: base URL: %w", err)
	}
	if (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.User != nil {
		return "", fmt.Errorf("feed: base URL %q is not an absolute http(s) URL", raw)
	}
	if base.RawQuery != "" || base.Fragment != "" {
		return "", fmt.Errorf("feed: base URL %q has a query or fragment", raw)
	}
	if !strings.HasSuffix(base.Path, "/") {
		base.Path += "/"
		base.RawPath = ""
	}
	return base.String(), nil
}

// HubURL checks a WebSub hub URL and returns it as feeds name it: an absolute http(s) URL
// without user or fragment, in the escaped form that is safe inside XML and a Link header.
// It is the one judge of a hub URL; settings call it too.
func HubURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("feed: hub URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.Fragment != "" {
		return "", fmt.Errorf("feed: hub URL %q is not an absolute http(s) URL without user or fragment", raw)
	}
	s := u.String()
	if strings.ContainsAny(s, "<>\" \t\r\n,;") {
		// url.String leaves sub-delimiters alone; these would split a Link header value.
		return "", fmt.Errorf("feed: hub URL %q contains a character a Link header cannot carry", raw)
	}
	return s, nil
}

// New validates site and prepares a Renderer. Templates are parsed here, once, so that a
// broken template is a start-up error rather than a failure on the first publication.
func New(site Site) (*Renderer, error) {
	site.Title = strings.TrimSpace(article.CleanText(site.Title))
	site.Description = strings.TrimSpace(article.CleanText(site.Description))
	site.Language = strings.TrimSpace(site.Language)
	site.FeedID = strings.TrimSpace(site.FeedID)
	site.Author.Name = strings.TrimSpace(article.CleanText(site.Author.Name))
	site.Author.Email = strings.TrimSpace(article.CleanText(site.Author.Email))
	site.GeneratorVersion = strings.TrimSpace(article.CleanText(site.GeneratorVersion))
	if site.Title == "" {
		return nil, errors.New("feed: site title is empty")
	}
	var err error
	site.BaseURL, err = BaseURL(site.BaseURL)
	if err != nil {
		return nil, err
	}
	base, _ := url.Parse(site.BaseURL) // BaseURL parsed it already
	hubs := make([]string, 0, len(site.Hubs))
	for _, h := range site.Hubs {
		h, err := HubURL(h)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(hubs, h) {
			hubs = append(hubs, h)
		}
	}
	site.Hubs = nil
	if len(hubs) > 0 {
		site.Hubs = hubs
	}
	if site.Language != "" && !langShape(site.Language) {
		return nil, fmt.Errorf("feed: language %q is not a BCP 47 tag", site.Language)
	}
	// The Atom id must be an absolute IRI that never changes; using a link would tie the
	// feed's identity to where it is hosted, so links are refused.
	id, err := url.Parse(site.FeedID)
	if site.FeedID == "" || err != nil || id.Scheme == "" || strings.ContainsAny(site.FeedID, " \t\r\n") {
		return nil, fmt.Errorf("feed: feed id %q is not an absolute URI (use a tag: URI)", site.FeedID)
	}
	if site.Location == nil {
		site.Location = time.UTC
	}
	r := &Renderer{
		site:    site,
		base:    base,
		author:  site.Author,
		rssURL:  site.BaseURL + NameRSS,
		atomURL: site.BaseURL + NameAtom,
		jsonURL: site.BaseURL + NameJSON,
	}
	if r.author.Name == "" {
		r.author.Name = site.Title
	}
	if site.Icon {
		r.iconURL = site.BaseURL + NameIcon
	}

	if site.Author.Email != "" && !emailShape(site.Author.Email) {
		return nil, fmt.Errorf("feed: site author e-mail %q is not an address", site.Author.Email)
	}
	switch site.FeedID {
	case site.BaseURL, r.rssURL, r.atomURL, r.jsonURL, site.BaseURL + NameIndex, site.BaseURL + NameIcon:
		return nil, fmt.Errorf("feed: feed id %q must differ from the site's links", site.FeedID)
	}
	return r, nil
}

// Site returns the normalized site the Renderer was made with.
func (r *Renderer) Site() Site { return r.site }

// PageURL returns the absolute URL of an article's page, the slug percent-encoded.
func (r *Renderer) PageURL(s string) string { return PageURL(r.site.BaseURL, s) }

// PageURL is the absolute URL of the page of the article named s on the site at baseURL (as
// BaseURL returns it, ending in "/").
func PageURL(baseURL, s string) string {
	return baseURL + PagesDir + slug.Escape(s) + ".html"
}

// PagesDir is the folder, below Site.BaseURL, that holds the article pages.
const PagesDir = "articles/"

// PageName is the name of an article's page below Site.BaseURL: the file Page renders, and
// what an output deletes when the article is removed.
func PageName(s string) string {
	return PagesDir + s + ".html"
}

// Feeds renders the root feed's rss.xml, atom.xml, feed.json and index.html, in that order,
// without archive links. Entries are taken as given (newest first, already limited); removed
// entries are skipped so that a caller's slip cannot republish a withdrawn article. updated
// is the feed-level date; when zero, the newest entry date is used, and the Unix epoch when
// there are no entries.
func (r *Renderer) Feeds(entries []catalog.Entry, updated time.Time) ([]File, error) {
	return r.Subscription(Channel{Kind: catalog.KindRoot}, entries, updated)
}

// items prepares entries for rendering, skipping removed ones and refusing duplicate ids.
// Without content the entries carry everything but their text (see ArchivePage).
func (r *Renderer) items(entries []catalog.Entry, content bool) ([]item, error) {
	items := make([]item, 0, len(entries))
	seen := make(map[string]bool, len(entries))
	for i := range entries {
		if entries[i].Removed {
			continue
		}
		it, err := r.prepare(&entries[i], content)
		if err != nil {
			return nil, err
		}
		// What the three formats write alike is made once here.
		it.publishedStamp = rfc3339(it.published)
		it.updatedStamp = it.publishedStamp // most entries were never changed
		if !it.updated.Equal(it.published) {
			it.updatedStamp = rfc3339(it.updated)
		}
		it.summaryHTML = escapeHTML(it.summary)
		if seen[it.id] {
			return nil, fmt.Errorf("feed: duplicate entry id %q", it.id)
		}
		seen[it.id] = true
		items = append(items, it)
	}
	return items, nil
}

func feedUpdated(updated time.Time, items []item) time.Time {
	if !updated.IsZero() {
		return updated.UTC().Truncate(time.Second)
	}
	for _, it := range items {
		if it.updated.After(updated) {
			updated = it.updated
		}
	}
	if updated.IsZero() {
		return time.Unix(0, 0).UTC()
	}
	return updated
}

// item is an entry prepared once for all formats: text cleaned, URLs resolved, dates in UTC
// at whole seconds (RSS dates cannot carry more, and all formats must agree).
type item struct {
	id, slug, link     string
	title, summary     string
	content            string           // HTML with absolute URLs
	authors            []article.Author // none when the entry names none
	categories         []string
	published, updated time.Time
	lang               string         // the entry's language; the site's unless it has its own
	zone               *time.Location // where its page shows its dates

	// Set by items for the feeds: the dates in RFC 3339, and the summary as HTML text.
	publishedStamp, updatedStamp string
	summaryHTML                  string
}

// prepare makes an item of e; without content it carries no text, as if e had none.
func (r *Renderer) prepare(e *catalog.Entry, content bool) (item, error) {
	if err := checkSlug(e.Slug); err != nil {
		return item{}, err
	}
	it := item{
		id:      strings.TrimSpace(article.CleanText(e.ID)),
		slug:    e.Slug,
		link:    r.PageURL(e.Slug),
		title:   strings.TrimSpace(article.CleanText(e.Title)),
		summary: strings.TrimSpace(article.CleanText(e.Summary)),
	}
	if it.id == "" {
		return item{}, fmt.Errorf("feed: entry %q has no id", e.Slug)
	}
	if content && e.ContentHTML != "" {
		page, _ := url.Parse(it.link) // built from a validated base and an escaped slug
		it.content = resolveHTML(article.CleanText(e.ContentHTML), page)
	}
	for _, a := range e.Authors {
		a.Name = strings.TrimSpace(article.CleanText(a.Name))
		a.Email = strings.TrimSpace(article.CleanText(a.Email))
		if !emailShape(a.Email) {
			a.Email = "" // Atom's schema rejects anything without an @; the name still stands
		}
		if a.Name == "" && a.Email == "" {
			continue
		}
		if a.Name == "" {
			a.Name = a.Email // every format wants a name; the address is the best one known
		}
		it.authors = append(it.authors, a)
	}
	for _, c := range e.Categories {
		if c = strings.TrimSpace(article.CleanText(c)); c != "" {
			it.categories = append(it.categories, c)
		}
	}
	// Published falls back to when the catalog first saw the file, then to Updated; Updated
	// never precedes Published.
	it.published = firstNonZero(e.Published, e.FirstSeen, e.Updated).UTC().Truncate(time.Second)
	it.updated = e.Updated.UTC().Truncate(time.Second)
	if it.updated.Before(it.published) {
		it.updated = it.published
	}
	if it.published.IsZero() {
		return item{}, fmt.Errorf("feed: entry %q has no date", e.Slug)
	}
	it.lang = r.entryLanguage(e)
	it.zone = r.site.Location
	if e.PublishedZone != nil {
		it.zone = e.PublishedZone
	}
	return it, nil
}

// entryLanguage is the language an entry is shown in: its own when it declared one or its
// script names one that is not the site's (article.DetectLanguageIn), else the site's.
// Entries stored without a language (Latin-script ones, and all stored before languages were
// recorded) are judged by their script here, so that they need no re-reading. A bare detected
// tag ("ko") yields to the site's fuller tag for the same language ("ko-KR").
func (r *Renderer) entryLanguage(e *catalog.Entry) string {
	lang := e.Language
	if lang == "" {
		lang = article.DetectLanguageIn(r.site.Language, e.Title, e.Summary)
	}
	if lang == "" || !langShape(lang) ||
		(!strings.Contains(lang, "-") && article.SameLanguage(lang, r.site.Language)) {
		return r.site.Language
	}
	return lang
}

// checkSlug refuses a slug the slug rule could not have made: it is about to become a file
// name and a URL.
func checkSlug(s string) error {
	if !slug.Valid(s) {
		return fmt.Errorf("feed: unusable slug %q", s)
	}
	return nil
}

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// authorNames joins names for the HTML pages.
func authorNames(as []article.Author) string {
	if len(as) == 1 {
		return as[0].Name // the common byline, without a slice to join
	}
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Name
	}
	return strings.Join(names, ", ")
}

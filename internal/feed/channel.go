package feed

import (
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
)

// ArchiveSize is the number of entries on each archive page. It is part of every archive URL's
// meaning (page k holds the entries that joined the feed k*ArchiveSize..k*ArchiveSize+
// ArchiveSize-1), so changing it rewrites every archive page readers have cached.
const ArchiveSize = 100

// Channel is one feed to render: the root, a section, an author or a tag.
type Channel struct {
	Kind        catalog.FeedKind
	Slug        string // catalog.Feed.Slug; "" for the root
	Title       string // the section's, author's or tag's own title; "" for the root
	Description string
	Pages       int // archive pages: ceil(catalog.Feed.Ords / ArchiveSize)
	// Related are the feeds its index page lists (the root's sections, a section's
	// subsections). Only the subscription index page lists them: an archive page's bytes
	// depend on its members alone, so that it can be written once, as soon as it is full,
	// and is never stale when a section is added later.
	Related []Related
}

// ChannelOf is the Channel of a catalog feed, titled by its name (a section by its folder's
// own name); callers set a section's Title and Description from its section file.
func ChannelOf(f catalog.Feed) Channel {
	ch := Channel{Kind: f.Kind, Slug: f.Slug, Title: f.Name, Pages: Pages(f.Ords)}
	if f.Kind == catalog.KindSection {
		ch.Title = path.Base(f.Name)
	}
	return ch
}

// fullText says whether a document carries its entries' full text: the subscription documents
// of the root and of sections do. Author and tag feeds, and every archive page, carry the rest
// of each entry (title, link, dates, authors, categories, summary) and leave the text to the
// article's page: an article is in a handful of author and tag feeds and in every archive above
// it, and its text in each would multiply the site's size by as much (100,000 articles in 1,600
// feeds wrote 5.3 GB with it, most of the cold build's time).
func (ch Channel) fullText(page int) bool {
	return page < 0 && (ch.Kind == catalog.KindRoot || ch.Kind == catalog.KindSection || ch.Kind == "")
}

// Pages is the number of archive pages of a feed that has given ords ordinals.
func Pages(ords int64) int { return int((ords + ArchiveSize - 1) / ArchiveSize) }

// reservedSegments are the names feedpub itself uses inside a section's directory; a folder so
// named is given a "_" prefix, as is every folder whose name starts with "_", so the mapping
// from folder to URL segment is one-to-one and no folder can overwrite a feed file.
var reservedSegments = map[string]bool{NameRSS: true, NameAtom: true, NameJSON: true, NameIndex: true, "archive": true}

// Dir returns the directory, relative to the base URL and the output directory, that holds a
// feed's files: "" for the root, "sections/<folder path>/", "authors/<slug>/", "tags/<slug>/".
// It is the one rule for where a feed lives. Segments are not URL-escaped.
func Dir(kind catalog.FeedKind, slug string) string {
	switch kind {
	case catalog.KindSection:
		segs := strings.Split(slug, "/")
		for i, s := range segs {
			if reservedSegments[s] || strings.HasPrefix(s, "_") {
				segs[i] = "_" + s
			}
		}
		return "sections/" + strings.Join(segs, "/") + "/"
	case catalog.KindAuthor:
		return "authors/" + slug + "/"
	case catalog.KindTag:
		return "tags/" + slug + "/"
	}
	return ""
}

// ParseDir is the inverse of Dir for a URL path below the base (already unescaped, without
// the file name): it returns the feed's kind and slug, and false when dir names no feed.
func ParseDir(dir string) (catalog.FeedKind, string, bool) {
	if dir == "" {
		return catalog.KindRoot, "", true
	}
	if !strings.HasSuffix(dir, "/") {
		return "", "", false
	}
	first, rest, _ := strings.Cut(strings.TrimSuffix(dir, "/"), "/")
	if rest == "" {
		return "", "", false
	}
	switch first {
	case "authors", "tags":
		if strings.Contains(rest, "/") {
			return "", "", false
		}
		if first == "authors" {
			return catalog.KindAuthor, rest, true
		}
		return catalog.KindTag, rest, true
	case "sections":
		segs := strings.Split(rest, "/")
		for i, s := range segs {
			switch {
			case s == "" || s == "." || s == "..":
				return "", "", false
			case strings.HasPrefix(s, "_"):
				segs[i] = s[1:]
			case reservedSegments[s]:
				return "", "", false
			}
		}
		slug := strings.Join(segs, "/")
		if Dir(catalog.KindSection, slug) != dir {
			return "", "", false // "_x" for a folder x that needs no escape: not its spelling
		}
		return catalog.KindSection, slug, true
	}
	return "", "", false
}

// escapeDir URL-escapes each segment of a Dir.
func escapeDir(dir string) string {
	segs := strings.Split(dir, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// Archive file names inside a feed's directory, for page k.
func archiveName(k int, ext string) string { return "archive/" + strconv.Itoa(k) + ext }

const (
	extAtom = ".xml"
	extRSS  = ".rss"
	extJSON = ".json"
	extHTML = ".html"
)

// links are the URLs one document of one format carries.
type links struct {
	self    string
	prev    string // prev-archive: the next older archive page
	next    string // next-archive: the next newer archive page
	current string // the subscription document, from an archive page
}

// chanInfo is a Channel resolved into what every format writes.
type chanInfo struct {
	title, description string
	id                 string   // Atom feed id
	home               string   // the HTML page this document belongs to
	archive            bool     // an archive document (RFC 5005's fh:archive)
	hubs               []string // the WebSub hubs a subscription document names; nil on archive pages
	rss, atom, json    links
	html               links
	dir                string // Dir of the feed
}

// info resolves ch for the subscription document (page < 0) or archive page page.
func (r *Renderer) info(ch Channel, page int) (*chanInfo, error) {
	if page >= ch.Pages {
		return nil, fmt.Errorf("feed: archive page %d of %d", page, ch.Pages)
	}
	dir := Dir(ch.Kind, ch.Slug)
	ci := &chanInfo{title: r.site.Title, description: r.site.Description, id: r.site.FeedID, dir: dir}
	if ch.Kind != catalog.KindRoot && ch.Kind != "" {
		title := strings.TrimSpace(ch.Title)
		if title == "" {
			title = ch.Slug
		}
		ci.title = title + " — " + r.site.Title
		ci.description = strings.TrimSpace(ch.Description)
		ci.id = r.site.FeedID + "/" + escapeDir(dir)
	}
	base := r.site.BaseURL + escapeDir(dir)
	sub := map[string]string{extRSS: base + NameRSS, extAtom: base + NameAtom, extJSON: base + NameJSON, extHTML: base}
	set := func(l *links, ext string) {
		arch := func(k int) string { return base + archiveName(k, ext) }
		if page < 0 {
			l.self = sub[ext]
			if ch.Pages > 0 {
				l.prev = arch(ch.Pages - 1)
			}
			return
		}
		l.self, l.current = arch(page), sub[ext]
		if page > 0 {
			l.prev = arch(page - 1)
		}
		if page < ch.Pages-1 {
			l.next = arch(page + 1)
		}
	}
	set(&ci.rss, extRSS)
	set(&ci.atom, extAtom)
	set(&ci.json, extJSON)
	set(&ci.html, extHTML)
	ci.home = sub[extHTML]
	ci.archive = page >= 0
	if !ci.archive {
		ci.hubs = r.site.Hubs
	}
	return ci, nil
}

// Subscription renders a feed's subscription documents (rss.xml, atom.xml, feed.json and the
// index.html page, in that order, in the feed's Dir): entries are its newest, newest first;
// each links to the feed's newest archive page. updated is the feed-level date as in Feeds.
func (r *Renderer) Subscription(ch Channel, entries []catalog.Entry, updated time.Time) ([]File, error) {
	return r.render(ch, -1, entries, updated)
}

// ArchivePage renders archive page k of a feed (archive/<k>.rss, .xml, .json and .html in its
// Dir) from the entries that joined the feed at ordinals k*ArchiveSize.. (newest first). Its
// bytes depend only on those entries and on whether a newer page exists, so a page is written
// once and changes only when an entry on it is edited or leaves the feed. Archive entries carry
// no full text (see fullText).
func (r *Renderer) ArchivePage(ch Channel, k int, entries []catalog.Entry) ([]File, error) {
	if k < 0 {
		return nil, fmt.Errorf("feed: archive page %d", k)
	}
	return r.render(ch, k, entries, time.Time{})
}

func (r *Renderer) render(ch Channel, page int, entries []catalog.Entry, updated time.Time) ([]File, error) {
	ci, err := r.info(ch, page)
	if err != nil {
		return nil, err
	}
	items, err := r.items(entries, ch.fullText(page))
	if err != nil {
		return nil, err
	}
	r.budget(items)
	updated = feedUpdated(updated, items)
	rss, err := r.rss(ci, items, updated)
	if err != nil {
		return nil, fmt.Errorf("feed: rss: %w", err)
	}
	atom, err := r.atom(ci, items, updated)
	if err != nil {
		return nil, fmt.Errorf("feed: atom: %w", err)
	}
	jf, err := r.jsonFeed(ci, items, updated)
	if err != nil {
		return nil, fmt.Errorf("feed: json: %w", err)
	}
	related := ch.Related
	if ci.archive {
		related = nil // see Channel.Related
	}
	index, err := r.index(ci, items, related)
	if err != nil {
		return nil, fmt.Errorf("feed: index: %w", err)
	}
	names := [4]string{NameRSS, NameAtom, NameJSON, NameIndex}
	if page >= 0 {
		names = [4]string{archiveName(page, extRSS), archiveName(page, extAtom), archiveName(page, extJSON), archiveName(page, extHTML)}
	}
	files := []File{
		{Name: ci.dir + names[0], ContentType: ContentTypeRSS, Body: rss},
		{Name: ci.dir + names[1], ContentType: ContentTypeAtom, Body: atom},
		{Name: ci.dir + names[2], ContentType: ContentTypeJSON, Body: jf},
		{Name: ci.dir + names[3], ContentType: ContentTypeHTML, Body: index},
	}
	if !ci.archive {
		// The subscription documents are the WebSub topics; archive pages are not subscribed to.
		for i, l := range []links{ci.rss, ci.atom, ci.json} {
			files[i].Self, files[i].Hubs = l.self, ci.hubs
		}
	}
	return files, nil
}

// Target is what a request path below the base URL names, as ParsePath reads it.
type Target struct {
	Kind catalog.FeedKind
	Slug string
	Page int // archive page, or -1 for a subscription document
}

// ParsePath reads a path below the base URL (unescaped, without a leading "/") as one of a
// feed's files: "<dir>rss.xml", "<dir>atom.xml", "<dir>feed.json", "<dir>" (its index page,
// index.html on disk) or "<dir>archive/<k>.rss|.xml|.json|.html". It is the inverse of the
// names Subscription and ArchivePage give their files.
func ParsePath(p string) (Target, bool) {
	dir, file := "", p
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		dir, file = p[:i+1], p[i+1:]
	}
	page := -1
	switch file {
	case NameRSS, NameAtom, NameJSON, "":
	default:
		if !strings.HasSuffix(dir, "archive/") {
			return Target{}, false
		}
		dir = strings.TrimSuffix(dir, "archive/")
		num, ext, ok := strings.Cut(file, ".")
		switch "." + ext {
		case extRSS, extAtom, extJSON, extHTML:
		default:
			ok = false
		}
		k, err := strconv.Atoi(num)
		if !ok || err != nil || k < 0 || strconv.Itoa(k) != num {
			return Target{}, false
		}
		page = k
	}
	kind, slug, ok := ParseDir(dir)
	if !ok || (kind == catalog.KindRoot && file == "") {
		return Target{}, false
	}
	return Target{Kind: kind, Slug: slug, Page: page}, true
}

// ServedPath is the request path (below the base, without a leading "/") a file is served
// at: its name, with an index page's "index.html" left off.
func ServedPath(name string) string {
	if name == NameIndex || strings.HasSuffix(name, "/"+NameIndex) {
		return strings.TrimSuffix(name, NameIndex)
	}
	return name
}

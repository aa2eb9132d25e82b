package catalog

import (
	"time"

	"github.com/feedpub/feedpub/internal/article"
)

// Entry is one published article as the catalog remembers it. ID and Slug are minted once
// and never change; Published and Updated are the dates feeds show.
type Entry struct {
	ID          string // permanent: source-declared id or a tag: URI
	Slug        string // permanent, unique across live and removed entries
	Path        string // source path relative to the watched directory, slash-separated
	Title       string
	Summary     string // plain text
	ContentHTML string // HTML fragment as the parser produced it (relative URLs unresolved)
	Authors     []article.Author
	Categories  []string
	Published   time.Time // UTC
	// PublishedZone is the fixed UTC offset the article wrote its date with, which pages show
	// the date in; nil when it wrote none (pages use the site's zone).
	PublishedZone *time.Location
	Language      string    // BCP 47, declared by the article or detected from its script; "" if neither
	Updated       time.Time // UTC, never before Published
	FirstSeen     time.Time // UTC
	Removed       bool
	Seq           int64 // catalog-wide change sequence of this entry's last add, edit or removal
}

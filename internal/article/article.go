// Package article reads one source file (news text, plain text, Markdown or HTML) into the
// Article model. It owns every rule about what a file means, including which files are
// articles at all (Ignored, IgnoredDir); it knows nothing of catalogs, feeds or the file
// system beyond reading the one file it is given.
package article

import (
	"time"

	"github.com/feedpub/feedpub/internal/fault"
)

// DefaultMaxSize is the largest file accepted when Options.MaxSize is zero.
const DefaultMaxSize = 10 << 20

// Format names the parser that produced an article.
type Format string

// The formats, as printed by `feedpub inspect`.
const (
	FormatNewsText  Format = "news-text"
	FormatPlainText Format = "plain-text"
	FormatMarkdown  Format = "markdown"
	FormatHTML      Format = "html"
)

// Errors a caller may act on; each is returned wrapped with the file name and detail. All are
// content failures (fault.IsContent): they describe the file, and stand until it changes. Any
// other error from ParseFile (opening or reading the file) is transient.
var (
	ErrUnsupported = fault.Content("no parser for this file type")
	ErrTooLarge    = fault.Content("file is larger than the size limit")
	ErrEmpty       = fault.Content("file is empty")
	ErrBinary      = fault.Content("file is binary, not text")
	ErrNoTitle     = fault.Content("no title found")
	ErrDraft       = fault.Content("article is a draft") // not an error to report loudly: drafts are never published
	ErrInvalid     = fault.Content("invalid article")    // malformed front matter, bad date, ...
)

// Author is a person credited on an article.
type Author struct {
	Name  string `json:"name"`
	Email string `json:"email,omitempty"`
}

// Article is one parsed source file. Text fields are valid UTF-8 free of characters XML 1.0
// forbids; Summary is plain text, ContentHTML is safe HTML (escaped or sanitized).
type Article struct {
	ID          string    // declared by the source (front matter id); empty if none
	Title       string    // plain text
	Summary     string    // plain text
	ContentHTML string    // HTML fragment; relative URLs are left as written
	Published   time.Time // zero if the source has no date
	// OwnOffset is true when Published was written with a UTC offset of its own (RFC 3339
	// "+09:00", "Z"), which pages then show it in; a zone-less date was read in the configured
	// zone and is shown in whatever zone is configured when the page is rendered.
	OwnOffset  bool
	Updated    time.Time // zero if the source has no update date
	Authors    []Author
	Categories []string
	// Language is the article's BCP 47 language: declared (front matter lang or language,
	// <html lang>), else detected from the script of the title and summary (DetectLanguage),
	// else empty, meaning the site's language.
	Language string
	// Slug is the slug declared in front matter (slug), already put through the slug rule;
	// empty if none. BaseSlug is what a new entry is named.
	Slug     string
	Format   Format
	Path     string   // the path the article was read from, as given
	Warnings []string // non-fatal findings, e.g. "decoded as Windows-1252"
}

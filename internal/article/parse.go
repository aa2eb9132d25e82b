package article

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/slug"
)

// Options tune parsing. The zero value is ready to use.
type Options struct {
	Location *time.Location // zone for zone-less dates; nil means UTC
	MaxSize  int64          // bytes; 0 means DefaultMaxSize
}

func (o Options) location() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o Options) maxSize() int64 {
	if o.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return o.MaxSize
}

// CheckSize returns an error wrapping ErrTooLarge, naming the file, when a file of size bytes
// is over the limit. It is the one size rule: callers that stat before reading (to skip
// hashing a file the parser would refuse) ask it rather than compare on their own.
func (o Options) CheckSize(name string, size int64) error {
	if limit := o.maxSize(); size > limit {
		return tooLarge(name, size, limit)
	}
	return nil
}

// fileKind is what an extension promises; .txt is split into news or plain text only after
// its content has been sniffed.
type fileKind int

const (
	kindText fileKind = iota + 1
	kindMarkdown
	kindHTML
)

// formatOf maps a file name to the parser that claims it; the match is case-insensitive
// because files arrive from systems that upper-case extensions.
func formatOf(name string) (fileKind, bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".txt":
		return kindText, true
	case ".md", ".markdown":
		return kindMarkdown, true
	case ".html", ".htm":
		return kindHTML, true
	}
	return 0, false
}

// parser turns hygienic text into an article; name is for error messages only.
type parser func(name, text string, loc *time.Location) (*Article, error)

// ParseFile reads and parses one file. The size is checked before reading so an oversize file
// costs a stat, not a read.
func ParseFile(path string, opts Options) (*Article, error) {
	if _, ok := formatOf(path); !ok {
		return nil, unsupported(path)
	}
	data, err := ReadFile(path, opts)
	if err != nil {
		return nil, err
	}
	return Parse(path, data, opts)
}

// ReadFile reads a file for Parse, for callers that also need the bytes (the catalog hashes
// what it parses). It refuses, with ErrUnsupported or ErrTooLarge, what is not a regular file
// or is over the size limit, before reading it; any other error is the file system's.
func ReadFile(path string, opts Options) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadOpen(f, path, opts)
}

// ReadOpen is ReadFile for a file the caller opened (through an os.Root, say); name is the
// path errors give.
func ReadOpen(f *os.File, path string, opts Options) ([]byte, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w: not a regular file", path, ErrUnsupported)
	}
	if err := opts.CheckSize(path, fi.Size()); err != nil {
		return nil, err
	}
	limit := opts.maxSize()
	// The file may grow between Stat and read; reading one byte past the limit lets Parse
	// see that without ever holding more than limit+1 bytes. Sized from the stat, the buffer
	// is allocated once for a file that does not grow.
	b := bytes.NewBuffer(make([]byte, 0, min(fi.Size(), limit)+bytes.MinRead))
	if _, err := b.ReadFrom(io.LimitReader(f, limit+1)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b.Bytes(), nil
}

// Parse parses bytes already read; name supplies the extension and is used in errors and as
// Article.Path.
func Parse(name string, data []byte, opts Options) (*Article, error) {
	kind, ok := formatOf(name)
	if !ok {
		return nil, unsupported(name)
	}
	switch kind {
	case kindMarkdown:
		return parseWith(name, data, opts, parseMarkdown)
	case kindHTML:
		return parseWith(name, data, opts, parseHTML)
	}
	return parseWith(name, data, opts, parseText)
}

// parseWith runs the steps every format shares around one parser: size limit and text hygiene
// before, output normalisation after.
func parseWith(name string, data []byte, opts Options, p parser) (*Article, error) {
	if err := opts.CheckSize(name, int64(len(data))); err != nil {
		return nil, err
	}
	text, warnings, err := decodeText(name, data)
	if err != nil {
		return nil, err
	}
	a, err := p(name, text, opts.location())
	if err != nil {
		return nil, err
	}
	a.Path = name
	a.Warnings = append(warnings, a.Warnings...)
	return finish(name, a)
}

// finish normalises what every parser produced. Metadata strings are cleaned once more
// because parsers that decode entities (Markdown, HTML) can reintroduce characters the
// hygiene step removed; those parsers clean their own ContentHTML, which text parsers build
// only from hygienic text and ASCII tags and so need not rescan.
func finish(name string, a *Article) (*Article, error) {
	if err := checkDate(name, "published", a.Published); err != nil {
		return nil, err
	}
	if err := checkDate(name, "updated", a.Updated); err != nil {
		return nil, err
	}
	a.Title = collapseSpace(CleanText(a.Title))
	if a.Title == "" {
		return nil, fmt.Errorf("%s: %w", name, ErrNoTitle)
	}
	a.ID = trimSpace(CleanText(a.ID))
	a.Summary = collapseSpace(CleanText(a.Summary))
	authors := a.Authors[:0]
	for _, au := range a.Authors {
		au.Name = collapseSpace(CleanText(au.Name))
		au.Email = collapseSpace(CleanText(au.Email))
		if au.Name == "" {
			au.Name = au.Email
		}
		if au.Name != "" {
			authors = append(authors, au)
		}
	}
	a.Authors = authors
	a.Categories = appendCategories(nil, a.Categories...)
	if a.Language == "" {
		a.Language = DetectLanguage(a.Title + "\n" + a.Summary)
	}
	return a, nil
}

// BaseSlug is the slug a new entry for a is minted from, before any collision suffix: the
// declared slug, else the slug rule applied to the title, else to the file name.
func (a *Article) BaseSlug() string {
	if a.Slug != "" {
		return a.Slug
	}
	return slug.FromTitle(a.Title, a.Path)
}

// appendCategories appends the non-empty, not yet present categories, keeping first
// occurrences in order. Duplicates are judged case-insensitively since "Go" and "go" are one
// tag to a reader.
func appendCategories(dst []string, cats ...string) []string {
next:
	for _, c := range cats {
		c = collapseSpace(CleanText(c))
		if c == "" {
			continue
		}
		for _, d := range dst {
			if strings.EqualFold(c, d) {
				continue next
			}
		}
		dst = append(dst, c)
	}
	return dst
}

func unsupported(name string) error {
	ext := filepath.Ext(name)
	if ext == "" {
		return fmt.Errorf("%s: %w: no extension", name, ErrUnsupported)
	}
	return fmt.Errorf("%s: %w: %q", name, ErrUnsupported, ext)
}

func tooLarge(name string, size, limit int64) error {
	return fmt.Errorf("%s: %w (%d bytes, limit %d)", name, ErrTooLarge, size, limit)
}

// dateLayouts are the machine-written date forms front matter and HTML meta tags use. Those
// without a zone are read in the caller's location.
var dateLayouts = []struct {
	layout string
	zoned  bool
}{
	{time.RFC3339, true},
	{"2006-01-02T15:04Z07:00", true},
	{"2006-01-02 15:04:05Z07:00", true},
	{"2006-01-02 15:04Z07:00", true},
	{"2006-01-02T15:04:05", false},
	{"2006-01-02T15:04", false},
	{"2006-01-02 15:04:05", false},
	{"2006-01-02 15:04", false},
	{"2006-01-02", false},
}

// parseISODate parses the date forms of dateLayouts; fractional seconds are accepted after
// the seconds of any of them.
func parseISODate(s string, loc *time.Location) (time.Time, bool) {
	t, _, ok := parseZonedDate(s, loc)
	return t, ok
}

// parseZonedDate is parseISODate that also reports whether s carried its own UTC offset.
func parseZonedDate(s string, loc *time.Location) (t time.Time, zoned, ok bool) {
	s = trimSpace(s)
	for _, l := range dateLayouts {
		var err error
		if l.zoned {
			t, err = time.Parse(l.layout, s)
		} else {
			t, err = time.ParseInLocation(l.layout, s, loc)
		}
		if err == nil {
			return t, l.zoned, true
		}
	}
	return time.Time{}, false, false
}

const dateForms = "want RFC 3339, 2006-01-02, 2006-01-02 15:04[:05] or 2006-01-02T15:04[:05]"

func badDate(name, key, value string) error {
	return fmt.Errorf("%s: %w: %s %q is not a date (%s)", name, ErrInvalid, key, value, dateForms)
}

// checkDate is the one date-range rule: every format's dates end up in RFC 3339 timestamps in
// UTC, which have four-digit years, so a date outside 0001-9999 there would be written as
// "10000-01-01T..." or "0000-12-31T...", which no reader parses. Such a date is refused rather
// than clamped: a clamped date would be a wrong one that looks right.
func checkDate(name, which string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if y := t.UTC().Year(); y < 1 || y > 9999 {
		return fmt.Errorf("%s: %w: %s date %s is outside the years 0001-9999 in UTC, which feeds cannot carry",
			name, ErrInvalid, which, t.Format(time.RFC3339))
	}
	return nil
}

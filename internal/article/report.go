package article

import (
	"bytes"
	"encoding/json"
	"time"
)

// Report is an article as `feedpub inspect` prints it and as the golden tests record it, so
// the two cannot drift apart. A failed parse is {"file","error"}; a successful one has every
// other key present, dates as RFC 3339 (in the article's own offset when it wrote one, else
// in the report's zone) or null when the article declares none, never "".
type Report struct {
	File        string   `json:"file"`
	Error       string   `json:"error,omitempty"`
	Format      Format   `json:"format"`
	Title       string   `json:"title"`
	Slug        string   `json:"slug"`     // BaseSlug: what a new entry would be named
	Language    string   `json:"language"` // "" means the site's language
	Published   *string  `json:"published"`
	Updated     *string  `json:"updated"`
	Authors     []Author `json:"authors"`
	Categories  []string `json:"categories"`
	Summary     string   `json:"summary"`
	ContentHTML string   `json:"content_html"`
	Warnings    []string `json:"warnings,omitempty"`
	// Status is set by the caller when the article would not be published as it stands, e.g.
	// "held until 2026-12-02T06:00:00+09:00" for an embargo.
	Status string `json:"status,omitempty"`
}

// Report describes a, with dates shown in loc (nil means UTC).
func (a *Article) Report(loc *time.Location) Report {
	if loc == nil {
		loc = time.UTC
	}
	date := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		if !a.OwnOffset {
			t = t.In(loc)
		}
		s := t.Format(time.RFC3339)
		return &s
	}
	// Empty lists print as [] so consumers need not special-case null.
	r := Report{
		File:        a.Path,
		Format:      a.Format,
		Title:       a.Title,
		Slug:        a.BaseSlug(),
		Language:    a.Language,
		Published:   date(a.Published),
		Updated:     date(a.Updated),
		Authors:     append([]Author{}, a.Authors...),
		Categories:  append([]string{}, a.Categories...),
		Summary:     a.Summary,
		ContentHTML: a.ContentHTML,
		Warnings:    a.Warnings,
	}
	return r
}

// ErrorReport describes a file that did not parse.
func ErrorReport(file string, err error) Report {
	return Report{File: file, Error: err.Error()}
}

// MarshalJSON prints a failure as just {"file","error"}: the article keys would only be
// empty noise there. It leaves <, > and & unescaped so that an Encoder with
// SetEscapeHTML(false) prints content_html readably; json.Marshal still escapes them.
func (r Report) MarshalJSON() ([]byte, error) {
	if r.Error != "" {
		return marshalUnescaped(struct {
			File  string `json:"file"`
			Error string `json:"error"`
		}{r.File, r.Error})
	}
	type plain Report // drops this method, avoiding recursion
	return marshalUnescaped(plain(r))
}

func marshalUnescaped(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

package catalog

import (
	"path"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/article"

	"github.com/feedpub/feedpub/internal/slug"
)

// FeedKind says what a feed collects.
type FeedKind string

// The kinds of feed. Every live entry is in the root feed; it is also in a section feed per
// folder it lies under, an author feed per person it names and a tag feed per category.
const (
	KindRoot    FeedKind = "root"
	KindSection FeedKind = "section"
	KindAuthor  FeedKind = "author"
	KindTag     FeedKind = "tag"
)

// Feed is one feed the catalog knows. Slug is minted once per feed and never changes: a
// section's is its folder path (slash-separated, below the article root), an author's or a
// tag's is made by the slug rule from the name first seen, with a collision suffix.
type Feed struct {
	Key     string // internal identity: "" for the root, else kind-prefixed (see memberships)
	Kind    FeedKind
	Slug    string
	Name    string    // folder path, the author's name or the tag as first written
	Seq     int64     // catalog Seq of the last change to the feed's members
	Changed time.Time // when that change was indexed
	Live    int       // members currently in the feed
	Ords    int64     // ordinals ever given: the archive spans ordinals 0..Ords-1
}

// RootKey is the key of the root feed.
const RootKey = ""

// membership is one feed an entry belongs to, as the entry alone decides.
type membership struct {
	key  string
	kind FeedKind
	name string // display name, kept from the first member that named the feed
	slug string // slug source: the section path, else the text the slug is made from
}

// memberships is the rule for which feeds an entry is in: the root, each folder above its
// file, each author (the same person by e-mail where there is one, else by name regardless
// of case and spacing) and each tag or category (regardless of case). A removed entry is in
// none unless removed entries are kept; a held one is in none at all (no archive, sitemap or
// feed list may show it, nor a feed only it would create), and joins them when released.
func memberships(rel string, authors []article.Author, categories []string, removed, held, keepRemoved bool) []membership {
	if held || removed && !keepRemoved {
		return nil
	}
	out := []membership{{key: RootKey, kind: KindRoot}}
	seen := map[string]bool{RootKey: true}
	add := func(m membership) {
		if !seen[m.key] {
			seen[m.key] = true
			out = append(out, m)
		}
	}
	for dir := path.Dir(rel); dir != "." && dir != "/" && dir != ""; dir = path.Dir(dir) {
		add(membership{key: "s:" + dir, kind: KindSection, name: dir, slug: dir})
	}
	for _, a := range authors {
		name := strings.Join(strings.Fields(a.Name), " ")
		email := strings.ToLower(strings.TrimSpace(a.Email))
		switch {
		case email != "":
			if name == "" {
				name = email
			}
			local, _, _ := strings.Cut(email, "@")
			src := name
			if name == email {
				src = local
			}
			add(membership{key: "a:" + email, kind: KindAuthor, name: name, slug: src})
		case name != "":
			add(membership{key: "a:~" + strings.ToLower(name), kind: KindAuthor, name: name, slug: name})
		}
	}
	for _, c := range categories {
		c = strings.Join(strings.Fields(c), " ")
		if c != "" {
			add(membership{key: "t:" + strings.ToLower(c), kind: KindTag, name: c, slug: c})
		}
	}
	return out
}

// feedSlug is the slug rule for author and tag feeds: the one slug rule, as for articles.
func feedSlug(s string) string { return slug.Make(s) }

// fallbackFeedSlug is the slug of an author or tag whose name yields none.
func fallbackFeedSlug(kind FeedKind) string { return string(kind) }

package catalog

import (
	"time"

	"github.com/feedpub/feedpub/internal/slug"
)

// tagURI mints an RFC 4151 tag URI. The date is the first-seen day in UTC so that the id
// depends only on values stored with the entry, never on the zone or clock at read time. The
// slug is percent-encoded: a tag URI is ASCII, and validators check that it is (a slug of
// ASCII letters, digits and dashes, as every slug minted before non-Latin slugs, is unchanged).
func tagURI(authority string, firstSeen time.Time, s string) string {
	return "tag:" + authority + "," + firstSeen.UTC().Format(time.DateOnly) + ":" + slug.Escape(s)
}

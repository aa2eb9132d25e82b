package catalog

import (
	"errors"

	"github.com/feedpub/feedpub/internal/article"
)

// reasons are the short, stable names of the rejection causes, for metrics labels and logs.
var reasons = []struct {
	err  error
	name string
}{
	{article.ErrDraft, "draft"},
	{article.ErrEmpty, "empty"},
	{article.ErrBinary, "binary"},
	{article.ErrTooLarge, "too_large"},
	{article.ErrNoTitle, "no_title"},
	{article.ErrUnsupported, "unsupported"},
	{article.ErrInvalid, "invalid"},
	{ErrDuplicateID, "duplicate_id"},
}

// Reason names why the file was rejected: one of draft, empty, binary, too_large, no_title,
// unsupported, invalid, duplicate_id, or other (say, the file could not be read).
func (r Rejection) Reason() string {
	for _, x := range reasons {
		if errors.Is(r.Err, x.err) {
			return x.name
		}
	}
	return "other"
}

package catalog

import (
	"context"
	"fmt"
	"time"
)

// metaFeedID is the meta key of the minted Atom feed id.
const metaFeedID = "feed_id"

// FeedID returns the Atom feed id of this catalog, minting it on first use from the authority
// and the catalog's creation date and storing it. It is minted once so that a later change of
// base URL or authority does not make readers see a new feed.
func (c *Catalog) FeedID(ctx context.Context) (string, error) {
	id, err := c.Meta(ctx, metaFeedID)
	if err != nil || id != "" {
		return id, err
	}
	st, err := c.Stats(ctx)
	if err != nil {
		return "", err
	}
	id = fmt.Sprintf("tag:%s,%s:feed", c.authority, st.Created.UTC().Format(time.DateOnly))
	if err := c.SetMeta(ctx, metaFeedID, id); err != nil {
		return "", fmt.Errorf("feed id: %w", err)
	}
	return id, nil
}

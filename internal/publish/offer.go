package publish

import (
	"context"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
)

// offerFeeds tells ntf of the subscription documents of every feed but the root (sections,
// authors, tags) that changed since the last render: each is a topic too. They are rendered
// here, which only a Publisher with a Notifier pays for, and kept in the file cache, since
// hubs and subscribers fetch them next. Called with renderMu held.
func (p *Publisher) offerFeeds(ctx context.Context, v view, ntf Notifier, all []catalog.Feed, seq int64) {
	since := p.offeredSeq
	if since < 0 {
		since = p.startSeq
	}
	p.offeredSeq = seq
	for _, f := range all {
		if f.Kind == catalog.KindRoot || f.Seq <= since {
			continue
		}
		files, err := p.subscription(ctx, v, f, all)
		if err != nil {
			p.log.Warn("websub: feed not offered to the hubs", "kind", f.Kind, "feed", f.Slug, "err", err)
			continue
		}
		t := feed.Target{Kind: f.Kind, Slug: f.Slug, Page: -1}
		names := make([]string, 0, len(files))
		for _, file := range files {
			p.files.put(feed.ServedPath(file.Name), fileVersion{f.Seq, v.r}, p.resource(f, t, file))
			names = append(names, file.Name)
		}
		notify(ntf, files, names)
	}
}

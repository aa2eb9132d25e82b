package publish

import (
	"context"
	"slices"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
)

// Notifier is told, after each render, of every feed whose bytes changed (all of them on a
// Publisher's first render), so that WebSub hubs and subscribers learn of it; *websub.Service
// is one. topic is the feed's URL, link its Link header. Changed must not block: ingest never
// waits for a hub.
type Notifier interface {
	Changed(topic, contentType, link string, body []byte)
}

// Observer is told what the pipeline did, for metrics; *metrics.Metrics is one. Its methods
// must be quick.
type Observer interface {
	Reconciled(rep catalog.Report) // after every reconcile, full or of some paths
	Rendered(d time.Duration)      // after every render
	FileToFeed(d time.Duration)    // from a batch's Landed to its feeds being served
}

// SetNotifier makes every later render tell n of the feeds whose bytes changed.
func (p *Publisher) SetNotifier(n Notifier) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ntf = n
}

// SetObserver makes the Publisher report its reconciles and renders to o.
func (p *Publisher) SetObserver(o Observer) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.obs = o
}

func (p *Publisher) observer() Observer {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.obs == nil {
		return nopObserver{}
	}
	return p.obs
}

type nopObserver struct{}

func (nopObserver) Reconciled(catalog.Report) {}
func (nopObserver) Rendered(time.Duration)    {}
func (nopObserver) FileToFeed(time.Duration)  {}

// notify tells ntf of the feeds named in changed that have hubs.
func notify(ntf Notifier, files []feed.File, changed []string) {
	if ntf == nil {
		return
	}
	for _, f := range files {
		if len(f.Hubs) > 0 && slices.Contains(changed, f.Name) {
			ntf.Changed(f.Self, f.ContentType, f.Link(), f.Body)
		}
	}
}

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

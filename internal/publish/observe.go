package publish

import (
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

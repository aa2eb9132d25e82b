package publish

// What the server asks the publisher for besides the rendered snapshot: article pages on
// demand and the state /healthz reports.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/server"
)

// Page renders one article page for the server; it implements server.Pages.
func (p *Publisher) Page(ctx context.Context, slug string) (*server.Resource, error) {
	e, err := p.cat.BySlug(ctx, slug)
	if errors.Is(err, catalog.ErrNotFound) {
		return nil, fmt.Errorf("article %q: %w", slug, server.ErrNotFound)
	}
	if errors.Is(err, catalog.ErrRemoved) {
		return nil, fmt.Errorf("article %q: %w", slug, server.ErrGone)
	}
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	c, ok := p.pages[slug]
	r := p.view.r
	p.mu.Unlock()
	if ok && c.seq == e.Seq && c.r == r {
		return c.res, nil
	}
	f, err := r.Page(e)
	if err != nil {
		return nil, err
	}
	res := server.NewResource(f.ContentType, f.Body, e.Updated)
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.pages) >= maxCachedPages {
		clear(p.pages)
	}
	p.pages[slug] = cachedPage{seq: e.Seq, r: r, res: res}
	return res, nil
}

// Health reports the catalog size, held articles and last reconcile for /healthz. Its status
// is "failing" while ingests or renders fail (a full state or output disk, say): the feeds
// are still served, from the last good render, but nothing new reaches them until the
// retries succeed.
func (p *Publisher) Health(ctx context.Context) (server.Health, error) {
	st, err := p.cat.Stats(ctx)
	if err != nil {
		return server.Health{}, err
	}
	status := "ok"
	if n, _ := p.failing(); n > 0 {
		status = "failing"
	}
	h := server.Health{Status: status, Articles: st.Live, Rejected: st.Rejected, Renders: p.Renders(),
		Held: st.Held}
	if !st.NextDue.IsZero() {
		h.NextDue = &st.NextDue
	}
	if !st.LastSync.IsZero() {
		h.LastReconcile = &st.LastSync
	}
	p.mu.Lock()
	if p.lastErr != nil {
		e := *p.lastErr
		h.LastError = &e
	}
	p.mu.Unlock()
	if out, bg := p.output(); bg != nil {
		h.Output = bg.health(out.Key())
		if h.Output.State == "retrying" && h.Status == "ok" {
			h.Status = "degraded" // still serving, but the static copy is behind
		}
	}
	return h, nil
}

// noteError keeps err as the last error /healthz reports.
func (p *Publisher) noteError(err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.lastErr = &server.HealthError{At: time.Now().UTC().Truncate(time.Second), Error: err.Error()}
}

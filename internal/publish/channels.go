package publish

import (
	"context"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/section"
)

// Sections says what a section's own file titles it; section.Dir is one.
type Sections interface {
	Section(folder string) (section.Info, error)
}

var _ Sections = section.Dir("")

// channel is the feed.Channel of f: its title (for a section, from its section file when it
// has one) and its archive size. It is all an archive page is rendered from besides its
// members, which is what lets a full page be written once (see archiveWalk).
func (p *Publisher) channel(v view, f catalog.Feed) feed.Channel {
	ch := feed.ChannelOf(f)
	if f.Kind == catalog.KindSection {
		ch.Title, ch.Description = p.sectionInfo(v, f, ch.Title)
	}
	return ch
}

// subscriptionChannel is the channel of f's subscription documents: channel, and the feeds
// its index page lists (the root's top-level sections, a section's subsections). all is
// every feed, needed only for root and sections.
func (p *Publisher) subscriptionChannel(v view, f catalog.Feed, all []catalog.Feed) feed.Channel {
	ch := p.channel(v, f)
	if !needsAll(f) {
		return ch
	}
	for _, g := range all {
		if g.Kind != catalog.KindSection || g.Live == 0 {
			continue
		}
		parent := path.Dir(g.Slug)
		if parent == "." {
			parent = ""
		}
		if f.Kind == catalog.KindRoot && parent != "" || f.Kind == catalog.KindSection && parent != f.Slug {
			continue
		}
		title, _ := p.sectionInfo(v, g, path.Base(g.Slug))
		ch.Related = append(ch.Related, feed.Related{Title: title, Kind: g.Kind, Slug: g.Slug})
	}
	return ch
}

// sectionInfo reads a section's file; a broken one is logged and the folder name stands in.
func (p *Publisher) sectionInfo(v view, f catalog.Feed, fallback string) (title, description string) {
	if v.cfg.Sections == nil {
		return fallback, ""
	}
	info, err := v.cfg.Sections.Section(f.Slug)
	if err != nil {
		p.log.Warn("section file ignored", "section", f.Slug, "err", err)
		return fallback, ""
	}
	if info.Title == "" {
		info.Title = fallback
	}
	return info.Title, info.Description
}

// markKept marks entries live when the catalog keeps removed ones: the feeds are to list
// them, and feed.Renderer drops entries marked Removed (a safeguard against republishing by
// mistake). Keeping them is the deliberate choice the safeguard asks for.
func markKept(v view, entries []catalog.Entry) {
	if v.cfg.KeepRemoved {
		for i := range entries {
			entries[i].Removed = false
		}
	}
}

// subscription renders f's subscription documents.
func (p *Publisher) subscription(ctx context.Context, v view, f catalog.Feed, all []catalog.Feed) ([]feed.File, error) {
	return p.subscriptionAt(ctx, v, f, all, f.Changed)
}

// subscriptionAt is subscription with the feed-level date given: the root feed's is when its
// bytes first appeared (see renderStamped).
func (p *Publisher) subscriptionAt(ctx context.Context, v view, f catalog.Feed, all []catalog.Feed, updated time.Time) ([]feed.File, error) {
	entries, err := p.cat.FeedLatest(ctx, f.Key, v.cfg.FeedSize, v.cfg.Site.FeedBytes)
	if err != nil {
		return nil, err
	}
	markKept(v, entries)
	files, err := v.r.Subscription(p.subscriptionChannel(v, f, all), entries, updated)
	if err != nil {
		return nil, fmt.Errorf("%s feed %q: %w", f.Kind, f.Slug, err)
	}
	return files, nil
}

// archivePage renders page k of f's archive.
func (p *Publisher) archivePage(ctx context.Context, v view, f catalog.Feed, k int) ([]feed.File, error) {
	return p.archivePageOf(ctx, v, f, p.channel(v, f), k)
}

// archivePageOf is archivePage with f's channel in hand: a feed's pages share it.
func (p *Publisher) archivePageOf(ctx context.Context, v view, f catalog.Feed, ch feed.Channel, k int) ([]feed.File, error) {
	lo := int64(k) * feed.ArchiveSize
	entries, err := p.cat.FeedRange(ctx, f.Key, lo, lo+feed.ArchiveSize)
	if err != nil {
		return nil, err
	}
	markKept(v, entries)
	files, err := v.r.ArchivePage(ch, k, entries)
	if err != nil {
		return nil, fmt.Errorf("%s feed %q page %d: %w", f.Kind, f.Slug, k, err)
	}
	return files, nil
}

// needsAll says whether rendering f's subscription documents needs the list of every feed.
func needsAll(f catalog.Feed) bool {
	return f.Kind == catalog.KindRoot || f.Kind == catalog.KindSection
}

// siteFiles renders robots.txt, feeds.opml and the sitemaps. Article sitemaps are cut by the
// order articles joined the root feed; with more URLs than one sitemap may list, sitemap.xml
// is an index of them and of a sitemap of the feeds' index pages. only, when not nil, says
// which article sitemaps to render (the others are unchanged); the index is always rendered.
func (p *Publisher) siteFiles(ctx context.Context, v view, all []catalog.Feed, only func(part int) bool) ([]feed.File, error) {
	var root catalog.Feed
	var chs []feed.Channel
	for _, f := range all {
		if f.Kind == catalog.KindRoot {
			root = f
		}
		if f.Live > 0 {
			chs = append(chs, p.channel(v, f))
		}
	}
	opml, err := v.r.OPML(chs)
	if err != nil {
		return nil, err
	}
	files := []feed.File{v.r.Robots(), opml}
	feedURLs := v.r.FeedURLs(all)
	if root.Live+len(feedURLs) <= feed.SitemapSize {
		links, err := p.cat.FeedLinks(ctx, catalog.RootKey, 0, root.Ords)
		if err != nil {
			return nil, err
		}
		sm, err := v.r.Sitemap(feed.NameSitemap, append(v.r.ArticleURLs(links), feedURLs...))
		return append(files, sm), err
	}
	parts := map[string][]feed.SitemapURL{feed.NameSitemapFeeds: feedURLs}
	order := []string{feed.NameSitemapFeeds}
	for k := 0; int64(k)*feed.SitemapSize < root.Ords; k++ {
		lo := int64(k) * feed.SitemapSize
		links, err := p.cat.FeedLinks(ctx, catalog.RootKey, lo, lo+feed.SitemapSize)
		if err != nil {
			return nil, err
		}
		name := feed.SitemapPart(k)
		parts[name], order = v.r.ArticleURLs(links), append(order, name)
		if only == nil || only(k) {
			sm, err := v.r.Sitemap(name, parts[name])
			if err != nil {
				return nil, err
			}
			files = append(files, sm)
		}
	}
	fs, err := v.r.Sitemap(feed.NameSitemapFeeds, feedURLs)
	if err != nil {
		return nil, err
	}
	idx, err := v.r.SitemapIndex(parts, order)
	return append(files, fs, idx), err
}

// isSiteFile says whether name is one of the files siteFiles renders.
func isSiteFile(name string) bool {
	switch name {
	case feed.NameRobots, feed.NameOPML, feed.NameSitemap, feed.NameSitemapFeeds:
		return true
	}
	return strings.HasPrefix(name, "sitemaps/articles-") && strings.HasSuffix(name, ".xml")
}

package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/feedpub/feedpub/internal/feed"
)

// Stamps keep a feed's dates to what readers can see. The feed-level date (RSS lastBuildDate,
// Atom and JSON Feed updated) and every representation's Last-Modified are the time its bytes
// first appeared, remembered in the catalog so that a restart gives the same answer: a rename,
// a touch, an edit of an article outside the feed or a reconcile that finds nothing leaves the
// bytes, the ETag and Last-Modified as they were, and readers' conditional polls keep getting
// 304 Not Modified.
const (
	stampFeeds = "stamp:feeds" // meta: the feed-level date, in Unix seconds
	stampFile  = "stamp:file:" // meta + file name: "<sha256 of its bytes> <Unix seconds it appeared>"
)

// stamped is a rendered file with the time its bytes first appeared.
type stamped struct {
	feed.File
	modTime time.Time
}

// renderStamped renders the feeds with the remembered feed-level date and, if any feed's bytes
// differ from those remembered, once more with a new date; then it dates every file by when
// its bytes first appeared and remembers what it decided.
func (p *Publisher) renderStamped(ctx context.Context, render func(updated time.Time) ([]feed.File, error)) ([]stamped, error) {
	prev, err := p.metaTime(ctx, stampFeeds)
	if err != nil {
		return nil, err
	}
	old := map[string]fileStamp{}
	var files []feed.File
	if !prev.IsZero() {
		if files, err = render(prev); err != nil {
			return nil, err
		}
		for _, f := range files {
			if old[f.Name], err = p.fileStamp(ctx, f.Name); err != nil {
				return nil, err
			}
		}
	}
	updated := prev
	if prev.IsZero() || feedsChanged(files, old) {
		// Never earlier than the last date, so a clock set back cannot make a changed feed
		// look older than the one readers have.
		updated = p.now().UTC().Truncate(time.Second)
		if !prev.IsZero() && !updated.After(prev) {
			updated = prev.Add(time.Second)
		}
		if files, err = render(updated); err != nil {
			return nil, err
		}
		if err := p.cat.SetMeta(ctx, stampFeeds, strconv.FormatInt(updated.Unix(), 10)); err != nil {
			return nil, err
		}
	}
	out := make([]stamped, len(files))
	for i, f := range files {
		sum := sha256.Sum256(f.Body)
		hash := hex.EncodeToString(sum[:])
		st, ok := old[f.Name]
		if !ok {
			if st, err = p.fileStamp(ctx, f.Name); err != nil {
				return nil, err
			}
		}
		if st.hash != hash {
			// New bytes are dated by the render that made them: the feeds' new date, or now
			// for a file that changed without the feeds (the index gained a section), never
			// before the date it had.
			at := updated
			if updated.Equal(prev) {
				at = p.now().UTC().Truncate(time.Second)
			}
			if !at.After(st.at) && !st.at.IsZero() {
				at = st.at.Add(time.Second)
			}
			st = fileStamp{hash: hash, at: at}
			if err := p.cat.SetMeta(ctx, stampFile+f.Name, hash+" "+strconv.FormatInt(st.at.Unix(), 10)); err != nil {
				return nil, err
			}
		}
		out[i] = stamped{File: f, modTime: st.at}
	}
	return out, nil
}

// feedsChanged reports whether any feed (not the index page, whose bytes carry no date)
// differs from the bytes last served under that name.
func feedsChanged(files []feed.File, old map[string]fileStamp) bool {
	for _, f := range files {
		if f.Name == feed.NameIndex {
			continue
		}
		sum := sha256.Sum256(f.Body)
		if old[f.Name].hash != hex.EncodeToString(sum[:]) {
			return true
		}
	}
	return false
}

type fileStamp struct {
	hash string
	at   time.Time
}

func (p *Publisher) fileStamp(ctx context.Context, name string) (fileStamp, error) {
	v, err := p.cat.Meta(ctx, stampFile+name)
	if err != nil || v == "" {
		return fileStamp{}, err
	}
	hash, at, ok := strings.Cut(v, " ")
	n, err := strconv.ParseInt(at, 10, 64)
	if !ok || err != nil {
		return fileStamp{}, nil // unreadable: treated as never seen, so it is stamped anew
	}
	return fileStamp{hash: hash, at: time.Unix(n, 0).UTC()}, nil
}

func (p *Publisher) metaTime(ctx context.Context, key string) (time.Time, error) {
	v, err := p.cat.Meta(ctx, key)
	if err != nil || v == "" {
		return time.Time{}, err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("meta %s: %w", key, err)
	}
	return time.Unix(n, 0).UTC(), nil
}

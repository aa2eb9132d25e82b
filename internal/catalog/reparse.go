package catalog

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/feedpub/feedpub/internal/article"
)

// stateParse records the settings that change what parsing yields (zone, size limit) that
// the entries were last read with. When they differ at Open, the next full reconcile reads
// every file again, so a zone fixed after the first import corrects the dates it got wrong.
const stateParse = "parse_settings"

// parseSettings is the record of c's parse-affecting settings.
func (c *Catalog) parseSettings() string {
	loc := c.cfg.Article.Location
	if loc == nil {
		loc = time.UTC
	}
	limit := c.cfg.Article.MaxSize
	if limit <= 0 {
		limit = article.DefaultMaxSize
	}
	return fmt.Sprintf("timezone=%s max_size=%d", loc, limit)
}

// checkParseSettings sets c.reparse when the entries were parsed with other settings (or by a
// feedpub that did not record them). A catalog with nothing in it just records them.
func (c *Catalog) checkParseSettings(ctx context.Context) error {
	stored, err := c.state(ctx, stateParse)
	if err != nil {
		return err
	}
	now := c.parseSettings()
	if stored == now {
		return nil
	}
	var n int
	if err := c.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM entries) + (SELECT count(*) FROM rejects)`).Scan(&n); err != nil {
		return fmt.Errorf("count entries: %w", err)
	}
	if n == 0 {
		_, err := c.db.ExecContext(ctx, `INSERT INTO state(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, stateParse, now)
		return err
	}
	c.reparse = true
	c.log.Warn("catalog parse settings changed; the next reconcile reads every article again (ids and slugs stay)",
		"was", stored, "now", now)
	return nil
}

// reread handles a file whose bytes are unchanged but which was parsed again because the
// parse settings changed: if what it yields now differs from what is stored, the entry is
// updated (readers see an update with the corrected dates); else only its stat is stored.
func (w *writer) reread(ctx context.Context, t *task) (bool, error) {
	var published int64
	var declared sql.NullInt64
	var title, summary, content, authors, categories string
	if err := w.tx.QueryRowContext(ctx, `SELECT published, declared_updated, title, summary, content_html, authors, categories
		FROM entries WHERE row = ?`, t.live.row).Scan(&published, &declared, &title, &summary, &content, &authors, &categories); err != nil {
		return false, fmt.Errorf("look up %s: %w", t.rel, err)
	}
	art := t.art
	na, nc, err := encodeLists(art)
	if err != nil {
		return false, fmt.Errorf("encode %s: %w", t.rel, err)
	}
	var np sql.NullInt64
	if !art.Published.IsZero() {
		np = sql.NullInt64{Int64: sec(art.Published).Unix(), Valid: true}
	}
	var nd sql.NullInt64
	if !art.Updated.IsZero() {
		nd = sql.NullInt64{Int64: sec(art.Updated).Unix(), Valid: true}
	}
	same := (!np.Valid || np.Int64 == published) && nd == declared && art.Title == title && art.Summary == summary &&
		art.ContentHTML == content && na == authors && nc == categories
	if same {
		return false, nil
	}
	return true, w.update(ctx, t)
}

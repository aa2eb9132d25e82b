package catalog

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

// The feed id is minted once per catalog: a later authority (or base URL) keeps it.
func TestFeedIDMintedOnce(t *testing.T) {
	ctx := context.Background()
	cfg := Config{Path: filepath.Join(t.TempDir(), "c.db"), Dir: t.TempDir(), Authority: "News.Example.org",
		Now: func() time.Time { return time.Date(2024, 7, 9, 23, 0, 0, 0, time.FixedZone("KST", 9*3600)) }}
	c, err := Open(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	id, err := c.FeedID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id != "tag:news.example.org,2024-07-09:feed" {
		t.Errorf("minted %q", id)
	}
	c.Close()
	cfg.Authority = "elsewhere.example"
	if c, err = Open(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if again, err := c.FeedID(ctx); err != nil || again != id {
		t.Errorf("after an authority change: %q, %v; want %q kept", again, err, id)
	}
}

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/feedpub/feedpub/internal/article"
	"github.com/feedpub/feedpub/internal/bucket"
	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/config"
	"github.com/feedpub/feedpub/internal/feed"
	inspectpkg "github.com/feedpub/feedpub/internal/inspect"
	"github.com/feedpub/feedpub/internal/manifest"
	"github.com/feedpub/feedpub/internal/progress"
	"github.com/feedpub/feedpub/internal/publish"
	"github.com/feedpub/feedpub/internal/sdnotify"
	"github.com/feedpub/feedpub/internal/section"
	"github.com/feedpub/feedpub/internal/server"
	"github.com/feedpub/feedpub/internal/watch"
	"golang.org/x/sync/errgroup"
)

func catalogConfig(s config.Settings, log *slog.Logger) catalog.Config {
	return catalog.Config{
		Path:        s.State,
		Dir:         s.Dir,
		Authority:   s.Authority,
		Article:     article.Options{Location: s.Location, MaxSize: s.MaxSize},
		KeepRemoved: s.KeepRemoved,
		Settle:      s.Settle,
		// Embargoes are the catalog's rule.
		PublishFuture:   s.PublishFuture,
		FutureTolerance: s.FutureTolerance,
		Logger:          log,

		AllowOutsideLinks: s.AllowOutsideLinks,
		MaxRemovals:       s.MaxRemovals,
	}
}

// publishConfig turns settings into the publisher's view. The Atom feed id, unless set, is
// the catalog's own.
func publishConfig(ctx context.Context, s config.Settings, cat *catalog.Catalog, log *slog.Logger) (publish.Config, error) {
	id := s.FeedID
	if id == "" {
		var err error
		if id, err = cat.FeedID(ctx); err != nil {
			return publish.Config{}, err
		}
	}
	return publish.Config{
		Site: feed.Site{
			Title:       s.Title,
			Description: s.Description,
			BaseURL:     s.BaseURL,
			Language:    s.Language,
			FeedID:      id,
			Author:      article.Author{Name: s.Author, Email: s.AuthorEmail},
			FeedBytes:   s.FeedBytes,
			Location:    s.Location,
			Hubs:        advertisedHubs(s),
		},
		FeedSize:    s.FeedSize,
		Icon:        s.Icon,
		Out:         dirOut(s.Out),
		KeepRemoved: s.KeepRemoved,
		Sections:    section.Dir(s.Dir),
		Settle:      s.Settle,
		Logger:      log,
		MaxAge:      s.MaxAge,
		PageMaxAge:  s.PageMaxAge,
	}, nil
}

var _ publish.Output = (*bucket.Bucket)(nil)

// openBucket opens the bucket an s3:// out names, or returns nil for a directory (which the
// publisher claims itself, from publish.Config.Out) or no out at all.
func openBucket(ctx context.Context, s config.Settings, log *slog.Logger) (*bucket.Bucket, error) {
	if !bucket.IsURL(s.Out) {
		return nil, nil
	}
	return bucket.Open(ctx, bucket.Config{URL: s.Out, Endpoint: s.S3Endpoint, Region: s.S3Region,
		Manifest: bucket.ManifestBeside(s.State), Logger: log})
}

// dirOut is out when it names a directory, else "" (a bucket is the publisher's Output).
func dirOut(out string) string {
	if bucket.IsURL(out) {
		return ""
	}
	return out
}

// daemonParts is what build and serve both start from: settings, a logger, the open catalog
// and the publisher's configuration.
type daemonParts struct {
	s       config.Settings
	resolve func() (config.Settings, error)
	log     *slog.Logger
	term    *progress.Terminal
	cat     *catalog.Catalog
	pc      publish.Config
	start   time.Time
}

func open(ctx context.Context, inv *invocation) (*daemonParts, error) {
	start := time.Now()
	s, resolve, o, err := inv.parse()
	if err != nil {
		return nil, err
	}
	if err := inv.operands(0, 0); err != nil {
		return nil, err
	}
	if inv.cmd.name == "build" && s.Out == "" {
		return nil, usageError("--out DIR is required: the directory (or s3://BUCKET/PREFIX) to write the site into")
	}
	term := progress.New(inv.stderr)
	log := newLogger(term.Writer(), s)
	logSettings(log, inv.cmd.name, s)
	if fi, err := os.Stat(s.Dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("article directory %s: not a directory (create it or pass --dir)", s.Dir)
	}
	if err := checkMoved(ctx, s); err != nil {
		return nil, err
	}
	cc := catalogConfig(s, log)
	cc.NewCatalog, cc.ConfirmRemovals = o.newCatalog, o.confirmRemovals
	if dirOut(s.Out) != "" {
		if manifest.Wrote(s.Out) {
			// A new catalog where feedpub already published is a lost one.
			cc.Evidence = "the output directory " + s.Out + " holds feeds feedpub published from a catalog"
		}
		// Refused before the catalog is created: a web root of someone else's files.
		m, err := manifest.Claim(s.Out, o.force)
		if err != nil {
			return nil, err
		}
		m.Close()
	}
	cc.Progress = progressFunc(term, "reading articles")
	cat, err := catalog.Open(ctx, cc)
	if err != nil {
		return nil, err
	}
	pc, err := publishConfig(ctx, s, cat, log)
	if err != nil {
		cat.Close()
		return nil, err
	}
	pc.Force = o.force
	pc.Progress = progressFunc(term, "writing pages")
	return &daemonParts{s: s, resolve: resolve, log: log, term: term, cat: cat, pc: pc, start: start}, nil
}

func build(ctx context.Context, inv *invocation) error {
	p, err := open(ctx, inv)
	if err != nil {
		return err
	}
	defer p.cat.Close()
	// A build serves nothing, so only its end counts: its pages are written alongside the import.
	p.pc.PagesDuringImport = true
	pub, err := publish.New(p.cat, p.pc)
	if err != nil {
		return err
	}
	defer pub.Close()
	b, err := openBucket(ctx, p.s, p.log)
	if err != nil {
		return err
	}
	if b != nil {
		defer b.Close()
		pub.SetOutput(b, false)
	}
	ws, err := newWebSub(p.s, p.cat, nil, p.log)
	if err != nil {
		return err
	}
	if ws != nil {
		pub.SetNotifier(ws)
	}
	out, err := pub.Reconcile(ctx)
	if err != nil {
		return err
	}
	// Files still being written, or unreadable for the moment, are waited for: a build
	// publishes nothing half-written, and leaves out nothing it could read a little later.
	if err := pub.Finish(ctx, buildPatience); err != nil {
		return err
	}
	logSummary(ctx, p, pub, out)
	if b != nil {
		if err := b.Close(); err != nil {
			return err
		}
	}
	// After the bucket is written: a hub may fetch the feeds from it.
	if ws != nil {
		fctx, cancel := context.WithTimeout(ctx, buildFlushTimeout)
		defer cancel()
		if err := ws.Flush(fctx); err != nil {
			p.log.Warn("hub notifications still owed; the next build or serve sends them", "err", err)
		}
	}
	return p.cat.Close()
}

// buildPatience is how long a build waits for files that are still being written or cannot be
// read yet before it fails, naming them.
const buildPatience = time.Minute

// startPatience is how long the daemon's start waits for files that were just written when it
// reconciled, so that "serving" (and systemd's READY) means every file that was there is in
// the feeds; a longer copy is published by the watcher's loop once it is complete.
func startPatience(settle time.Duration) time.Duration { return max(4*settle, time.Second) }

func serve(ctx context.Context, inv *invocation) error {
	p, err := open(ctx, inv)
	if err != nil {
		return err
	}
	defer p.cat.Close()
	// Take SIGHUP before anything slow: its default action ends the process, and a reload asked
	// for during a long first import must wait for it, not kill it.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	// SIGUSR1 is an operator confirming the removals a reconcile holds (an unmounted share
	// that is gone for good); taken early too, as its default action also ends the process.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	s, log, cat := p.s, p.log, p.cat
	pub, err := publish.New(cat, p.pc)
	if err != nil {
		return err
	}
	defer pub.Close()
	b, err := openBucket(ctx, s, log)
	if err != nil {
		return err
	}
	if b != nil {
		defer b.Close()
		// A bucket is written behind the served feeds, so that a store that is slow or down
		// never holds up ingesting and serving; a directory is written within each render.
		pub.SetOutput(b, true)
	}
	notify := sdnotify.New(os.Getenv("NOTIFY_SOCKET"))
	obs, err := observe(s, cat, log)
	if err != nil {
		return err
	}
	if obs.metrics != nil {
		pub.SetObserver(obs.metrics)
	}
	if obs.websub != nil {
		pub.SetNotifier(obs.websub)
	}
	srv := server.New(server.Config{MaxAge: s.MaxAge, ShutdownTimeout: s.Drain, Logger: log, Version: versionString(), Files: pub,
		Observer: obs.server, Routes: obs.routes}, pub, pub.Health)
	pub.SetServer(srv)
	// Watch before the first reconcile, so that a file dropped during it is seen by one or the other.
	w, err := watch.New(ctx, watch.Config{
		Root: s.Dir, Settle: s.Settle, Rescan: s.Rescan,
		Ignore: article.Ignored, IgnoreDir: article.IgnoredDir, Logger: log,
	})
	if err != nil {
		if ctx.Err() != nil {
			return nil // SIGINT during the first walk of a large tree
		}
		return err
	}
	defer w.Close()
	ln, err := net.Listen("tcp", s.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", s.Addr, err)
	}
	log.Info("listening", "addr", ln.Addr().String())
	var mln net.Listener
	if obs.metrics != nil && s.MetricsAddr != "" {
		if mln, err = net.Listen("tcp", s.MetricsAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen %s (metrics_addr): %w", s.MetricsAddr, err)
		}
		log.Info("listening", "addr", mln.Addr().String(), "for", "metrics")
	}
	// The first error of any part stops the others through gctx.
	g, gctx := errgroup.WithContext(ctx)
	// Serve at once: until the first render, feeds answer 503 with Retry-After, which readers
	// handle better than a refused connection during a long first reconcile.
	g.Go(func() error {
		if err := srv.Serve(gctx, ln); err != nil {
			return fmt.Errorf("http: %w", err)
		}
		return nil
	})
	if mln != nil {
		g.Go(func() error {
			if err := server.ServeHandler(gctx, mln, obs.operator, server.Config{ShutdownTimeout: s.Drain, Logger: log}); err != nil {
				return fmt.Errorf("metrics http: %w", err)
			}
			return nil
		})
	}
	if obs.websub != nil {
		// Hubs are told in the background; owed notifications from before a restart go out
		// as soon as this starts.
		g.Go(func() error { return obs.websub.Run(gctx) })
	}
	g.Go(func() error {
		<-gctx.Done()
		notify.Stopping()
		return nil
	})
	g.Go(func() error {
		out, err := pub.Reconcile(gctx)
		if err != nil {
			if gctx.Err() != nil {
				return nil // stopped during the first reconcile
			}
			// Transient (a full disk, no descriptors left): serve what there is, and let Run
			// retry until it succeeds.
			log.Error("first reconcile failed; retrying", "err", err)
		} else if err := pub.Finish(gctx, startPatience(s.Settle)); err != nil && gctx.Err() == nil {
			// Files still being copied in: Run publishes them once they are complete.
			log.Info("serving before every file is complete", "err", err)
		}
		logSummary(gctx, p, pub, out)
		// The first reconcile held the whole directory's path index and filled the catalog's
		// page caches; a daemon that then runs for months should not keep that peak as its
		// resident size.
		cat.ReleaseMemory()
		debug.FreeOSMemory()
		h, _ := pub.Health(gctx)
		log.Info("serving", "addr", ln.Addr().String(), "dir", s.Dir, "state", s.State,
			"articles", h.Articles, "base_url", s.BaseURL)
		// systemd's Type=notify: started means the feeds answer 200.
		status := fmt.Sprintf("serving %d articles on %s", h.Articles, ln.Addr())
		if err := notify.Ready(status); err != nil {
			log.Warn("systemd notification failed", "err", err)
		}
		batches := make(chan watch.Batch, 64)
		g.Go(func() error {
			if err := w.Run(gctx, batches); err != nil {
				return fmt.Errorf("watch %s: %w", s.Dir, err)
			}
			return nil
		})
		g.Go(func() error { return pub.Run(gctx, batches) })
		// A state directory deleted under the daemon is said at once, and the catalog saved.
		g.Go(func() error { return cat.Guard(gctx, time.Second) })
		g.Go(func() error {
			reloadOnHUP(gctx, hup, p, pub, batches, notify)
			return nil
		})
		g.Go(func() error {
			confirmOnUSR1(gctx, usr1, cat, batches, log)
			return nil
		})
		return nil
	})
	// Every part runs until gctx ends, on a signal (ctx) or the first error.
	if err := g.Wait(); err != nil {
		return err
	}
	log.Info("stopped")
	return cat.Close()
}

// reloadOnHUP re-reads the settings on each signal from hup and asks for a full reconcile.
// Settings that the running process cannot change (directory, addresses, state, keep_removed,
// timezone, max_size, publish_future, future_tolerance, out, the hubs and metrics_addr) keep
// their old values. A signal that arrived before it runs (during the first reconcile) is
// handled at once.
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, p *daemonParts, pub *publish.Publisher, batches chan<- watch.Batch, notify *sdnotify.Notifier) {
	log, cat := p.log, p.cat
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		notify.Reloading()
		s, err := p.resolve()
		if err != nil {
			log.Error("reload: settings rejected; keeping the old ones", "err", err)
			notify.Ready("reload failed: settings rejected; serving with the old ones")
			continue
		}
		pc, err := publishConfig(ctx, s, cat, log)
		// The catalog was opened with keep_removed and decides which entries it lists, so the
		// publisher must keep the same value until a restart; the WebSub service was started
		// with the hubs, so the feeds keep naming those.
		pc.KeepRemoved = p.pc.KeepRemoved
		pc.Site.Hubs = p.pc.Site.Hubs
		pc.Force, pc.Progress = p.pc.Force, p.pc.Progress
		if err == nil {
			err = pub.SetConfig(pc)
		}
		if err == nil {
			_, err = pub.Render(ctx)
		}
		if err != nil {
			log.Error("reload failed; keeping the old settings", "err", err)
			notify.Ready("reload failed; serving with the old settings")
			continue
		}
		log.Info("reload: settings applied", "config", s.File,
			"need_restart", "dir, addr, state, keep_removed, timezone, max_size, publish_future, future_tolerance, out, hubs, hub*, metrics_addr")
		notify.Ready("reloaded")
		select {
		case batches <- watch.Batch{Rescan: true, Reason: "SIGHUP"}:
		case <-ctx.Done():
			return
		}
	}
}

func inspect(ctx context.Context, inv *invocation) error {
	s, _, _, err := inv.parse()
	if err != nil {
		return err
	}
	if err := inv.operands(1, -1); err != nil {
		return err
	}
	cfg := inspectpkg.Config{Dir: s.Dir, BaseURL: s.BaseURL, PublishFuture: s.PublishFuture,
		Article: article.Options{Location: s.Location, MaxSize: s.MaxSize}}
	cat, err := inspectpkg.OpenCatalog(ctx, s.State, s.Dir)
	if err != nil {
		return err
	}
	if cat != nil { // a nil *Reader in the interface would not be a nil Catalog
		defer cat.Close()
		cfg.Catalog = cat
	}
	rejected, err := inspectpkg.Run(ctx, cfg, inv.args, inv.stdout)
	if err != nil {
		return err
	}
	if rejected {
		return errReported
	}
	return nil
}

func backup(ctx context.Context, inv *invocation) error {
	s, _, _, err := inv.parse()
	if err != nil {
		return err
	}
	if err := inv.operands(1, 1); err != nil {
		return err
	}
	log := newLogger(inv.stderr, s)
	rep, err := catalog.Backup(ctx, s.State, inv.args[0])
	if err != nil {
		return err
	}
	log.Info("backup written", "state", s.State, "backup", rep.Path, "entries", rep.Entries, "bytes", rep.Bytes,
		"duration_ms", rep.Duration.Milliseconds())
	return nil
}

// confirmOnUSR1 confirms, on each signal from usr1, the removals the catalog holds, and asks
// for the full reconcile that makes them.
func confirmOnUSR1(ctx context.Context, usr1 <-chan os.Signal, cat *catalog.Catalog, batches chan<- watch.Batch, log *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-usr1:
		}
		cat.ConfirmRemovals()
		log.Warn("SIGUSR1: held removals confirmed by the operator; reconciling")
		select {
		case batches <- watch.Batch{Rescan: true, Reason: "SIGUSR1: removals confirmed"}:
		case <-ctx.Done():
			return
		}
	}
}

// Package catalog records, in an embedded SQLite file, every article feedpub has published
// under an id and slug minted once and kept forever, with the dates feeds show. It reconciles
// the article directory against that record so that edits, touches, renames, restarts and
// crashes never make a feed reader see an old article as new.
package catalog

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/feedpub/feedpub/internal/article"
	"github.com/feedpub/feedpub/internal/fault"
	"github.com/feedpub/feedpub/internal/realdir"

	_ "modernc.org/sqlite" // registers the pure-Go "sqlite" driver
)

// Config says where the catalog lives and how articles are read and identified.
type Config struct {
	Path        string          // SQLite file (created with its directory if missing)
	Dir         string          // the article root
	Authority   string          // tag: URI authority, e.g. "example.org" (no port)
	Article     article.Options // zone and size limit for parsing
	KeepRemoved bool            // removed articles stay listed (marked Removed) instead of leaving the feed
	// PublishFuture publishes an article dated in the future at once; by default it is held
	// until its date (see HeldUntil). With it, a date more than FutureTolerance ahead is
	// logged as a warning, since it is more likely a wrong zone or year than an embargo.
	PublishFuture   bool
	FutureTolerance time.Duration
	// Settle is the quiet time of the completeness rule (complete.go): a file is read once its
	// mtime is this old (or two looks this far apart agree) and it does not change while read.
	// 0 drops the quiet time; the no-change-while-read check always applies.
	Settle time.Duration
	// AllowOutsideLinks publishes files reached through symbolic links that resolve outside
	// Dir; by default they are rejected with ErrOutside.
	AllowOutsideLinks bool
	// Evidence, if set, says where else a catalog is known to have existed (an output
	// directory feedpub wrote, say): a new catalog is then as lost as one the marker names.
	Evidence string
	// NewCatalog starts a new catalog on purpose where the one that was there is lost
	// (gone, empty or replaced), which Open otherwise refuses with ErrLost (marker.go).
	NewCatalog bool
	// MaxRemovals is the most removals a full reconcile makes without confirmation; 0 means no
	// limit. ConfirmRemovals confirms, for this Catalog's first full reconcile, whatever it
	// would hold (removals.go).
	MaxRemovals     int
	ConfirmRemovals bool
	Now             func() time.Time
	Logger          *slog.Logger // nil = discard

	// Progress, if set, is told how far a bulk reconcile (more than a few files) has come:
	// (0, total) first, then after each file, (total, total) last whatever the outcome. It is
	// called from one goroutine and must be quick.
	Progress func(done, total int)
}

// ErrLocked is returned (wrapped, naming the lock file) when another process holds the catalog.
var ErrLocked = errors.New("state file is in use by another feedpub process")

// ErrNotFound is returned by lookups that match no (visible) entry.
var ErrNotFound = errors.New("no such entry")

// ErrRemoved is returned by lookups of an entry that was removed: the catalog remembers it (its
// slug and id are never given to another), but it is no longer published.
var ErrRemoved = errors.New("entry was removed")

// ErrDuplicateID is wrapped by the rejection of an article whose declared id another entry
// already has: ids are the one thing readers key on, so the first holder keeps it.
var ErrDuplicateID = fault.Content("declared id is already used by another article")

// Catalog is an open catalog. Queries may run concurrently; reconciles are serialised.
type Catalog struct {
	cfg       Config
	path      string // the SQLite file, absolute
	authority string
	db        *sql.DB
	stmts     stmtCache // readers' statements, prepared once
	lock      *os.File
	log       *slog.Logger
	now       func() time.Time

	// mu serialises Reconcile and ReconcilePaths: there is one writer, and seq is advanced
	// only under mu.
	mu  sync.Mutex
	seq int64
	// reparse: the parse settings changed since the entries were read (checkParseSettings);
	// the next full reconcile reads every file. Guarded by mu.
	reparse bool

	settler *settler // the completeness rule's memory of deferred files

	// indexAfter turns off indexing feeds as entries are written, leaving it all to the pass
	// after (indexFeeds): tests check that the two give the same feeds.
	indexAfter bool
	// deferMin is the fewest files a first import defers its indexes for (deferMinJobs; tests
	// lower it).
	deferMin int

	confirmed     atomic.Bool // ConfirmRemovals was called: the next full reconcile makes held removals
	confirmedOnce atomic.Bool // Config.ConfirmRemovals has been used
}

// Keys of the internal state table (kept apart from meta so callers cannot clobber them).
const (
	stateCreated    = "created"
	stateSeq        = "seq"
	stateLastChange = "last_change"
	stateLastSync   = "last_sync"
	stateDir        = "dir" // the article directory last opened with, for FindOwner
)

// Open locks cfg.Path against other processes, opens (creating if needed) the database and
// brings its schema to the current version.
func Open(ctx context.Context, cfg Config) (*Catalog, error) {
	if cfg.Path == "" {
		return nil, errors.New("catalog: Config.Path is empty")
	}
	auth, err := CheckAuthority(cfg.Authority)
	if err != nil {
		return nil, err
	}
	path, err := filepath.Abs(cfg.Path)
	if err != nil {
		return nil, fmt.Errorf("catalog %s: %w", cfg.Path, err)
	}
	// A symlinked article directory walked as given would look empty and every entry would
	// be removed.
	cfg.Dir = realdir.Resolve(cfg.Dir)
	// The driver splits the DSN at '?', so such a name cannot be opened faithfully.
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("catalog %s: path must not contain '?'", path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	prior, err := readMarker(path)
	if err != nil {
		return nil, err
	}
	created := fresh(path)
	if err := checkBeforeOpen(path, cfg, prior); err != nil {
		return nil, err
	}
	// The lock is on the database file itself: a lock file beside it could be deleted from
	// under the holder, letting a second process in.
	lock, err := lockFile(path)
	if err != nil {
		return nil, err
	}
	c := &Catalog{cfg: cfg, path: path, authority: auth, lock: lock, now: cfg.Now, log: cfg.Logger,
		settler: newSettler(cfg.Settle), deferMin: deferMinJobs}
	if c.now == nil {
		c.now = time.Now
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	// synchronous=FULL rather than NORMAL: NORMAL survives kill -9 but may lose the last
	// commits on power loss, and a lost commit may already have been served in a feed, so
	// an id re-minted after it (say on a new day) would be a new id for a seen article.
	// Reconciles commit in batches of hundreds of rows, so the extra fsync is cheap (a first
	// import's too: writeconn.go says what NORMAL was measured to buy).
	// _txlock=immediate: every write transaction takes the write lock up front, so two
	// writers wait on busy_timeout instead of failing on a read-to-write upgrade.
	// cache_size: the readers' page cache; the writer's connection gets a larger one for each
	// reconcile (writeconn.go). The pool is capped below so the bound holds.
	dsn := path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=cache_size(-" + strconv.Itoa(readCacheKiB) +
		")&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		lock.Close()
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	// One writer, readers for the feeds and pages, and headroom; WAL lets them run together.
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(maxIdleConns)
	c.db = db
	if err := c.migrate(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	if err := c.initState(ctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("catalog %s: %w", path, err)
	}
	if err := c.checkIdentity(ctx, prior, created); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// maxIdleConns is the idle connections kept, stated because ReleaseMemory restores it. Each
// one's page cache fills up to its size (writeconn.go); feeds rendered on demand read all over
// the catalog, and two kept idle connections (database/sql's default) held 320 MB of a daemon
// serving 1,600 feeds where one held 70 MB, with 64 MiB caches for all. Readers now cache
// 8 MiB, and three are kept: a build renders feeds on two workers beside the page walk, and
// with one kept every other query closed a connection and the next opened one, parsing the
// schema and re-reading into an empty cache what the closed one held (two cold builds of
// 30,000 articles each way: FeedRange 1.11 and 0.74 s CPU to 0.74 and 0.62 s, its pread 0.38
// and 0.17 s to 0.20 and 0.11 s; peak RSS 125 MB to 128 and 131 MB).
const maxIdleConns = 3

// ReleaseMemory closes the idle database connections: after a bulk import their page caches
// are full, and a daemon that runs for months should not keep that peak.
// Connections reopen on demand with empty caches; connections in use are left alone.
func (c *Catalog) ReleaseMemory() {
	c.db.SetMaxIdleConns(0)
	c.db.SetMaxIdleConns(maxIdleConns)
}

// Close closes the database and releases the lock.
func (c *Catalog) Close() error {
	serr := c.stmts.close()
	err := c.db.Close()
	if err == nil {
		err = serr
	}
	if c.lock != nil {
		// Closing the descriptor drops the flock.
		if lerr := c.lock.Close(); err == nil {
			err = lerr
		}
		c.lock = nil
	}
	return err
}

// initState records the creation time on first open and loads the change counter.
func (c *Catalog) initState(ctx context.Context) error {
	created := strconv.FormatInt(c.now().UTC().Unix(), 10)
	if _, err := c.db.ExecContext(ctx,
		`INSERT INTO state(key, value) VALUES(?, ?) ON CONFLICT(key) DO NOTHING`, stateCreated, created); err != nil {
		return fmt.Errorf("state %s: %w", stateCreated, err)
	}
	v, err := c.state(ctx, stateSeq)
	if err != nil {
		return err
	}
	if v != "" {
		if c.seq, err = strconv.ParseInt(v, 10, 64); err != nil {
			return fmt.Errorf("state %s: %w", stateSeq, err)
		}
	}
	if dir, err := filepath.Abs(c.cfg.Dir); err == nil {
		if _, err := c.db.ExecContext(ctx, `INSERT INTO state(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
			stateDir, dir); err != nil {
			return fmt.Errorf("state %s: %w", stateDir, err)
		}
	}
	return c.checkParseSettings(ctx)
}

func (c *Catalog) state(ctx context.Context, key string) (string, error) {
	var v string
	err := c.db.QueryRowContext(ctx, `SELECT value FROM state WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("state %s: %w", key, err)
	}
	return v, nil
}

// CheckAuthority validates a tag: URI authority (RFC 4151: a DNS name or an email address)
// and returns the form ids are minted with. It is the one judge of an authority; settings
// call it too. A port is rejected because tag URIs have none; the value is lowercased because
// DNS names are case-insensitive and ids must compare equal byte for byte.
func CheckAuthority(a string) (string, error) {
	if a == "" {
		return "", errors.New("catalog: Authority is empty")
	}
	if strings.Contains(a, ":") {
		return "", fmt.Errorf("catalog: Authority %q must not have a port or scheme", a)
	}
	host := a
	if at := strings.LastIndexByte(a, '@'); at >= 0 {
		if at == 0 {
			return "", fmt.Errorf("catalog: Authority %q has an empty user part", a)
		}
		host = a[at+1:]
	}
	if host == "" || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".") || strings.Contains(host, "..") {
		return "", fmt.Errorf("catalog: Authority %q is not a DNS name", a)
	}
	for _, r := range a {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' ||
			strings.ContainsRune(".-_@+", r)
		if !ok {
			return "", fmt.Errorf("catalog: Authority %q contains %q", a, r)
		}
	}
	return strings.ToLower(a), nil
}

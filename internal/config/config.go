// Package config resolves feedpub's settings from defaults, a TOML file, FEEDPUB_* environment
// variables and command-line flags, in that order of increasing precedence. Every setting has one
// key, spelled the same way in all three sources, so the docs list each once.
package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/feedpub/feedpub/internal/article"
	"github.com/feedpub/feedpub/internal/bucket"
	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/publish"
	"github.com/feedpub/feedpub/internal/server"
	"github.com/feedpub/feedpub/internal/watch"
	"github.com/feedpub/feedpub/internal/websub"
)

// DefaultFile is the config file read from the working directory when neither --config nor
// FEEDPUB_CONFIG names one. The repo keeps one beside seeds/ so the quick start needs no flags.
const DefaultFile = "feedpub.toml"

// ErrInvalid marks a setting whose value cannot be used; the message names the key and source.
var ErrInvalid = errors.New("invalid setting")

// Settings is the resolved configuration of one feedpub run.
type Settings struct {
	Dir   string // article directory
	Out   string // static output directory or s3://BUCKET/PREFIX; empty means none (serve) or required (build)
	State string // catalog file; empty means a per-directory file under the user's state dir
	Addr  string // HTTP listen address

	BaseURL     string
	Title       string
	Description string
	Language    string
	Author      string
	AuthorEmail string
	Icon        string // site icon file; empty means none
	Authority   string // tag: URI authority; empty means BaseURL's host
	FeedID      string // Atom feed id; empty means minted once and stored in the catalog
	FeedSize    int

	Timezone    string
	Location    *time.Location // resolved from Timezone
	MaxSize     int64
	KeepRemoved bool
	// AllowOutsideLinks publishes files reached through symbolic links that lead outside Dir.
	AllowOutsideLinks bool
	// MaxRemovals is the most removals a full reconcile makes without confirmation; 0: no limit.
	MaxRemovals int
	// FeedBytes is the byte budget of a feed's full text; 0: none.
	FeedBytes int

	// PublishFuture turns embargoes off: an article dated in the future is published at once,
	// with a warning when its date is more than FutureTolerance ahead.
	PublishFuture   bool
	FutureTolerance time.Duration

	Settle     time.Duration
	Rescan     time.Duration
	MaxAge     time.Duration
	PageMaxAge time.Duration
	Drain      time.Duration

	S3Endpoint string // for an s3:// out: the store's address; empty means AWS
	S3Region   string

	LogFormat string
	LogLevel  string

	// File is the config file that was read, if any; SIGHUP reads it again. Searched lists
	// the paths looked at when none was read, for the start-up log.
	File     string
	Searched []string

	// AuthorityFrom says where Authority came from: "authority" (set), "base_url" (set, its
	// host) or "default" (the host of the default base URL, http://ADDR/).
	AuthorityFrom string
	// StateDefaulted: State is the per-directory default, which moves with the directory.
	StateDefaulted bool

	// WebSub and metrics.
	Hubs                []string      // external hubs every feed names and that are told of every change
	Hub                 bool          // run the built-in hub at BaseURL + HubPath
	HubURL              string        // derived: the built-in hub's URL when Hub is set, else ""
	HubAllowPrivate     bool          // the built-in hub may call callbacks on loopback and private networks
	HubLease            time.Duration // lease when a subscriber asks for none
	HubMaxLease         time.Duration // longest lease granted
	HubMaxSubscriptions int
	MetricsAddr         string // "" serves /metrics and /stats on addr; MetricsOff serves neither
}

// Defaults returns the settings used when no source says otherwise. A default that a package
// owns (a limit, a timing) is that package's constant, so it is written once; the packages
// take the values they are given. Zero means what it says: rescan = 0 turns the periodic
// reconcile off, max_age = 0 sends max-age=0, drain = 0 does not wait.
func Defaults() Settings {
	return Settings{
		Dir:         "seeds",
		Addr:        "127.0.0.1:8080",
		Title:       "feedpub",
		Language:    "en",
		FeedSize:    50,
		MaxRemovals: catalog.DefaultMaxRemovals,
		FeedBytes:   feed.DefaultFeedBytes,
		Timezone:    "UTC",
		MaxSize:     article.DefaultMaxSize,
		// Held until their date unless publish_future; the tolerance only matters with it.
		FutureTolerance: catalog.DefaultFutureTolerance,
		Settle:          watch.DefaultSettle,
		Rescan:          watch.DefaultRescan,
		MaxAge:          server.DefaultMaxAge,
		PageMaxAge:      publish.DefaultPageMaxAge,
		Drain:           server.DefaultShutdownTimeout,
		LogFormat:       "text",
		LogLevel:        "info",

		HubLease:            websub.DefaultLease,
		HubMaxLease:         websub.DefaultMaxLease,
		HubMaxSubscriptions: websub.DefaultMaxSubscriptions,
	}
}

// Resolve applies, over the defaults, the config file (explicit path, else $FEEDPUB_CONFIG, else
// ./feedpub.toml when present), then the environment, then flag values.
func Resolve(file string, env func(string) (string, bool), flags map[string]string) (Settings, error) {
	s := Defaults()
	explicit := file != ""
	if !explicit {
		if v, ok := env("FEEDPUB_CONFIG"); ok && v != "" {
			file, explicit = v, true
		} else {
			file = DefaultFile
		}
	}
	if err := s.readFile(file, explicit); err != nil {
		return s, err
	}
	for _, k := range keys {
		if v, ok := env(envName(k.name)); ok {
			if err := k.set(&s, v); err != nil {
				return s, fmt.Errorf("%w: %s=%q (environment): %v", ErrInvalid, envName(k.name), v, err)
			}
		}
	}
	// Apply flags in key order so the result does not depend on map iteration.
	for _, k := range keys {
		if v, ok := flags[k.name]; ok {
			if err := k.set(&s, v); err != nil {
				return s, fmt.Errorf("%w: --%s=%q: %v", ErrInvalid, flagName(k.name), v, err)
			}
		}
	}
	return s, s.finish()
}

func (s *Settings) readFile(file string, explicit bool) error {
	raw := map[string]any{}
	_, err := toml.DecodeFile(file, &raw)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		abs, aerr := filepath.Abs(file)
		if aerr != nil {
			abs = file
		}
		s.Searched = []string{abs}
		return nil
	}
	if err != nil {
		return fmt.Errorf("config file %s: %w", file, err)
	}
	byName := map[string]key{}
	for _, k := range keys {
		byName[k.name] = k
	}
	names := make([]string, 0, len(raw))
	for n := range raw {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		k, ok := byName[n]
		if !ok {
			return fmt.Errorf("config file %s: %w: unknown key %q", file, ErrInvalid, n)
		}
		v := fmt.Sprint(raw[n])
		if list, ok := raw[n].([]any); ok {
			// A TOML array (hubs = ["...", "..."]) is the comma-separated list of the other sources.
			parts := make([]string, len(list))
			for i, x := range list {
				parts[i] = fmt.Sprint(x)
			}
			v = strings.Join(parts, ",")
		}
		if err := k.set(s, v); err != nil {
			return fmt.Errorf("config file %s: %w: %s = %q: %v", file, ErrInvalid, n, v, err)
		}
	}
	s.File = file
	if abs, err := filepath.Abs(file); err == nil {
		s.File = abs // the start-up log names the file wherever the daemon was started
	}
	// Paths in a config file are relative to the file, so it works from any working directory;
	// a bucket URL is no path.
	base := filepath.Dir(file)
	for name, p := range map[string]*string{"dir": &s.Dir, "out": &s.Out, "state": &s.State, "icon": &s.Icon} {
		if _, set := raw[name]; set && *p != "" && !filepath.IsAbs(*p) && !(name == "out" && bucket.IsURL(*p)) {
			*p = filepath.Join(base, *p)
		}
	}
	return nil
}

// finish checks the settings and derives what was left to a default.
func (s *Settings) finish() error {
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return fmt.Errorf("%w: timezone %q: not a known zone; want an IANA name like Asia/Seoul or UTC", ErrInvalid, s.Timezone)
	}
	s.Location = loc
	s.AuthorityFrom = "authority"
	if s.Authority == "" {
		s.AuthorityFrom = "base_url"
	}
	if s.BaseURL == "" {
		s.BaseURL = "http://" + s.Addr + "/"
		if s.Authority == "" {
			s.AuthorityFrom = "default"
		}
	}
	// The feed renderer and the catalog judge these; asking them here refuses a bad value
	// with the setting's name, before anything is opened.
	base, err := feed.BaseURL(s.BaseURL)
	if err != nil {
		return fmt.Errorf("%w: base_url %q: %w", ErrInvalid, s.BaseURL, err)
	}
	s.BaseURL = base
	if s.Authority == "" {
		u, _ := url.Parse(base) // feed.BaseURL parsed it already
		s.Authority = u.Hostname()
	}
	auth, err := catalog.CheckAuthority(s.Authority)
	if err != nil {
		return fmt.Errorf("%w: authority %q: %w", ErrInvalid, s.Authority, err)
	}
	s.Authority = auth
	if s.Dir == "" {
		return fmt.Errorf("%w: dir is empty", ErrInvalid)
	}
	if bucket.IsURL(s.Out) {
		if _, err := bucket.ParseURL(s.Out); err != nil {
			return fmt.Errorf("%w: out: %w", ErrInvalid, err)
		}
	}
	if err := bucket.CheckEndpoint(s.S3Endpoint); err != nil {
		return fmt.Errorf("%w: s3_endpoint: %w", ErrInvalid, err)
	}
	if s.State == "" {
		p, err := defaultState(s.Dir)
		if err != nil {
			return err
		}
		s.State, s.StateDefaulted = p, true
	}
	switch s.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("%w: log_format %q: want text or json", ErrInvalid, s.LogFormat)
	}
	if _, err := s.Level(); err != nil {
		return err
	}
	if _, err := net.ResolveTCPAddr("tcp", s.Addr); err != nil {
		return fmt.Errorf("%w: addr %q: %v", ErrInvalid, s.Addr, err)
	}
	return s.finishWebSub()
}

// defaultState keeps one catalog per article directory under the XDG state directory, so that
// running feedpub on two directories never mixes their entries and the repo stays clean.
func defaultState(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("state path for %s: %w", dir, err)
	}
	root := os.Getenv("XDG_STATE_HOME")
	if root == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("state path: set --state or $HOME: %w", err)
		}
		root = filepath.Join(home, ".local", "state")
	}
	sum := sha256.Sum256([]byte(abs))
	name := filepath.Base(abs) + "-" + hex.EncodeToString(sum[:6]) + ".db"
	return filepath.Join(root, "feedpub", name), nil
}

// Level is LogLevel as a slog level.
func (s Settings) Level() (slog.Level, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(s.LogLevel)); err != nil {
		return 0, fmt.Errorf("%w: log_level %q: want debug, info, warn or error", ErrInvalid, s.LogLevel)
	}
	return lv, nil
}

// ProvisionalAuthority returns, when new entry ids would be minted from an authority that is
// a loopback address or was never chosen (the host of the default base URL), what to set
// instead; "" when the authority was chosen. Ids are permanent, so this is worth a warning.
func (s Settings) ProvisionalAuthority() string {
	host := s.Authority
	loopback := host == "localhost" || strings.HasSuffix(host, ".localhost")
	if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || ip.IsUnspecified()) {
		loopback = true
	}
	if !loopback && s.AuthorityFrom != "default" {
		return ""
	}
	return "set base_url (or authority) to the site's public address, e.g. base_url = \"https://news.example.org/\", before the first run in production"
}

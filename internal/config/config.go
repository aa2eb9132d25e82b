// Package config resolves feedpub's settings from defaults, a TOML file, FEEDPUB_* environment
// variables and command-line flags, in that order of increasing precedence. Every setting has one
// key, spelled the same way in all three sources, so the docs list each once.
package config

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/feedpub/feedpub/internal/article"
	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/feed"
	"github.com/feedpub/feedpub/internal/server"
	"github.com/feedpub/feedpub/internal/watch"
)

// DefaultFile is the config file read from the working directory when neither --config nor
// FEEDPUB_CONFIG names one. The repo keeps one beside seeds/ so the quick start needs no flags.
const DefaultFile = "feedpub.toml"

// ErrInvalid marks a setting whose value cannot be used; the message names the key and source.
var ErrInvalid = errors.New("invalid setting")

// Settings is the resolved configuration of one feedpub run.
type Settings struct {
	Dir   string // article directory
	Out   string // static output directory; empty means none (serve) or required (build)
	State string // catalog file; empty means a per-directory file under the user's state dir
	Addr  string // HTTP listen address

	BaseURL     string
	Title       string
	Description string
	Language    string
	Author      string
	AuthorEmail string
	Authority   string // tag: URI authority; empty means BaseURL's host
	FeedID      string // Atom feed id; empty means minted once and stored in the catalog
	FeedSize    int

	Timezone    string
	Location    *time.Location // resolved from Timezone
	MaxSize     int64
	KeepRemoved bool

	Settle time.Duration
	Rescan time.Duration
	MaxAge time.Duration
	Drain  time.Duration

	LogFormat string
	LogLevel  string

	// File is the config file that was read, if any; SIGHUP reads it again.
	File string
}

// Defaults returns the settings used when no source says otherwise. A default that a package
// owns (a limit, a timing) is that package's constant, so it is written once; the packages
// take the values they are given. Zero means what it says: rescan = 0 turns the periodic
// reconcile off, max_age = 0 sends max-age=0, drain = 0 does not wait.
func Defaults() Settings {
	return Settings{
		Dir:       "seeds",
		Addr:      "127.0.0.1:8080",
		Title:     "feedpub",
		Language:  "en",
		FeedSize:  50,
		Timezone:  "UTC",
		MaxSize:   article.DefaultMaxSize,
		Settle:    watch.DefaultSettle,
		Rescan:    watch.DefaultRescan,
		MaxAge:    server.DefaultMaxAge,
		Drain:     server.DefaultShutdownTimeout,
		LogFormat: "text",
		LogLevel:  "info",
	}
}

// key is one setting: its name in the file (snake_case), as a flag (kebab-case) and in the
// environment (FEEDPUB_UPPER_CASE), and how a string form of its value is applied.
type key struct {
	name  string
	usage string
	set   func(s *Settings, v string) error
}

func str(p func(*Settings) *string) func(*Settings, string) error {
	return func(s *Settings, v string) error { *p(s) = v; return nil }
}

func dur(p func(*Settings) *time.Duration) func(*Settings, string) error {
	return func(s *Settings, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return err
		}
		*p(s) = d
		return nil
	}
}

var keys = []key{
	{"dir", "directory of articles to publish", str(func(s *Settings) *string { return &s.Dir })},
	{"out", "also write the static site (feeds and pages) into this directory", str(func(s *Settings) *string { return &s.Out })},
	{"state", "catalog file (default: under $XDG_STATE_HOME/feedpub, one per article directory)", str(func(s *Settings) *string { return &s.State })},
	{"addr", "HTTP listen address", str(func(s *Settings) *string { return &s.Addr })},
	{"base_url", "public URL the site is served at (default: http://ADDR/)", str(func(s *Settings) *string { return &s.BaseURL })},
	{"title", "site title", str(func(s *Settings) *string { return &s.Title })},
	{"description", "site description", str(func(s *Settings) *string { return &s.Description })},
	{"language", "site language (BCP 47)", str(func(s *Settings) *string { return &s.Language })},
	{"author", "default author for articles that name none", str(func(s *Settings) *string { return &s.Author })},
	{"author_email", "default author's e-mail", str(func(s *Settings) *string { return &s.AuthorEmail })},
	{"authority", "tag: URI authority for new entry ids (default: base URL host)", str(func(s *Settings) *string { return &s.Authority })},
	{"feed_id", "Atom feed id (default: minted once per catalog)", str(func(s *Settings) *string { return &s.FeedID })},
	{"feed_size", "number of entries in each feed", func(s *Settings, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("want a positive whole number, got %q", v)
		}
		s.FeedSize = n
		return nil
	}},
	{"timezone", "IANA zone for dates written without one", str(func(s *Settings) *string { return &s.Timezone })},
	{"max_size", "largest article file accepted, in bytes", func(s *Settings, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return fmt.Errorf("want a positive number of bytes, got %q", v)
		}
		s.MaxSize = n
		return nil
	}},
	{"keep_removed", "keep deleted articles in the feeds", func(s *Settings, v string) error {
		b, err := strconv.ParseBool(v)
		s.KeepRemoved = b
		return err
	}},
	{"settle", "quiet time before a changed file is read", dur(func(s *Settings) *time.Duration { return &s.Settle })},
	{"rescan", "interval of the full safety reconcile (0 disables)", dur(func(s *Settings) *time.Duration { return &s.Rescan })},
	{"max_age", "Cache-Control max-age of served feeds", dur(func(s *Settings) *time.Duration { return &s.MaxAge })},
	{"drain", "how long shutdown waits for requests in flight", dur(func(s *Settings) *time.Duration { return &s.Drain })},
	{"log_format", "log format: text or json", str(func(s *Settings) *string { return &s.LogFormat })},
	{"log_level", "log level: debug, info, warn or error", str(func(s *Settings) *string { return &s.LogLevel })},
}

func flagName(k string) string { return strings.ReplaceAll(k, "_", "-") }
func envName(k string) string  { return "FEEDPUB_" + strings.ToUpper(k) }

// Flags registers every setting on fs and returns a function that resolves the final settings
// once fs has been parsed. The names restrict which settings the command offers; none means all.
func Flags(fs *flag.FlagSet, names ...string) func() (Settings, error) {
	offered := map[string]bool{}
	for _, n := range names {
		offered[n] = true
	}
	given := map[string]string{}
	for _, k := range keys {
		if len(names) > 0 && !offered[k.name] {
			continue
		}
		fs.Func(flagName(k.name), k.usage, func(v string) error {
			given[k.name] = v
			return nil
		})
	}
	var file string
	fs.StringVar(&file, "config", "", "TOML config file (default: $FEEDPUB_CONFIG, else ./"+DefaultFile+" if present)")
	return func() (Settings, error) {
		return Resolve(file, os.LookupEnv, given)
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
		if err := k.set(s, v); err != nil {
			return fmt.Errorf("config file %s: %w: %s = %q: %v", file, ErrInvalid, n, v, err)
		}
	}
	s.File = file
	// Paths in a config file are relative to the file, so it works from any working directory.
	base := filepath.Dir(file)
	for name, p := range map[string]*string{"dir": &s.Dir, "out": &s.Out, "state": &s.State} {
		if _, set := raw[name]; set && *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
	return nil
}

// finish checks the settings and derives what was left to a default.
func (s *Settings) finish() error {
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		return fmt.Errorf("%w: timezone %q: %v", ErrInvalid, s.Timezone, err)
	}
	s.Location = loc
	if s.BaseURL == "" {
		s.BaseURL = "http://" + s.Addr + "/"
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
	if s.State == "" {
		p, err := defaultState(s.Dir)
		if err != nil {
			return err
		}
		s.State = p
	}
	switch s.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("%w: log_format %q: want text or json", ErrInvalid, s.LogFormat)
	}
	if _, err := net.ResolveTCPAddr("tcp", s.Addr); err != nil {
		return fmt.Errorf("%w: addr %q: %v", ErrInvalid, s.Addr, err)
	}
	return nil
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

// Keys lists every setting as (file key, flag, environment variable, usage), for the README.
func Keys() [][4]string {
	out := make([][4]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, [4]string{k.name, "--" + flagName(k.name), envName(k.name), k.usage})
	}
	return out
}

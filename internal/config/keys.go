package config

// The table of settings: each key's names in the file, on the command line and in the
// environment, its help text, and how a flag's value reaches Resolve.

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// key is one setting: its name in the file (snake_case), as a flag (kebab-case) and in the
// environment (FEEDPUB_UPPER_CASE), the placeholder help shows for its value, and how a string
// form of its value is applied and shown.
type key struct {
	name      string
	arg       string // e.g. DURATION; "" for a boolean
	usage     string
	serveOnly bool // means something only to the running daemon (serve)
	set       func(s *Settings, v string) error
	get       func(s *Settings) string
}

// countKey is a whole number of zero or more, where 0 turns a limit off.
func countKey(name, arg, usage string, p func(*Settings) *int) key {
	return key{name: name, arg: arg, usage: usage,
		set: func(s *Settings, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("want a whole number, 0 or more")
			}
			*p(s) = n
			return nil
		},
		get: func(s *Settings) string { return strconv.Itoa(*p(s)) }}
}

func strKey(name, arg, usage string, p func(*Settings) *string) key {
	return key{name: name, arg: arg, usage: usage,
		set: func(s *Settings, v string) error { *p(s) = v; return nil },
		get: func(s *Settings) string { return *p(s) }}
}

// durKey is a duration of zero or more: a negative settle, rescan or drain has no meaning and
// would fail later, after a catalog was created.
func durKey(name, usage string, p func(*Settings) *time.Duration) key {
	return key{name: name, arg: "DURATION", usage: usage, serveOnly: true,
		set: func(s *Settings, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d < 0 {
				return fmt.Errorf("want a duration of 0 or more, like 250ms or 10m")
			}
			*p(s) = d
			return nil
		},
		get: func(s *Settings) string { return p(s).String() }}
}

func serveOnly(k key) key { k.serveOnly = true; return k }

// forBuildToo marks a duration that build uses as well: the cache headers of a bucket's objects.
func forBuildToo(k key) key { k.serveOnly = false; return k }

func boolKey(name, usage string, p func(*Settings) *bool) key {
	return key{name: name, usage: usage,
		set: func(s *Settings, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("want true or false")
			}
			*p(s) = b
			return nil
		},
		get: func(s *Settings) string { return strconv.FormatBool(*p(s)) }}
}

// keys are every setting, in the order help and the README show them.
var keys = slices.Concat(coreKeys, webSubKeys)

var coreKeys = []key{
	strKey("dir", "DIR", "directory of articles to publish", func(s *Settings) *string { return &s.Dir }),
	strKey("out", "DIR", "also write the static site (feeds and pages) into this directory, or into the bucket s3://BUCKET/PREFIX", func(s *Settings) *string { return &s.Out }),
	strKey("state", "FILE", "catalog file (default: under $XDG_STATE_HOME/feedpub, one per article directory)", func(s *Settings) *string { return &s.State }),
	serveOnly(strKey("addr", "ADDR", "HTTP listen address", func(s *Settings) *string { return &s.Addr })),
	strKey("base_url", "URL", "public URL the site is served at (default: http://ADDR/)", func(s *Settings) *string { return &s.BaseURL }),
	strKey("title", "TEXT", "site title", func(s *Settings) *string { return &s.Title }),
	strKey("description", "TEXT", "site description", func(s *Settings) *string { return &s.Description }),
	strKey("language", "TAG", "site language (BCP 47)", func(s *Settings) *string { return &s.Language }),
	strKey("author", "NAME", "the publication's author: the feeds' own author (Atom names the site title without one); never put on articles that name none", func(s *Settings) *string { return &s.Author }),
	strKey("author_email", "EMAIL", "the publication author's e-mail", func(s *Settings) *string { return &s.AuthorEmail }),
	strKey("icon", "FILE", "site icon file (PNG, ICO, SVG, ...), served at /favicon.ico and named by the feeds", func(s *Settings) *string { return &s.Icon }),
	strKey("authority", "HOST", "tag: URI authority for new entry ids (default: base URL host)", func(s *Settings) *string { return &s.Authority }),
	strKey("feed_id", "URI", "Atom feed id (default: minted once per catalog)", func(s *Settings) *string { return &s.FeedID }),
	{name: "feed_size", arg: "N", usage: "number of entries in each feed", set: func(s *Settings, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return fmt.Errorf("want a positive whole number")
		}
		s.FeedSize = n
		return nil
	}, get: func(s *Settings) string { return strconv.Itoa(s.FeedSize) }},
	countKey("max_removals", "N", "most removals a full reconcile makes before waiting for confirmation (0: no limit)", func(s *Settings) *int { return &s.MaxRemovals }),
	countKey("feed_bytes", "BYTES", "byte budget of a feed's full text: the newest entries that fit carry it, the rest their summary (0: no budget)", func(s *Settings) *int { return &s.FeedBytes }),
	strKey("timezone", "ZONE", "IANA zone for dates written without one", func(s *Settings) *string { return &s.Timezone }),
	{name: "max_size", arg: "BYTES", usage: "largest article file accepted, in bytes", set: func(s *Settings, v string) error {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			return fmt.Errorf("want a positive number of bytes")
		}
		s.MaxSize = n
		return nil
	}, get: func(s *Settings) string { return strconv.FormatInt(s.MaxSize, 10) }},
	boolKey("keep_removed", "keep deleted articles in the feeds", func(s *Settings) *bool { return &s.KeepRemoved }),
	boolKey("publish_future", "publish articles dated in the future at once instead of holding them until their date", func(s *Settings) *bool { return &s.PublishFuture }),
	// build applies it too (the catalog warns), so it is not serve-only like the other durations.
	func() key {
		k := durKey("future_tolerance", "with publish_future, how far ahead a date may lie before it is logged as a warning",
			func(s *Settings) *time.Duration { return &s.FutureTolerance })
		k.serveOnly = false
		return k
	}(),
	{name: "allow_outside_links", usage: "publish files through symbolic links that lead outside dir", set: func(s *Settings, v string) error {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("want true or false")
		}
		s.AllowOutsideLinks = b
		return nil
	}, get: func(s *Settings) string { return strconv.FormatBool(s.AllowOutsideLinks) }},
	durKey("settle", "quiet time before a changed file is read", func(s *Settings) *time.Duration { return &s.Settle }),
	durKey("rescan", "interval of the full safety reconcile (0 disables)", func(s *Settings) *time.Duration { return &s.Rescan }),
	forBuildToo(durKey("max_age", "Cache-Control max-age of served feeds (and of the feeds in a bucket)", func(s *Settings) *time.Duration { return &s.MaxAge })),
	forBuildToo(durKey("page_max_age", "Cache-Control max-age of article pages in a bucket", func(s *Settings) *time.Duration { return &s.PageMaxAge })),
	strKey("s3_endpoint", "URL", "S3-compatible store for an s3:// out: host[:port] or http(s)://host[:port] (default: AWS)", func(s *Settings) *string { return &s.S3Endpoint }),
	strKey("s3_region", "REGION", "region of an s3:// out's bucket (default: asked of the store)", func(s *Settings) *string { return &s.S3Region }),
	durKey("drain", "how long shutdown waits for requests in flight", func(s *Settings) *time.Duration { return &s.Drain }),
	strKey("log_format", "FORMAT", "log format: text or json", func(s *Settings) *string { return &s.LogFormat }),
	strKey("log_level", "LEVEL", "log level: debug, info, warn or error", func(s *Settings) *string { return &s.LogLevel }),
}

func flagName(k string) string { return strings.ReplaceAll(k, "_", "-") }
func envName(k string) string  { return "FEEDPUB_" + strings.ToUpper(k) }

// flagValue records a flag's value for Resolve; its String is the default help shows.
type flagValue struct {
	k     key
	given map[string]string
	def   string
}

func (f *flagValue) String() string {
	if f == nil {
		return ""
	}
	return f.def
}

func (f *flagValue) Set(v string) error {
	// Checked now, so that a bad value is reported as the flag's and nothing runs.
	s := Defaults()
	if err := f.k.set(&s, v); err != nil {
		return err
	}
	f.given[f.k.name] = v
	return nil
}

// IsBoolFlag lets "--keep-removed" stand for "--keep-removed=true".
func (f *flagValue) IsBoolFlag() bool { return f.k.arg == "" }

// Flags registers the named settings on fs (none: all of them) and --config, and returns a
// function that resolves the final settings once fs has been parsed. Each flag's DefValue is
// its default, shown by help.
func Flags(fs *flag.FlagSet, names ...string) func() (Settings, error) {
	offered := map[string]bool{}
	for _, n := range names {
		offered[n] = true
	}
	given := map[string]string{}
	def := Defaults()
	for _, k := range keys {
		if len(names) > 0 && !offered[k.name] {
			continue
		}
		fs.Var(&flagValue{k: k, given: given, def: k.get(&def)}, flagName(k.name), k.usage)
	}
	var file string
	fs.StringVar(&file, "config", "", "TOML config file (default: $FEEDPUB_CONFIG, else ./"+DefaultFile+" if present)")
	return func() (Settings, error) {
		return Resolve(file, os.LookupEnv, given)
	}
}

// Key describes one setting for help and the README.
type Key struct {
	Name      string // in the config file: base_url
	Flag      string // --base-url
	Env       string // FEEDPUB_BASE_URL
	Arg       string // placeholder for the value: URL ("" for a boolean)
	Usage     string
	Default   string // as a flag value; "" when there is none or it is derived
	ServeOnly bool   // meaningful only to `feedpub serve`
}

// Keys lists every setting in the order help and the README show them.
func Keys() []Key {
	def := Defaults()
	out := make([]Key, 0, len(keys))
	for _, k := range keys {
		out = append(out, Key{Name: k.name, Flag: "--" + flagName(k.name), Env: envName(k.name), Arg: k.arg,
			Usage: k.usage, Default: k.get(&def), ServeOnly: k.serveOnly})
	}
	return out
}

// Lookup returns the setting whose flag is --flag.
func Lookup(flag string) (Key, bool) {
	for _, k := range Keys() {
		if k.Flag == "--"+flag {
			return k, true
		}
	}
	return Key{}, false
}

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/feedpub/feedpub/internal/config"
)

// command is one subcommand: what help says about it and which settings it takes.
type command struct {
	name     string
	operands string // after the flags, e.g. "FILE..."
	summary  string
	settings func() []string // the config keys offered; nil offers none
	force    bool            // takes --force (an output directory) and --new-catalog
	run      func(ctx context.Context, inv *invocation) error
}

// once are the flags that ask for something once, for this run, and so are no setting a
// config file could keep asking for.
type once struct {
	force           bool // write into a non-empty output directory feedpub has never written to
	newCatalog      bool // start a new catalog where the one that was there is lost
	confirmRemovals bool // make the removals the first reconcile would hold (catalog.Config.MaxRemovals)
}

// invocation is one run of a command with its arguments.
type invocation struct {
	cmd            *command
	args           []string
	stdout, stderr io.Writer
}

// shown carries text to print on stdout and exit 0: help or the version.
type shown struct{ text string }

func (s shown) Error() string { return "shown" }

func allSettings() []string { return settingNames(func(config.Key) bool { return true }) }
func staticSettings() []string {
	return settingNames(func(k config.Key) bool { return !k.ServeOnly })
}
func named(names ...string) func() []string { return func() []string { return names } }

func settingNames(keep func(config.Key) bool) []string {
	var out []string
	for _, k := range config.Keys() {
		if keep(k) {
			out = append(out, k.Name)
		}
	}
	return out
}

var commands []*command

func init() {
	// Assigned in init because the run functions refer back to the table (help).
	commands = []*command{
		{name: "serve", summary: "watch the article directory and serve the feeds over HTTP (the default command)",
			settings: allSettings, force: true, run: serve},
		{name: "build", summary: "write rss.xml, atom.xml, feed.json, index.html and articles/ into --out, once",
			settings: staticSettings, force: true, run: build},
		{name: "inspect", operands: "FILE...", summary: "print what feedpub reads from each FILE (a directory: every file in it), why it ignores or rejects it, and what the catalog did with it (one JSON object per line)",
			settings: named("dir", "state", "base_url", "timezone", "max_size", "publish_future"), run: inspect},
		{name: "backup", operands: "FILE", summary: "write a consistent copy of the catalog to FILE, even while the daemon runs",
			settings: named("dir", "state", "log_format", "log_level"), run: backup},
		{name: "version", summary: "print the version", run: func(context.Context, *invocation) error {
			return shown{"feedpub " + versionString() + "\n"}
		}},
		{name: "help", operands: "[COMMAND]", summary: "show the commands, or one command's flags", run: help},
	}
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func commandNames() []string {
	var out []string
	for _, c := range commands {
		out = append(out, c.name)
	}
	return out
}

// pick finds the command: the first argument if it is not a flag, else serve. The top-level
// forms of help and version are commands too.
func pick(args []string) (*command, []string, error) {
	if len(args) == 0 {
		return lookup("serve"), nil, nil
	}
	switch args[0] {
	case "-h", "-help", "--help":
		return lookup("help"), args[1:], nil
	case "-version", "--version":
		return lookup("version"), args[1:], nil
	}
	if strings.HasPrefix(args[0], "-") {
		return lookup("serve"), args, nil
	}
	if c := lookup(args[0]); c != nil {
		return c, args[1:], nil
	}
	return nil, nil, unknownCommand(args[0])
}

func unknownCommand(name string) error {
	hint := ""
	if n := nearest(name, commandNames()); n != "" {
		hint = fmt.Sprintf(" (did you mean %q?)", n)
	}
	return usageError("unknown command %q%s; run 'feedpub help' for the commands", name, hint)
}

// parse reads the invocation's flags and resolves the settings. Help asked for anywhere among
// the flags is shown; every mistake comes back as a one-line usage error with the fix.
func (inv *invocation) parse() (config.Settings, func() (config.Settings, error), once, error) {
	c := inv.cmd
	fs := flag.NewFlagSet("feedpub "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var names []string
	if c.settings != nil {
		names = c.settings()
	}
	resolve := config.Flags(fs, names...)
	var o once
	if c.force {
		fs.BoolVar(&o.force, "force", false, "write into an existing non-empty --out directory feedpub has never written to (it still deletes no file it did not write)")
		fs.BoolVar(&o.newCatalog, "new-catalog", false, "start a new catalog where the one that was there is lost (every article gets a new id)")
		fs.BoolVar(&o.confirmRemovals, "confirm-removals", false, "make the removals the first reconcile would hold for confirmation (more than max_removals, or a replaced directory)")
	}
	if err := fs.Parse(inv.args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Settings{}, nil, o, shown{commandHelp(c)}
		}
		return config.Settings{}, nil, o, inv.flagError(fs, err)
	}
	inv.args = fs.Args()
	s, err := resolve()
	if err != nil {
		return s, nil, o, usageError("%v; run 'feedpub %s --help' for the settings", err, c.name)
	}
	return s, resolve, o, nil
}

// flagError turns the flag package's message into one line that says what to do.
func (inv *invocation) flagError(fs *flag.FlagSet, err error) error {
	c := inv.cmd
	fix := fmt.Sprintf("run 'feedpub %s --help' for its flags", c.name)
	msg := err.Error()
	if name, ok := cutPrefix(msg, "flag provided but not defined: -"); ok {
		name = strings.TrimPrefix(name, "-")
		if k, known := config.Lookup(name); known && k.ServeOnly {
			return usageError("unknown flag --%s (it is a flag of feedpub serve); %s", name, fix)
		}
		var flags []string
		fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f.Name) })
		hint := ""
		if n := nearest(name, flags); n != "" {
			hint = fmt.Sprintf(" (did you mean --%s?)", n)
		}
		return usageError("unknown flag --%s%s; %s", name, hint, fix)
	}
	if name, ok := cutPrefix(msg, "flag needs an argument: -"); ok {
		name = strings.TrimPrefix(name, "-")
		arg := "a value"
		if k, known := config.Lookup(name); known && k.Arg != "" {
			arg = "a value (" + k.Arg + ")"
		}
		return usageError("--%s needs %s; %s", name, arg, fix)
	}
	// invalid value "-1s" for flag -settle: want a duration of 0 or more, ...
	if rest, ok := cutPrefix(msg, "invalid value "); ok {
		if val, after, ok := strings.Cut(rest, " for flag -"); ok {
			name, why, _ := strings.Cut(after, ": ")
			return usageError("--%s %s: %s; %s", strings.TrimPrefix(name, "-"), val, why, fix)
		}
	}
	if rest, ok := cutPrefix(msg, "invalid boolean value "); ok {
		if val, after, ok := strings.Cut(rest, " for -"); ok {
			name, _, _ := strings.Cut(after, ": ")
			return usageError("--%s %s: want true or false; %s", strings.TrimPrefix(name, "-"), val, fix)
		}
	}
	return usageError("%s; %s", msg, fix)
}

// operands checks the arguments left after the flags against what the command takes.
func (inv *invocation) operands(min, max int) error {
	n := len(inv.args)
	if n >= min && (max < 0 || n <= max) {
		return nil
	}
	c := inv.cmd
	if n > 0 && c.operands == "" {
		return usageError("unexpected argument %q (flags start with --); run 'feedpub %s --help'", inv.args[0], c.name)
	}
	return usageError("want %s after the flags: feedpub %s [flags] %s", c.operands, c.name, c.operands)
}

func help(_ context.Context, inv *invocation) error {
	switch len(inv.args) {
	case 0:
		return shown{topHelp()}
	case 1:
		c := lookup(inv.args[0])
		if c == nil {
			return unknownCommand(inv.args[0])
		}
		return shown{commandHelp(c)}
	}
	return usageError("want at most one COMMAND: feedpub help [COMMAND]")
}

func topHelp() string {
	var b strings.Builder
	b.WriteString("usage: feedpub [COMMAND] [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  %-9s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'feedpub help COMMAND' for a command's flags. Flags of feedpub serve, the default:\n\n")
	b.WriteString(flagHelp(lookup("serve")))
	return b.String()
}

func commandHelp(c *command) string {
	var b strings.Builder
	fmt.Fprintf(&b, "usage: feedpub %s", c.name)
	if c.settings != nil || c.force {
		b.WriteString(" [flags]")
	}
	if c.operands != "" {
		b.WriteString(" " + c.operands)
	}
	fmt.Fprintf(&b, "\n\n%s%s.\n", strings.ToUpper(c.summary[:1]), c.summary[1:])
	if c.settings != nil {
		b.WriteString("\nFlags (each also a key in the config file and an environment variable):\n\n")
		b.WriteString(flagHelp(c))
	}
	return b.String()
}

// flagHelp lists a command's flags with their defaults and environment variables.
func flagHelp(c *command) string {
	var b strings.Builder
	offered := map[string]bool{}
	for _, n := range c.settings() {
		offered[n] = true
	}
	for _, k := range config.Keys() {
		if !offered[k.Name] {
			continue
		}
		b.WriteString("  " + k.Flag)
		if k.Arg != "" {
			b.WriteString(" " + k.Arg)
		}
		where := k.Env + ", key " + k.Name
		if k.Default != "" {
			where = "default " + k.Default + "; " + where
		}
		fmt.Fprintf(&b, "\n        %s (%s)\n", k.Usage, where)
	}
	if c.force {
		b.WriteString("  --force\n        write into an existing non-empty --out directory feedpub has never written to;\n" +
			"        it still deletes and overwrites no file but its own, except at the names it writes\n")
		b.WriteString("  --new-catalog\n        start a new catalog where the one that was there is gone, empty or replaced\n" +
			"        (refused otherwise, naming the backup to restore); every article gets a new id\n")
		b.WriteString("  --confirm-removals\n        make the removals the first reconcile would hold for confirmation (more than\n" +
			"        max_removals at once, or on a directory that is another file system than before)\n")
	}
	b.WriteString("  --config FILE\n        TOML config file (default: $FEEDPUB_CONFIG, else ./" + config.DefaultFile + " if present)\n")
	return b.String()
}

// nearest returns the candidate within a small edit distance of word ("" if none), for
// "did you mean" hints.
func nearest(word string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		if d := editDistance(word, c); d < bestD && d*2 <= len(word) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal-string-alignment distance: insertions, deletions,
// substitutions and swaps of two neighbours each cost one.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = slices.Min([]int{d[i-1][j] + 1, d[i][j-1] + 1, d[i-1][j-1] + cost})
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

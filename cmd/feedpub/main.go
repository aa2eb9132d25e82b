// Command feedpub publishes a directory of articles as RSS 2.0, Atom 1.0 and JSON Feed 1.1.
//
//	feedpub [serve] [flags]        watch the directory and serve the feeds over HTTP (the default)
//	feedpub build --out DIR        write the feeds and pages once, as static files
//	feedpub inspect FILE...        show what feedpub reads from each file, or why it rejects it
//	feedpub backup FILE            copy the catalog consistently, even while the daemon runs
//
// Settings come from flags, FEEDPUB_* environment variables and a config file (--config, else
// $FEEDPUB_CONFIG, else ./feedpub.toml), in that order. `feedpub help` lists them.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/feedpub/feedpub/internal/config"
	_ "time/tzdata" // zone-less dates need the configured zone even where the OS has no zoneinfo
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// version is stamped by a release build: go build -ldflags "-X main.version=v1.2.3".
var version string

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version // go install ...@v1.2.3, or a build in a git checkout
	}
	return "(devel)"
}

var (
	errUsage    = errors.New("usage")
	errReported = errors.New("already reported") // the command printed its own errors
)

// usageError is a mistake on the command line: one line that says how to fix it, exit 2.
func usageError(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// run is the whole program; it returns the exit status: 0, 1 for a failure, 2 for a usage error.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	stopProfiles := startProfiles(stderr)
	defer stopProfiles()
	cmd, rest, err := pick(args)
	if err == nil {
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		err = cmd.run(ctx, &invocation{cmd: cmd, args: rest, stdout: stdout, stderr: stderr})
	}
	if h, ok := errors.AsType[shown](err); ok {
		fmt.Fprint(stdout, h.text) // help or version
		return 0
	}
	name := "feedpub"
	if cmd != nil {
		name += " " + cmd.name
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errReported):
		return 1
	case errors.Is(err, errUsage):
		fatal(stderr, args, fmt.Sprintf("%s: %s", name, trimUsage(err)), 2)
		return 2
	default:
		fatal(stderr, args, fmt.Sprintf("%s: %v", name, err), 1)
		return 1
	}
}

// fatal prints the error that ends the program: a JSON log line when JSON logs were asked for
// (by flag or environment, even if the settings failed to resolve), else a plain line.
func fatal(w io.Writer, args []string, msg string, code int) {
	if !wantsJSON(args) {
		fmt.Fprintln(w, msg)
		return
	}
	slog.New(slog.NewJSONHandler(w, nil)).Error(msg, "exit", code)
}

// wantsJSON reports whether --log-format json (or FEEDPUB_LOG_FORMAT=json) is in force.
func wantsJSON(args []string) bool {
	format := os.Getenv("FEEDPUB_LOG_FORMAT")
	for i, a := range args {
		for _, f := range []string{"-log-format", "--log-format"} {
			if a == f && i+1 < len(args) {
				format = args[i+1]
			} else if v, ok := cutPrefix(a, f+"="); ok {
				format = v
			}
		}
	}
	return format == "json"
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return "", false
}

// trimUsage is a usage error's message without the sentinel's "usage: " prefix.
func trimUsage(err error) string {
	msg := err.Error()
	if v, ok := cutPrefix(msg, errUsage.Error()+": "); ok {
		return v
	}
	return msg
}

// newLogger is the program's logger; config has checked the format and level.
func newLogger(w io.Writer, s config.Settings) *slog.Logger {
	lv, _ := s.Level()
	opts := &slog.HandlerOptions{Level: lv}
	if s.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

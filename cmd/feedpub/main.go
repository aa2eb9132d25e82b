// Command feedpub publishes a directory of articles as RSS 2.0, Atom 1.0 and JSON Feed 1.1.
//
//	feedpub [serve] [flags]        watch the directory and serve the feeds over HTTP (the default)
//	feedpub build --out DIR        write the feeds and pages once, as static files
//	feedpub inspect FILE...        show what feedpub reads from each file, or why it rejects it
//
// Settings come from flags, FEEDPUB_* environment variables and ./feedpub.toml, in that order.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // zone-less dates need the configured zone even where the OS has no zoneinfo
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: feedpub [serve|build|inspect|version] [flags]

  serve     watch the article directory and serve the feeds over HTTP (default)
  build     write rss.xml, atom.xml, feed.json, index.html and articles/ into --out
  inspect   print what each FILE yields, one JSON object per line
  version   print the version

Run 'feedpub COMMAND -h' for the flags of a command.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		err = serve(ctx, args, stderr)
	case "build":
		ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
		defer stop()
		err = build(ctx, args, stderr)
	case "inspect":
		err = inspect(args, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "feedpub", version())
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "feedpub: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "feedpub %s: %v\n", cmd, err)
		return 2
	case errors.Is(err, errReported):
		return 1
	default:
		fmt.Fprintf(stderr, "feedpub %s: %v\n", cmd, err)
		return 1
	}
}

var (
	errUsage    = errors.New("usage")
	errReported = errors.New("already reported") // the command printed its own errors
)

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("%w: log_level %q: want debug, info, warn or error", errUsage, level)
	}
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs the command in-process with no config file and a private state directory.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	t.Setenv("FEEDPUB_CONFIG", "")
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	for k, v := range env {
		t.Setenv(k, v)
	}
	t.Chdir(t.TempDir()) // no ./feedpub.toml
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// serveOnly are the flags that mean something only to a running daemon.
// (--max-age is not among them: it is the Cache-Control of a bucket's feeds for build too.)
var serveOnly = []string{"--addr", "--settle", "--rescan", "--drain"}

func TestHelp(t *testing.T) {
	for _, c := range []struct {
		name    string
		args    []string
		want    []string // substrings of stdout
		notWant []string
	}{
		{"--help", []string{"--help"}, []string{"usage: feedpub", "serve", "build", "inspect", "backup", "version",
			"Flags of feedpub serve", "--addr ADDR", "--settle DURATION"}, nil},
		{"-h", []string{"-h"}, []string{"usage: feedpub", "Flags of feedpub serve", "--addr"}, nil},
		{"help", []string{"help"}, []string{"usage: feedpub", "Flags of feedpub serve", "--addr"}, nil},
		{"help serve", []string{"help", "serve"}, []string{"usage: feedpub serve", "--addr ADDR", "(default 127.0.0.1:8080",
			"FEEDPUB_ADDR", "--settle DURATION", "(default 250ms", "FEEDPUB_SETTLE", "--out DIR", "--force", "--config FILE"},
			[]string{"Commands:"}},
		{"serve --help", []string{"serve", "--help"}, []string{"usage: feedpub serve", "--rescan DURATION", "(default 10m0s"}, []string{"Commands:"}},
		{"serve --dir x -h", []string{"serve", "--dir", "x", "-h"}, []string{"usage: feedpub serve"}, nil},
		{"help build", []string{"help", "build"}, []string{"usage: feedpub build", "--out DIR", "--force", "--dir DIR",
			"(default seeds", "FEEDPUB_DIR", "--timezone ZONE", "(default UTC", "FEEDPUB_TIMEZONE", "--feed-size N", "(default 50"},
			serveOnly},
		{"build -h", []string{"build", "-h"}, []string{"usage: feedpub build", "--base-url URL"}, serveOnly},
		// inspect asks the catalog of --dir (or --state) and names URLs under --base-url.
		{"help inspect", []string{"help", "inspect"}, []string{"usage: feedpub inspect", "FILE", "--timezone ZONE", "--max-size BYTES",
			"(default 10485760", "--dir DIR", "--state FILE", "--base-url URL"}, append([]string{"--out", "--title"}, serveOnly...)},
		{"help backup", []string{"help", "backup"}, []string{"usage: feedpub backup", "FILE", "--state FILE", "FEEDPUB_STATE", "--dir DIR"},
			append([]string{"--out", "--title"}, serveOnly...)},
		{"help version", []string{"help", "version"}, []string{"usage: feedpub version"}, []string{"--dir"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out, errs := runCLI(t, nil, c.args...)
			if code != 0 {
				t.Errorf("exit %d, want 0; stderr %q", code, errs)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("help lacks %q:\n%s", w, out)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(out, w) {
					t.Errorf("help shows %q, which does not belong to this command:\n%s", w, out)
				}
			}
		})
	}
}

// Every flag of every command shows its default and its environment variable, so help is the
// whole reference.
func TestHelpNamesEnvironment(t *testing.T) {
	for _, cmd := range []string{"serve", "build", "inspect", "backup"} {
		_, out, _ := runCLI(t, nil, "help", cmd)
		for _, line := range strings.Split(out, "\n") {
			f, ok := strings.CutPrefix(strings.TrimSpace(line), "--")
			if !ok {
				continue
			}
			name, _, _ := strings.Cut(f, " ")
			if name == "config" || name == "force" || name == "new-catalog" || name == "confirm-removals" {
				continue // command-line only
			}
			env := "FEEDPUB_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
			if !strings.Contains(out, env) {
				t.Errorf("%s --help: --%s does not name %s", cmd, name, env)
			}
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"-version"}, {"version"}} {
		code, out, _ := runCLI(t, nil, args...)
		if code != 0 || !strings.HasPrefix(out, "feedpub ") || strings.Count(out, "\n") != 1 {
			t.Errorf("%v: exit %d, %q", args, code, out)
		}
	}
}

func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want []string // substrings of the one stderr line
	}{
		{"near-miss command", nil, []string{"serv"}, []string{`unknown command "serv"`, `did you mean "serve"?`, "feedpub help"}},
		{"near-miss build", nil, []string{"biuld", "--out", "x"}, []string{`unknown command "biuld"`, `did you mean "build"?`}},
		{"unknown command", nil, []string{"frobnicate"}, []string{`unknown command "frobnicate"`, "feedpub help"}},
		{"help for an unknown command", nil, []string{"help", "buidl"}, []string{`unknown command "buidl"`, `did you mean "build"?`}},
		{"near-miss flag", nil, []string{"serve", "--stettle", "1s"}, []string{"unknown flag --stettle", "did you mean --settle?", "feedpub serve --help"}},
		{"unknown flag", nil, []string{"--bogus"}, []string{"unknown flag --bogus", "feedpub serve --help"}},
		{"serve-only flag on build", nil, []string{"build", "--out", "x", "--addr", ":1"}, []string{"unknown flag --addr", "feedpub build --help"}},
		{"flag without value", nil, []string{"serve", "--settle"}, []string{"--settle", "needs a value"}},
		{"negative settle", nil, []string{"serve", "--settle", "-1s"}, []string{"--settle", `"-1s"`, "0 or more"}},
		{"not a duration", nil, []string{"serve", "--rescan", "often"}, []string{"--rescan", `"often"`, "duration"}},
		{"zero feed size", nil, []string{"serve", "--feed-size", "0"}, []string{"--feed-size", `"0"`, "positive"}},
		{"unknown zone", nil, []string{"serve", "--timezone", "Mars/Olympus"}, []string{"timezone", "Mars/Olympus", "IANA"}},
		{"bad base URL", nil, []string{"serve", "--base-url", "news.example.org"}, []string{"base_url", "http"}},
		{"bad log format", nil, []string{"serve", "--log-format", "yaml"}, []string{"log_format", "text or json"}},
		{"bad log level", nil, []string{"serve", "--log-level", "loud"}, []string{"log_level", "debug, info, warn or error"}},
		{"bad environment", map[string]string{"FEEDPUB_SETTLE": "-1s"}, []string{"serve"}, []string{"FEEDPUB_SETTLE", "0 or more"}},
		{"missing config file", nil, []string{"serve", "--config", "/nonexistent/feedpub.toml"}, []string{"/nonexistent/feedpub.toml"}},
		{"build without --out", nil, []string{"build"}, []string{"--out", "required"}},
		{"stray argument", nil, []string{"serve", "extra"}, []string{`unexpected argument "extra"`}},
		{"inspect without a file", nil, []string{"inspect"}, []string{"FILE"}},
		{"backup without a file", nil, []string{"backup"}, []string{"FILE"}},
		{"backup with two files", nil, []string{"backup", "a.db", "b.db"}, []string{"FILE"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			state := filepath.Join(t.TempDir(), "never", "state.db")
			args := c.args
			if len(args) > 0 && (args[0] == "serve" || args[0] == "build") {
				args = append([]string{args[0], "--state", state}, args[1:]...)
			}
			code, out, errs := runCLI(t, c.env, args...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if out != "" {
				t.Errorf("stdout %q, want nothing", out)
			}
			if !strings.HasSuffix(errs, "\n") || strings.Count(errs, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", errs)
			}
			for _, w := range c.want {
				if !strings.Contains(errs, w) {
					t.Errorf("stderr %q lacks %q", errs, w)
				}
			}
			// Values are checked before anything is opened: no catalog, not even its directory.
			if _, err := os.Stat(filepath.Dir(state)); err == nil {
				t.Errorf("a usage error created %s", filepath.Dir(state))
			}
		})
	}
}

// With --log-format json a usage error is a JSON line too, so a log shipper reads every line.
func TestUsageErrorJSON(t *testing.T) {
	code, _, errs := runCLI(t, nil, "serve", "--log-format", "json", "--settle", "-1s")
	if code != 2 || !strings.HasPrefix(errs, "{") || strings.Count(errs, "\n") != 1 || !strings.Contains(errs, `"level":"ERROR"`) {
		t.Errorf("exit %d, stderr %q; want one JSON line and exit 2", code, errs)
	}
	code, _, errs = runCLI(t, map[string]string{"FEEDPUB_LOG_FORMAT": "json"}, "serve", "--bogus")
	if code != 2 || !strings.HasPrefix(errs, "{") || !strings.Contains(errs, "unknown flag --bogus") {
		t.Errorf("exit %d, stderr %q; want one JSON line and exit 2", code, errs)
	}
}

func TestNearest(t *testing.T) {
	cands := []string{"serve", "build", "inspect", "backup", "version", "help"}
	for in, want := range map[string]string{"serv": "serve", "sevre": "serve", "biuld": "build", "inpsect": "inspect",
		"bakup": "backup", "verison": "version", "hlep": "help", "frobnicate": "", "x": ""} {
		if got := nearest(in, cands); got != want {
			t.Errorf("nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "feedpub.toml")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, "title = \"from file\"\nlanguage = \"ko\"\nfeed_size = 20\ntimezone = \"Asia/Seoul\"\n")
	tests := []struct {
		name      string
		env       map[string]string
		flags     map[string]string
		wantTitle string
		wantLang  string
		wantSize  int
	}{
		{"file over defaults", nil, nil, "from file", "ko", 20},
		{"env over file", map[string]string{"FEEDPUB_TITLE": "from env"}, nil, "from env", "ko", 20},
		{"flag over env", map[string]string{"FEEDPUB_TITLE": "from env"}, map[string]string{"title": "from flag"}, "from flag", "ko", 20},
		{"flag over file", nil, map[string]string{"feed_size": "7"}, "from file", "ko", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Resolve(file, env(tt.env), tt.flags)
			if err != nil {
				t.Fatal(err)
			}
			if s.Title != tt.wantTitle || s.Language != tt.wantLang || s.FeedSize != tt.wantSize {
				t.Errorf("got title %q lang %q size %d", s.Title, s.Language, s.FeedSize)
			}
			if s.Location.String() != "Asia/Seoul" {
				t.Errorf("zone %v", s.Location)
			}
		})
	}
}

func TestDerived(t *testing.T) {
	s, err := Resolve("", env(map[string]string{"FEEDPUB_CONFIG": "", "XDG_STATE_HOME": "/x"}),
		map[string]string{"addr": "127.0.0.1:9999", "dir": t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	if s.BaseURL != "http://127.0.0.1:9999/" || s.Authority != "127.0.0.1" {
		t.Errorf("base %q authority %q", s.BaseURL, s.Authority)
	}
	s, err = Resolve("", env(nil), map[string]string{"base_url": "https://news.example.org:8443/feeds", "state": "/tmp/s.db"})
	if err != nil {
		t.Fatal(err)
	}
	if s.BaseURL != "https://news.example.org:8443/feeds/" || s.Authority != "news.example.org" {
		t.Errorf("base %q authority %q: the authority must never carry the port", s.BaseURL, s.Authority)
	}
}

func TestBucketOutInFile(t *testing.T) {
	file := writeFile(t, "out = \"s3://news/site\"\ns3_endpoint = \"http://127.0.0.1:8333\"\n")
	s, err := Resolve(file, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Out != "s3://news/site" || s.S3Endpoint != "http://127.0.0.1:8333" {
		t.Errorf("out %q endpoint %q: a bucket URL in the file is not a path", s.Out, s.S3Endpoint)
	}
	if s.PageMaxAge != time.Hour {
		t.Errorf("page_max_age %v, want the default hour", s.PageMaxAge)
	}
}

func TestFilePathsRelativeToFile(t *testing.T) {
	file := writeFile(t, "dir = \"articles\"\nstate = \"/abs/state.db\"\n")
	s, err := Resolve(file, env(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(file), "articles"); s.Dir != want {
		t.Errorf("dir %q, want %q", s.Dir, want)
	}
	if s.State != "/abs/state.db" {
		t.Errorf("state %q", s.State)
	}
}

func TestErrorsNameTheSetting(t *testing.T) {
	tests := []struct {
		name  string
		file  string
		env   map[string]string
		flags map[string]string
		want  string
	}{
		{"bad zone flag", "", nil, map[string]string{"timezone": "Mars/Olympus"}, "timezone"},
		{"bad size env", "", map[string]string{"FEEDPUB_FEED_SIZE": "lots"}, nil, "FEEDPUB_FEED_SIZE"},
		{"unknown file key", "colour = \"red\"\n", nil, nil, "colour"},
		{"bad duration", "settle = \"soon\"\n", nil, nil, "settle"},
		{"relative base url", "", nil, map[string]string{"base_url": "/feeds"}, "base_url"},
		{"log format", "", nil, map[string]string{"log_format": "xml"}, "log_format"},
		{"bucket without a name", "", nil, map[string]string{"out": "s3:///site"}, "out"},
		{"bad s3 endpoint", "", map[string]string{"FEEDPUB_S3_ENDPOINT": "ftp://store"}, nil, "s3_endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := ""
			if tt.file != "" {
				file = writeFile(t, tt.file)
			}
			_, err := Resolve(file, env(tt.env), tt.flags)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming %q", err, tt.want)
			}
			if !errors.Is(err, ErrInvalid) && tt.file == "" {
				t.Errorf("%v does not wrap ErrInvalid", err)
			}
		})
	}
	if _, err := Resolve(filepath.Join(t.TempDir(), "missing.toml"), env(nil), nil); err == nil {
		t.Error("an explicitly named config file that does not exist must be an error")
	}
}

// The repo's own feedpub.toml is what makes the quick start publish the seed in +09:00.
func TestRepoConfig(t *testing.T) {
	s, err := Resolve(filepath.Join("..", "..", DefaultFile), env(map[string]string{"XDG_STATE_HOME": t.TempDir()}), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, off := time.Date(2024, 7, 9, 7, 56, 0, 0, s.Location).Zone(); off != 9*3600 {
		t.Errorf("repo config zone %v has offset %d, want +09:00", s.Location, off)
	}
	if filepath.Base(s.Dir) != "seeds" {
		t.Errorf("repo config dir %q", s.Dir)
	}
	if s.Settle != 250*time.Millisecond || s.FeedSize != 50 {
		t.Errorf("defaults changed: settle %v size %d", s.Settle, s.FeedSize)
	}
}

// Every setting is documented in the README's table, under all three of its names.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		row := "| `" + k.Name + "` | `" + k.Flag + "` | `" + k.Env + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README.md has no settings row starting %s", row)
		}
	}
}

func TestNegativeDurationsRefused(t *testing.T) {
	for _, k := range []string{"settle", "rescan", "max_age", "drain"} {
		if _, err := Resolve("", env(map[string]string{"FEEDPUB_CONFIG": "", "XDG_STATE_HOME": "/x"}), map[string]string{k: "-1s"}); err == nil ||
			!strings.Contains(err.Error(), "0 or more") {
			t.Errorf("%s = -1s: %v", k, err)
		}
	}
}

func TestProvisionalAuthority(t *testing.T) {
	for _, c := range []struct {
		flags map[string]string
		warn  bool
	}{
		{map[string]string{}, true}, // base URL and authority both defaulted
		{map[string]string{"base_url": "http://localhost:8080/"}, true},
		{map[string]string{"base_url": "http://127.0.0.2/"}, true},
		{map[string]string{"base_url": "https://news.example.org/"}, false},
		{map[string]string{"authority": "news.example.org"}, false},
		{map[string]string{"base_url": "https://news.example.org/", "authority": "localhost"}, true},
	} {
		c.flags["state"] = "/tmp/s.db"
		s, err := Resolve("", env(map[string]string{"FEEDPUB_CONFIG": ""}), c.flags)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.ProvisionalAuthority(); (got != "") != c.warn || (got != "" && !strings.Contains(got, "base_url")) {
			t.Errorf("%v: ProvisionalAuthority() = %q, want warning %v", c.flags, got, c.warn)
		}
	}
}

func TestSearchedWhenNoFile(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := Resolve("", env(map[string]string{"XDG_STATE_HOME": "/x"}), nil)
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if s.File != "" || len(s.Searched) != 1 || s.Searched[0] != filepath.Join(wd, DefaultFile) {
		t.Errorf("File %q Searched %v", s.File, s.Searched)
	}
}

func TestKeysShowDefaults(t *testing.T) {
	want := map[string]string{"--settle": "250ms", "--feed-size": "50", "--dir": "seeds", "--addr": "127.0.0.1:8080", "--base-url": ""}
	for _, k := range Keys() {
		if w, ok := want[k.Flag]; ok && k.Default != w {
			t.Errorf("%s default %q, want %q", k.Flag, k.Default, w)
		}
	}
	if k, ok := Lookup("addr"); !ok || !k.ServeOnly {
		t.Errorf("--addr is not serve-only: %+v", k)
	}
}

func TestWebSubSettings(t *testing.T) {
	base := map[string]string{"FEEDPUB_CONFIG": "", "XDG_STATE_HOME": "/x"}
	file := writeFile(t, "hubs = [\"https://hub.example.net/\", \"https://pubsubhubbub.example.com/\"]\nhub = true\nbase_url = \"https://news.example.org/feeds\"\n")
	s, err := Resolve(file, env(base), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Hubs) != 2 || s.Hubs[1] != "https://pubsubhubbub.example.com/" {
		t.Errorf("hubs from a TOML array: %q", s.Hubs)
	}
	if s.HubURL != "https://news.example.org/feeds/hub" {
		t.Errorf("built-in hub URL %q", s.HubURL)
	}
	if s.HubLease != 240*time.Hour || s.HubMaxLease != 720*time.Hour || s.HubMaxSubscriptions != 10000 || s.HubAllowPrivate {
		t.Errorf("hub defaults: %v %v %d %v", s.HubLease, s.HubMaxLease, s.HubMaxSubscriptions, s.HubAllowPrivate)
	}
	// The other sources give a comma-separated list; a bare boolean flag turns a setting on.
	e := map[string]string{"FEEDPUB_HUBS": " https://a.example/hub , https://b.example/ ", "FEEDPUB_CONFIG": "", "XDG_STATE_HOME": "/x"}
	s, err = Resolve("", env(e), map[string]string{"hub_allow_private": "true"})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Hubs) != 2 || s.Hubs[0] != "https://a.example/hub" || !s.HubAllowPrivate || s.HubURL != "" {
		t.Errorf("hubs %q allow private %v hub URL %q", s.Hubs, s.HubAllowPrivate, s.HubURL)
	}
	if s, err := Resolve("", env(base), map[string]string{"metrics_addr": "127.0.0.1:8080"}); err != nil || s.MetricsAddr != "" {
		t.Errorf("metrics_addr equal to addr: %q, %v; want the main listener", s.MetricsAddr, err)
	}
	for _, bad := range []map[string]string{
		{"hubs": "ftp://hub.example/"},
		{"hubs": "hub.example"},
		{"hub": "maybe"},
		{"hub_lease": "48h", "hub_max_lease": "24h"},
		{"hub_lease": "-1s"},
		{"hub_max_subscriptions": "0"},
		{"metrics_addr": "nowhere:port"},
	} {
		if _, err := Resolve("", env(base), bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%v: %v, want ErrInvalid", bad, err)
		}
	}
}

package publish

import (
	"context"
	"errors"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/catalog"
	"github.com/feedpub/feedpub/internal/watch"
)

// memOutput is an Output in memory that records every call, and fails Puts while down is set.
type memOutput struct {
	mu      sync.Mutex
	files   map[string]string
	headers map[string]string // name -> content type + " | " + cache control
	calls   []string          // "put NAME", "remove NAME", "flush"
	down    bool
	fails   int
	intact  bool
}

var _ Output = (*memOutput)(nil)

func newMem() *memOutput {
	return &memOutput{files: map[string]string{}, headers: map[string]string{}, intact: true}
}

var errDown = errors.New("store unreachable")

func (m *memOutput) Key() string { return "mem:test" }
func (m *memOutput) Intact(context.Context) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.intact, nil
}
func (m *memOutput) Put(_ context.Context, name string, body []byte, ct, cc string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down {
		m.fails++
		return false, errDown
	}
	h := ct + " | " + cc
	if m.files[name] == string(body) && m.headers[name] == h {
		return false, nil
	}
	m.files[name], m.headers[name] = string(body), h
	m.calls = append(m.calls, "put "+name)
	return true, nil
}
func (m *memOutput) Remove(_ context.Context, name string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.files[name]
	delete(m.files, name)
	delete(m.headers, name)
	if ok {
		m.calls = append(m.calls, "remove "+name)
	}
	return ok, nil
}
func (m *memOutput) Names(_ context.Context, dir string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for n := range m.files {
		if strings.HasPrefix(n, dir) {
			names = append(names, n)
		}
	}
	return names, nil
}
func (m *memOutput) Flush(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, "flush")
	return nil
}

func countPrefix(m *memOutput, prefix string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for name := range m.files {
		if strings.HasPrefix(name, prefix) {
			n++
		}
	}
	return n
}

// takeCalls returns the calls since the last takeCalls.
func (m *memOutput) takeCalls() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.calls
	m.calls = nil
	return c
}

func (m *memOutput) set(f func(m *memOutput)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(m)
}

// memEnv is an env whose static copy is mem instead of a directory.
func memEnv(t *testing.T, mem *memOutput, background bool, opts ...envOpt) *env {
	t.Helper()
	opts = append(opts, noOut, func(_ *catalog.Config, pc *Config) { pc.MaxAge, pc.PageMaxAge = 5*time.Minute, time.Hour })
	e := newEnv(t, opts...)
	e.pub.SetOutput(mem, background)
	return e
}

// index returns the position of the first call with the given prefix, or -1.
func index(calls []string, prefix string) int {
	return slices.IndexFunc(calls, func(c string) bool { return strings.HasPrefix(c, prefix) })
}

func TestOutputOrderAndHeaders(t *testing.T) {
	mem := newMem()
	e := memEnv(t, mem, false)
	e.std()
	mem.takeCalls()

	// A new article: its page is put and flushed before any feed that links it.
	e.write("gamma.txt", "Gamma\n\nA new article.")
	e.sync()
	e.render()
	calls := mem.takeCalls()
	page := e.page("gamma.txt")
	pi, fi, ai := index(calls, "put "+page), index(calls, "flush"), index(calls, "put atom.xml")
	if pi < 0 || !(pi < fi && fi < ai) {
		t.Errorf("new article: %q; want its page, a flush, then the feeds", calls)
	}
	if got := mem.headers[page]; got != "text/html; charset=utf-8 | public, max-age=3600" {
		t.Errorf("page headers %q", got)
	}
	if got := mem.headers["atom.xml"]; got != "application/atom+xml; charset=utf-8 | public, max-age=300" {
		t.Errorf("atom.xml headers %q", got)
	}

	// A removed article: its page goes only after the feeds that linked it were replaced.
	e.remove("gamma.txt")
	e.sync()
	e.render()
	calls = mem.takeCalls()
	ri, ai := index(calls, "remove "+page), index(calls, "put atom.xml")
	if ri < 0 || ri < ai || index(calls[ai:], "flush") < 0 || ri < ai+index(calls[ai:], "flush") {
		t.Errorf("removed article: %q; want the feeds, a flush, then the page's removal", calls)
	}
	if e.last.PagesRemoved != 1 {
		t.Errorf("render report %+v, want one page removed", e.last)
	}

	// An output found changed behind our back is offered every page, and strays are removed.
	mem.set(func(m *memOutput) {
		m.intact = false
		m.files["articles/stray.html"] = "stray"
		delete(m.files, e.page("alpha.txt"))
	})
	mtimeTick()
	e.render()
	calls = mem.takeCalls()
	if !slices.Contains(calls, "put "+e.page("alpha.txt")) || !slices.Contains(calls, "remove articles/stray.html") {
		t.Errorf("repair: %q; want the missing page put and the stray removed", calls)
	}
	if slices.Contains(calls, "put "+e.page("beta.txt")) {
		t.Errorf("repair re-put an unchanged page: %q", calls)
	}
}

// captureLog collects log messages.
type captureLog struct {
	mu   sync.Mutex
	msgs []string
}

func (h *captureLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }
func (h *captureLog) WithAttrs([]slog.Attr) slog.Handler           { return h }
func (h *captureLog) WithGroup(string) slog.Handler                { return h }
func (h *captureLog) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.msgs = append(h.msgs, r.Message)
	return nil
}
func (h *captureLog) count(msg string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, m := range h.msgs {
		if m == msg {
			n++
		}
	}
	return n
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestBackgroundOutput: with a background output, renders (and so ingesting and serving) do not
// wait for a failing store; the failure shows in Health, is logged once, and the latest render
// lands when the store is back.
func TestBackgroundOutput(t *testing.T) {
	mem := newMem()
	logs := &captureLog{}
	e := memEnv(t, mem, true, func(_ *catalog.Config, pc *Config) { pc.Logger = slog.New(logs) })
	e.pub.bg.minWait, e.pub.bg.maxWait = time.Millisecond, 5*time.Millisecond
	ctx, cancel := context.WithCancel(e.ctx)
	batches := make(chan watch.Batch)
	done := make(chan error)
	go func() { done <- e.pub.Run(ctx, batches) }()
	defer func() { cancel(); <-done }()

	h, _ := e.pub.Health(e.ctx)
	if h.Output == nil || h.Output.State != "pending" {
		t.Fatalf("health before any write: %+v", h.Output)
	}
	e.std()
	waitUntil(t, "first write", func() bool { h, _ := e.pub.Health(e.ctx); return h.Output.State == "ok" })
	if n := countPrefix(mem, "articles/"); n != 3 || mem.files["atom.xml"] == "" {
		t.Errorf("output holds %d pages and atom.xml %v, want 3 pages and the feeds", n, mem.files["atom.xml"] != "")
	}

	mem.set(func(m *memOutput) { m.down = true })
	for i, name := range []string{"d1.txt", "d2.txt", "d3.txt"} {
		e.write(name, "Down "+name+"\n\nWritten while the store is down.")
		e.sync()
		start := time.Now()
		e.render()
		if d := time.Since(start); d > time.Second {
			t.Errorf("render %d waited %v for the failing output", i, d)
		}
	}
	waitUntil(t, "several failed attempts", func() bool {
		h, _ := e.pub.Health(e.ctx)
		return h.Output.State == "retrying" && h.Output.Attempts >= 3 && h.Status == "degraded"
	})
	if n := logs.count("output write failed; retrying with backoff while serving continues"); n != 1 {
		t.Errorf("failure logged %d times, want once", n)
	}
	h, _ = e.pub.Health(e.ctx)
	if h.Output.Behind <= 0 {
		t.Errorf("health while failing: %+v, want the copy shown behind", h.Output)
	}

	mem.set(func(m *memOutput) { m.down = false })
	waitUntil(t, "recovery", func() bool {
		h, _ := e.pub.Health(e.ctx)
		return h.Output.State == "ok" && h.Output.Behind == 0 && h.Status == "ok"
	})
	if n := logs.count("output write recovered"); n != 1 {
		t.Errorf("recovery logged %d times, want once", n)
	}
	held := slices.Sorted(maps.Keys(mem.files))
	if !slices.Contains(held, e.page("d3.txt")) || countPrefix(mem, "articles/") != 6 {
		t.Errorf("after recovery the output holds %q", held)
	}
}

package watch

import (
	"slices"
	"testing"
	"time"
)

// fakeFS serves looks for the settle logic without touching the disk.
type fakeFS map[string]look

func (f fakeFS) stat(rel string, now time.Time) look {
	l := f[rel]
	l.at = now
	return l
}

func TestSettleNeedsQuietAndTwoEqualLooks(t *testing.T) {
	const s = 100 * time.Millisecond
	t0 := time.Unix(1000, 0)
	fs := fakeFS{"a": {exists: true, size: 1}}
	d := newDirtySet(s)
	d.touch("a", t0)

	steps := []struct {
		at   time.Duration
		want []string
	}{
		{s / 4, nil},             // first look, on the first round after the event
		{s / 2, nil},             // not quiet yet
		{s, nil},                 // quiet, but the first look is not settle old
		{s + s/4, []string{"a"}}, // quiet for settle, and a second equal look settle later
		{3 * s, nil},             // reported once
	}
	for _, st := range steps {
		got, _, reason := d.collect(t0.Add(st.at), fs.stat)
		if !slices.Equal(got, st.want) || reason != "" {
			t.Errorf("at %v: got %v rescan %q, want %v", st.at, got, reason, st.want)
		}
	}
}

func TestSettleKeepsWaitingWhileFileChanges(t *testing.T) {
	const s = 100 * time.Millisecond
	t0 := time.Unix(1000, 0)
	fs := fakeFS{"a": {exists: true, size: 1}}
	d := newDirtySet(s)
	d.touch("a", t0)
	d.collect(t0.Add(s), fs.stat) // first look: size 1
	fs["a"] = look{exists: true, size: 2}
	if got, _, _ := d.collect(t0.Add(2*s), fs.stat); got != nil {
		t.Fatalf("reported %v while size changed without events", got)
	}
	if got, _, _ := d.collect(t0.Add(3*s), fs.stat); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("got %v, want a once stable", got)
	}
}

func TestSettleEventResetsLooks(t *testing.T) {
	const s = 100 * time.Millisecond
	t0 := time.Unix(1000, 0)
	fs := fakeFS{"a": {exists: true}}
	d := newDirtySet(s)
	d.touch("a", t0)
	d.collect(t0.Add(s), fs.stat)
	d.touch("a", t0.Add(s+s/2))
	if got, _, _ := d.collect(t0.Add(2*s), fs.stat); got != nil {
		t.Fatalf("reported %v despite a new event", got)
	}
	d.collect(t0.Add(2*s+s/2), fs.stat) // first look after the new quiet period
	if got, _, _ := d.collect(t0.Add(3*s+s/2), fs.stat); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("got %v, want a", got)
	}
}

func TestSettleEventDuringStatDiscardsLook(t *testing.T) {
	const s = 100 * time.Millisecond
	t0 := time.Unix(1000, 0)
	d := newDirtySet(s)
	d.touch("a", t0)
	stat := func(rel string, now time.Time) look {
		d.touch(rel, now) // an event lands while we stat
		return look{at: now, exists: true}
	}
	d.collect(t0.Add(s), stat)
	if got, _, _ := d.collect(t0.Add(2*s), fakeFS{}.stat); got != nil {
		t.Fatalf("reported %v based on a look older than the last event", got)
	}
}

func TestSettleVanishedReportedDirsDropped(t *testing.T) {
	const s = 10 * time.Millisecond
	t0 := time.Unix(1000, 0)
	fs := fakeFS{"dir": {exists: true, dir: true}} // "gone" is absent
	d := newDirtySet(s)
	d.touch("gone", t0)
	d.touch("dir", t0)
	d.collect(t0.Add(s), fs.stat)
	got, _, _ := d.collect(t0.Add(2*s), fs.stat)
	if !slices.Equal(got, []string{"gone"}) {
		t.Fatalf("got %v, want [gone]", got)
	}
	if d.len() != 0 {
		t.Fatalf("%d paths still dirty", d.len())
	}
}

func TestSettleBatchesAndRescanReasons(t *testing.T) {
	const s = 10 * time.Millisecond
	t0 := time.Unix(1000, 0)
	fs := fakeFS{"b": {exists: true}, "a": {exists: true}, "c": {exists: true}}
	d := newDirtySet(s)
	for _, p := range []string{"c", "a", "b"} {
		d.touch(p, t0)
	}
	d.requestRescan("overflow")
	d.requestRescan("overflow")
	d.requestRescan("periodic")
	got, _, reason := d.collect(t0.Add(s), fs.stat)
	if got != nil || reason != "overflow; periodic" {
		t.Fatalf("got %v %q", got, reason)
	}
	got, _, reason = d.collect(t0.Add(2*s), fs.stat)
	if !slices.Equal(got, []string{"a", "b", "c"}) || reason != "" {
		t.Fatalf("got %v rescan %q, want sorted a b c in one batch", got, reason)
	}
}

func TestOutboxMergesUntilTaken(t *testing.T) {
	var o outbox
	if !o.empty() {
		t.Fatal("new outbox not empty")
	}
	o.add([]string{"b", "a"}, "")
	o.add([]string{"a", "c"}, "overflow")
	o.add(nil, "overflow")
	b := o.take()
	if !slices.Equal(b.Paths, []string{"a", "b", "c"}) || !b.Rescan || b.Reason != "overflow" {
		t.Fatalf("batch = %+v", b)
	}
	if !o.empty() {
		t.Fatal("outbox not empty after take")
	}
	o.add([]string{"d"}, "")
	if b := o.take(); b.Rescan || b.Reason != "" || !slices.Equal(b.Paths, []string{"d"}) {
		t.Fatalf("batch = %+v", b)
	}
}

// TestSettleLanded: a batch says when its oldest path stopped changing, the start of the
// file-to-feed latency.
func TestSettleLanded(t *testing.T) {
	const s = 10 * time.Millisecond
	t0 := time.Unix(1000, 0)
	fs := fakeFS{"a": {exists: true, size: 1}, "b": {exists: true, size: 2}}
	d := newDirtySet(s)
	d.touch("a", t0)
	d.touch("b", t0.Add(time.Millisecond))
	d.touch("a", t0.Add(2*time.Millisecond)) // a's last event is later than b's
	d.collect(t0.Add(3*time.Millisecond), fs.stat)
	got, landed, _ := d.collect(t0.Add(3*time.Millisecond+s), fs.stat)
	if !slices.Equal(got, []string{"a", "b"}) || !landed.Equal(t0.Add(time.Millisecond)) {
		t.Fatalf("got %v landed %v, want [a b] landed at b's last event", got, landed.Sub(t0))
	}
	var o outbox
	o.add(got, "")
	o.landedAt(landed)
	o.add([]string{"c"}, "")
	o.landedAt(t0.Add(time.Hour))
	if b := o.take(); !b.Landed.Equal(t0.Add(time.Millisecond)) {
		t.Errorf("batch landed %v, want the earliest", b.Landed.Sub(t0))
	}
	if b := o.take(); !b.Landed.IsZero() {
		t.Errorf("an empty batch landed at %v", b.Landed)
	}
}

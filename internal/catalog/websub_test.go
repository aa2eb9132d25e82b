package catalog

import (
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/websub"
	"github.com/feedpub/feedpub/internal/websub/websubtest"
)

// The catalog's WebSub store keeps the contract every websub.Store keeps.
func TestWebSubStoreContract(t *testing.T) {
	websubtest.TestStore(t, func(t *testing.T) websub.Store { return newEnv(t).cat.WebSub() })
}

// What is owed and who subscribed survive closing and reopening the catalog, and job versions
// are never handed out twice, even after the job that had one is gone.
func TestWebSubStoreSurvivesReopen(t *testing.T) {
	e := newEnv(t)
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 123456789, time.UTC)
	const topic = "https://news.example.org/atom.xml"
	s := e.cat.WebSub()
	if err := s.PutSubscription(e.ctx, websub.Subscription{Topic: topic, Callback: "https://r.example/cb", Secret: "k", Expires: t0.Add(time.Hour)}, 10); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Announce(e.ctx, websub.Announcement{Topic: topic, Hash: []byte("h1"), Hubs: []string{"https://hub.example/"}, Deliver: true, Now: t0}); err != nil {
		t.Fatal(err)
	}
	before, err := s.Jobs(e.ctx, 10)
	if err != nil || len(before) != 2 {
		t.Fatalf("jobs %v, %v", before, err)
	}
	e.reopen()
	s = e.cat.WebSub()
	after, err := s.Jobs(e.ctx, 10)
	if err != nil || len(after) != 2 {
		t.Fatalf("after reopen: jobs %v, %v", after, err)
	}
	for i := range after {
		if after[i] != before[i] || !after[i].NextAt.Equal(t0) {
			t.Errorf("job %d: %+v after reopen, was %+v", i, after[i], before[i])
		}
	}
	if sub, ok, _ := s.GetSubscription(e.ctx, topic, "https://r.example/cb"); !ok || sub.Secret != "k" || !sub.Expires.Equal(t0.Add(time.Hour)) {
		t.Errorf("subscription after reopen: %+v %v", sub, ok)
	}
	if ch, _ := s.Announce(e.ctx, websub.Announcement{Topic: topic, Hash: []byte("h1"), Now: t0}); ch {
		t.Error("the stored hash was forgotten: an unchanged topic announced as changed")
	}
	for _, j := range after {
		s.FinishJob(e.ctx, j)
	}
	s.Announce(e.ctx, websub.Announcement{Topic: topic, Hash: []byte("h2"), Hubs: []string{"https://hub.example/"}, Now: t0})
	again, _ := s.Jobs(e.ctx, 10)
	for _, j := range again {
		for _, b := range before {
			if j.Version == b.Version {
				t.Errorf("version %d handed out twice", j.Version)
			}
		}
	}
}

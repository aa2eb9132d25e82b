package websubtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/feedpub/feedpub/internal/websub"
)

// TestStore checks that the Store made by open keeps the contract websub.Store documents.
// open is called once per subtest and must return an empty store.
func TestStore(t *testing.T, open func(t *testing.T) websub.Store) {
	ctx := context.Background()
	t0 := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	const topic, other = "https://news.example.org/atom.xml", "https://news.example.org/rss.xml"
	hubs := []string{"https://hub.example.net/", "https://pubsubhubbub.example.com/"}
	jobs := func(t *testing.T, s websub.Store) []websub.Job {
		t.Helper()
		js, err := s.Jobs(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		return js
	}
	announce := func(t *testing.T, s websub.Store, topic, hash string, deliver bool, now time.Time) bool {
		t.Helper()
		ch, err := s.Announce(ctx, websub.Announcement{Topic: topic, Hash: []byte(hash), Hubs: hubs, Deliver: deliver, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		return ch
	}

	t.Run("announce queues one notification per hub, once per change", func(t *testing.T) {
		s := open(t)
		if !announce(t, s, topic, "h1", false, t0) {
			t.Fatal("first announcement reported no change")
		}
		js := jobs(t, s)
		if len(js) != 2 {
			t.Fatalf("%d jobs, want 2: %+v", len(js), js)
		}
		for _, j := range js {
			if j.Kind != websub.KindNotify || j.Topic != topic || j.Attempts != 0 || !j.NextAt.Equal(t0) {
				t.Errorf("job %+v", j)
			}
		}
		if announce(t, s, topic, "h1", false, t0.Add(time.Second)) {
			t.Error("the same hash again reported a change")
		}
		if n := len(jobs(t, s)); n != 2 {
			t.Errorf("%d jobs after an unchanged announcement, want 2", n)
		}
		// A retried job that changes again is reset: new version, attempt 0, due now.
		j := js[0]
		j.Attempts, j.NextAt = 3, t0.Add(time.Hour)
		if err := s.RetryJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		t1 := t0.Add(time.Minute)
		if !announce(t, s, topic, "h2", false, t1) {
			t.Fatal("a new hash reported no change")
		}
		js2 := jobs(t, s)
		if len(js2) != 2 {
			t.Fatalf("%d jobs after a second change, want 2 (one per hub)", len(js2))
		}
		for _, k := range js2 {
			if k.Attempts != 0 || !k.NextAt.Equal(t1) {
				t.Errorf("re-queued job %+v, want attempt 0 due %v", k, t1)
			}
			if k.Target == j.Target && k.Version == j.Version {
				t.Errorf("re-queued job kept its version %d", k.Version)
			}
		}
		// The older version's completion must not delete the newer job.
		if err := s.FinishJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		if n := len(jobs(t, s)); n != 2 {
			t.Errorf("finishing a stale version deleted a job: %d left", n)
		}
		j.Attempts = 7
		if err := s.RetryJob(ctx, j); err != nil {
			t.Fatal(err)
		}
		for _, k := range jobs(t, s) {
			if k.Attempts == 7 {
				t.Error("retrying a stale version changed the job")
			}
		}
		for _, k := range jobs(t, s) {
			if err := s.FinishJob(ctx, k); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(jobs(t, s)); n != 0 {
			t.Errorf("%d jobs left after finishing all", n)
		}
	})

	t.Run("jobs come earliest first, limited", func(t *testing.T) {
		s := open(t)
		announce(t, s, topic, "a", false, t0)
		announce(t, s, other, "b", false, t0.Add(time.Second))
		js := jobs(t, s)
		if len(js) != 4 {
			t.Fatalf("%d jobs, want 4", len(js))
		}
		late := js[0]
		late.NextAt = t0.Add(time.Hour)
		late.Attempts = 1
		if err := s.RetryJob(ctx, late); err != nil {
			t.Fatal(err)
		}
		js = jobs(t, s)
		for i := 1; i < len(js); i++ {
			if js[i].NextAt.Before(js[i-1].NextAt) {
				t.Errorf("jobs out of order: %v before %v", js[i-1].NextAt, js[i].NextAt)
			}
		}
		if last := js[len(js)-1]; last.Target != late.Target || last.Topic != late.Topic || !last.NextAt.Equal(late.NextAt) || last.Attempts != 1 {
			t.Errorf("last job %+v, want the retried one", last)
		}
		two, err := s.Jobs(ctx, 2)
		if err != nil || len(two) != 2 {
			t.Errorf("Jobs(2): %d, %v", len(two), err)
		}
	})

	t.Run("deliveries go to the topic's live subscriptions", func(t *testing.T) {
		s := open(t)
		put := func(topic, cb string, exp time.Time) {
			t.Helper()
			if err := s.PutSubscription(ctx, websub.Subscription{Topic: topic, Callback: cb, Secret: "s3cret", Expires: exp}, 10); err != nil {
				t.Fatal(err)
			}
		}
		put(topic, "https://reader.example/a", t0.Add(time.Hour))
		put(topic, "https://reader.example/b", t0.Add(-time.Second)) // expired
		put(other, "https://reader.example/c", t0.Add(time.Hour))
		announce(t, s, topic, "x", false, t0)
		for _, j := range jobs(t, s) {
			if j.Kind == websub.KindDeliver {
				t.Errorf("delivery queued with Deliver unset: %+v", j)
			}
		}
		announce(t, s, topic, "y", true, t0)
		var got []string
		for _, j := range jobs(t, s) {
			if j.Kind == websub.KindDeliver {
				got = append(got, j.Target)
				if j.Topic != topic {
					t.Errorf("delivery for %s", j.Topic)
				}
			}
		}
		if len(got) != 1 || got[0] != "https://reader.example/a" {
			t.Errorf("deliveries to %v, want only the live subscriber of the topic", got)
		}
		sub, ok, err := s.GetSubscription(ctx, topic, "https://reader.example/a")
		if err != nil || !ok || sub.Secret != "s3cret" || !sub.Expires.Equal(t0.Add(time.Hour)) {
			t.Errorf("GetSubscription: %+v %v %v", sub, ok, err)
		}
		if _, ok, _ := s.GetSubscription(ctx, topic, "https://reader.example/zzz"); ok {
			t.Error("GetSubscription found a subscription never made")
		}
		counts, err := s.SubscriptionCounts(ctx)
		if err != nil || counts[topic] != 2 || counts[other] != 1 {
			t.Errorf("counts %v, %v", counts, err)
		}
		if err := s.DeleteSubscription(ctx, topic, "https://reader.example/a"); err != nil {
			t.Fatal(err)
		}
		for _, j := range jobs(t, s) {
			if j.Kind == websub.KindDeliver {
				t.Errorf("delivery owed to a deleted subscription: %+v", j)
			}
		}
		if err := s.DeleteSubscription(ctx, topic, "https://reader.example/none"); err != nil {
			t.Errorf("deleting a missing subscription: %v", err)
		}
		n, err := s.ExpireSubscriptions(ctx, t0)
		if err != nil || n != 1 {
			t.Errorf("ExpireSubscriptions: %d, %v; want 1", n, err)
		}
		if _, ok, _ := s.GetSubscription(ctx, topic, "https://reader.example/b"); ok {
			t.Error("the expired subscription is still stored")
		}
	})

	t.Run("expiry drops owed deliveries", func(t *testing.T) {
		s := open(t)
		s.PutSubscription(ctx, websub.Subscription{Topic: topic, Callback: "https://r.example/", Expires: t0.Add(time.Minute)}, 10)
		announce(t, s, topic, "x", true, t0)
		if n, _ := s.ExpireSubscriptions(ctx, t0.Add(2*time.Minute)); n != 1 {
			t.Fatalf("expired %d, want 1", n)
		}
		for _, j := range jobs(t, s) {
			if j.Kind == websub.KindDeliver {
				t.Errorf("delivery owed to an expired subscription: %+v", j)
			}
		}
	})

	t.Run("the subscription limit holds for new ones only", func(t *testing.T) {
		s := open(t)
		for i, cb := range []string{"https://r.example/1", "https://r.example/2"} {
			if err := s.PutSubscription(ctx, websub.Subscription{Topic: topic, Callback: cb, Expires: t0.Add(time.Duration(i+1) * time.Hour)}, 2); err != nil {
				t.Fatal(err)
			}
		}
		err := s.PutSubscription(ctx, websub.Subscription{Topic: other, Callback: "https://r.example/3", Expires: t0.Add(time.Hour)}, 2)
		if !errors.Is(err, websub.ErrTooManySubscriptions) {
			t.Errorf("a third subscription over a limit of 2: %v, want ErrTooManySubscriptions", err)
		}
		renewed := websub.Subscription{Topic: topic, Callback: "https://r.example/1", Secret: "new", Expires: t0.Add(48 * time.Hour)}
		if err := s.PutSubscription(ctx, renewed, 2); err != nil {
			t.Errorf("renewal at the limit: %v", err)
		}
		if got, _, _ := s.GetSubscription(ctx, topic, renewed.Callback); got.Secret != "new" || !got.Expires.Equal(renewed.Expires) {
			t.Errorf("renewal stored %+v", got)
		}
	})
}

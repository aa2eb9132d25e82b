// Package websubtest holds what tests of websub.Store implementations and of the websub
// service share: an in-memory Store and the contract every Store must keep. It is test support
// and nothing in the daemon imports it.
package websubtest

import (
	"bytes"
	"context"
	"sort"
	"sync"
	"time"

	"github.com/feedpub/feedpub/internal/websub"
)

// MemStore is a websub.Store in memory; it forgets everything with the process.
type MemStore struct {
	mu      sync.Mutex
	hashes  map[string][]byte
	jobs    map[jobKey]websub.Job
	subs    map[subKey]websub.Subscription
	version int64
}

type jobKey struct {
	kind          websub.Kind
	target, topic string
}

type subKey struct{ topic, callback string }

var _ websub.Store = (*MemStore)(nil)

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{hashes: map[string][]byte{}, jobs: map[jobKey]websub.Job{}, subs: map[subKey]websub.Subscription{}}
}

func (m *MemStore) queue(kind websub.Kind, target, topic string, now time.Time) {
	m.version++
	m.jobs[jobKey{kind, target, topic}] = websub.Job{Kind: kind, Target: target, Topic: topic, NextAt: now, Version: m.version}
}

// Announce implements websub.Store.
func (m *MemStore) Announce(_ context.Context, a websub.Announcement) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.hashes[a.Topic]; ok && bytes.Equal(old, a.Hash) {
		return false, nil
	}
	m.hashes[a.Topic] = bytes.Clone(a.Hash)
	for _, h := range a.Hubs {
		m.queue(websub.KindNotify, h, a.Topic, a.Now)
	}
	if a.Deliver {
		for k, s := range m.subs {
			if k.topic == a.Topic && s.Expires.After(a.Now) {
				m.queue(websub.KindDeliver, k.callback, a.Topic, a.Now)
			}
		}
	}
	return true, nil
}

// Jobs implements websub.Store.
func (m *MemStore) Jobs(_ context.Context, limit int) ([]websub.Job, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]websub.Job, 0, len(m.jobs))
	for _, j := range m.jobs {
		out = append(out, j)
	}
	sort.Slice(out, func(i, k int) bool {
		if !out[i].NextAt.Equal(out[k].NextAt) {
			return out[i].NextAt.Before(out[k].NextAt)
		}
		return out[i].Version < out[k].Version
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// FinishJob implements websub.Store.
func (m *MemStore) FinishJob(_ context.Context, j websub.Job) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := jobKey{j.Kind, j.Target, j.Topic}
	if cur, ok := m.jobs[k]; ok && cur.Version == j.Version {
		delete(m.jobs, k)
	}
	return nil
}

// RetryJob implements websub.Store.
func (m *MemStore) RetryJob(_ context.Context, j websub.Job) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := jobKey{j.Kind, j.Target, j.Topic}
	if cur, ok := m.jobs[k]; ok && cur.Version == j.Version {
		cur.Attempts, cur.NextAt = j.Attempts, j.NextAt
		m.jobs[k] = cur
	}
	return nil
}

// PutSubscription implements websub.Store.
func (m *MemStore) PutSubscription(_ context.Context, s websub.Subscription, max int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := subKey{s.Topic, s.Callback}
	if _, ok := m.subs[k]; !ok && len(m.subs) >= max {
		return websub.ErrTooManySubscriptions
	}
	m.subs[k] = s
	return nil
}

// DeleteSubscription implements websub.Store.
func (m *MemStore) DeleteSubscription(_ context.Context, topic, callback string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.subs, subKey{topic, callback})
	delete(m.jobs, jobKey{websub.KindDeliver, callback, topic})
	return nil
}

// GetSubscription implements websub.Store.
func (m *MemStore) GetSubscription(_ context.Context, topic, callback string) (websub.Subscription, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.subs[subKey{topic, callback}]
	return s, ok, nil
}

// ExpireSubscriptions implements websub.Store.
func (m *MemStore) ExpireSubscriptions(_ context.Context, now time.Time) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for k, s := range m.subs {
		if s.Expires.Before(now) {
			delete(m.subs, k)
			delete(m.jobs, jobKey{websub.KindDeliver, k.callback, k.topic})
			n++
		}
	}
	return n, nil
}

// SubscriptionCounts implements websub.Store.
func (m *MemStore) SubscriptionCounts(context.Context) (map[string]int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for k := range m.subs {
		out[k.topic]++
	}
	return out, nil
}

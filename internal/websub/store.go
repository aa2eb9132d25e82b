package websub

import (
	"context"
	"errors"
	"time"
)

// Kind says what an owed Job sends.
type Kind string

const (
	// KindNotify is a publish notification to an external hub: POST hub.mode=publish&hub.url=Topic to Target.
	KindNotify Kind = "notify"
	// KindDeliver is content distribution by the built-in hub: POST the topic's body to the callback Target.
	KindDeliver Kind = "deliver"
)

// Job is one request the service owes, kept by the Store until it succeeds or is given up.
// There is at most one Job per (Kind, Target, Topic): a topic that changes again while its
// job waits is sent once, with the newest body, so the number of owed jobs is bounded by
// hubs × topics plus the number of subscriptions.
type Job struct {
	Kind     Kind
	Target   string // hub URL or subscriber callback
	Topic    string
	Attempts int       // failed attempts so far
	NextAt   time.Time // not before
	// Version changes each time the job is queued again; FinishJob and RetryJob act only on
	// the version they were given, so a change that arrives while a job is in flight is not
	// lost when the older send completes.
	Version int64
}

// Announcement is a topic's new body, as Store.Announce records it.
type Announcement struct {
	Topic   string
	Hash    []byte   // of the body
	Hubs    []string // external hubs to notify
	Deliver bool     // queue deliveries to the topic's subscribers (the built-in hub is on)
	Now     time.Time
}

// Subscription is an active, verified subscription of the built-in hub.
type Subscription struct {
	Topic    string
	Callback string
	Secret   string // "" when none was given: deliveries then carry no signature
	Expires  time.Time
}

// ErrTooManySubscriptions is returned by Store.PutSubscription when adding a new
// subscription would pass the limit.
var ErrTooManySubscriptions = errors.New("too many subscriptions")

// Store keeps what must survive a restart: each topic's last announced body hash, the owed
// jobs and the subscriptions. The daemon's implementation lives in the catalog database;
// every method must be safe for concurrent use and each must be atomic.
type Store interface {
	// Announce records a.Hash as a.Topic's current body. When it differs from the hash
	// stored before (or none was), it queues, in the same transaction, a KindNotify job for
	// every hub in a.Hubs and, when a.Deliver is set, a KindDeliver job for every subscription
	// of the topic that has not expired at a.Now (a job already owed is reset to attempt 0,
	// due at a.Now, with a new Version), and reports true.
	Announce(ctx context.Context, a Announcement) (bool, error)
	// Jobs returns up to limit owed jobs, the earliest due first, whether due yet or not.
	Jobs(ctx context.Context, limit int) ([]Job, error)
	// FinishJob deletes j if it is still at j.Version.
	FinishJob(ctx context.Context, j Job) error
	// RetryJob sets j's Attempts and NextAt if it is still at j.Version.
	RetryJob(ctx context.Context, j Job) error

	// PutSubscription adds or renews a subscription. Adding one when max are stored already
	// fails with ErrTooManySubscriptions; renewing never does.
	PutSubscription(ctx context.Context, s Subscription, max int) error
	// DeleteSubscription removes a subscription and any delivery owed to it; a missing one is no error.
	DeleteSubscription(ctx context.Context, topic, callback string) error
	// GetSubscription returns the subscription of callback to topic; ok is false when there is none.
	GetSubscription(ctx context.Context, topic, callback string) (s Subscription, ok bool, err error)
	// ExpireSubscriptions deletes subscriptions whose lease ended before now, and the
	// deliveries owed to them, and returns how many it deleted.
	ExpireSubscriptions(ctx context.Context, now time.Time) (int, error)
	// SubscriptionCounts returns the number of stored subscriptions per topic.
	SubscriptionCounts(ctx context.Context) (map[string]int, error)
}

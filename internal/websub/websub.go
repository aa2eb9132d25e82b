// Package websub tells readers at once that a feed changed (W3C WebSub): it notifies the
// configured hubs of every topic whose bytes changed and can itself be the hub for the
// daemon's own topics, verifying subscribers and pushing each new body to them.
// Whatever it owes is kept in a Store and sent after a restart; it calls the URLs strangers
// give it only through a Guard.
package websub

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultLease            = 10 * 24 * time.Hour
	DefaultMaxLease         = 30 * 24 * time.Hour
	DefaultMaxSubscriptions = 10000
	DefaultMaxVerifications = 64
	DefaultMaxAttempts      = 10
	DefaultMinBackoff       = time.Second
	DefaultMaxBackoff       = time.Hour
	DefaultTimeout          = 10 * time.Second
	DefaultWorkers          = 4
)

// MaxSecretLength is one more than the longest hub.secret the Recommendation allows (it must
// be less than 200 bytes).
const MaxSecretLength = 200

// Outcomes reported to an Observer.
const (
	OutcomeSent     = "sent"     // the hub or subscriber answered 2xx
	OutcomeRetry    = "retry"    // a transient failure; the job is kept and retried later
	OutcomeFailed   = "failed"   // given up: a permanent refusal, or too many attempts
	OutcomeGone     = "gone"     // the subscriber answered 410: its subscription was deleted
	OutcomeExpired  = "expired"  // the subscription ended before its delivery was sent
	OutcomeVerified = "verified" // the subscriber confirmed its intent
	OutcomeRefused  = "refused"  // the subscriber did not echo the challenge
)

// Observer is told the outcome of each request the service makes; metrics implement it.
type Observer interface {
	Notified(outcome string)       // a publish notification to an external hub
	Delivered(outcome string)      // a content distribution to a subscriber
	Verified(mode, outcome string) // a verification of intent ("subscribe" or "unsubscribe")
}

// Config configures a Service. Zero values take the Default* constants.
type Config struct {
	// Hubs are the external hubs told of every change. They are the operator's choice, so
	// they are called without the Guard's address rules (a hub on localhost is fine).
	Hubs []string
	// HubURL is the public URL of the built-in hub; empty disables it (ServeHTTP answers 404
	// and no delivery is queued).
	HubURL string
	Store  Store
	Guard  Guard // applied to subscriber callbacks

	Lease, MaxLease        time.Duration // lease given when none is asked for, and the longest granted
	MaxSubscriptions       int           // stored subscriptions, all topics together
	MaxVerifications       int           // verifications of intent in flight at once
	MaxAttempts            int           // delivery attempts before one is given up
	MinBackoff, MaxBackoff time.Duration // wait after the first failure, and its cap
	Timeout                time.Duration // of every outgoing request
	Workers                int           // requests in flight at once (besides verifications)

	Observer Observer // nil reports nothing
	Logger   *slog.Logger
	Now      func() time.Time
}

// Service announces changed topics and runs the built-in hub. Changed and ServeHTTP are safe
// for concurrent use; Run is called once.
type Service struct {
	cfg       Config
	log       *slog.Logger
	store     Store
	obs       Observer
	now       func() time.Time
	hubClient *http.Client
	cbClient  *http.Client

	mu       sync.Mutex
	latest   map[string]*content // newest body of each topic: what a delivery sends
	pending  map[string]*content // offered and not yet announced to the Store
	running  bool                // Run was called
	life     context.Context     // verifications run under it; done when Run returns
	stop     context.CancelFunc
	announce chan struct{} // pending has something
	wake     chan struct{} // jobs were queued

	verifySem chan struct{}
	verifying sync.WaitGroup
}

type content struct {
	contentType string
	link        string // the Link header of the topic: its hubs and itself
	body        []byte
	hash        [32]byte
}

type nopObserver struct{}

func (nopObserver) Notified(string)         {}
func (nopObserver) Delivered(string)        {}
func (nopObserver) Verified(string, string) {}

// New checks cfg and returns a Service; nothing runs until Run.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("websub: Config.Store is nil")
	}
	for _, h := range cfg.Hubs {
		if _, err := (Guard{AllowPrivate: true}).CheckURL(context.Background(), h); err != nil {
			return nil, fmt.Errorf("websub: hub %q: %w", h, err)
		}
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	defInt := func(n *int, v int) {
		if *n <= 0 {
			*n = v
		}
	}
	def(&cfg.Lease, DefaultLease)
	def(&cfg.MaxLease, DefaultMaxLease)
	def(&cfg.MinBackoff, DefaultMinBackoff)
	def(&cfg.MaxBackoff, DefaultMaxBackoff)
	def(&cfg.Timeout, DefaultTimeout)
	defInt(&cfg.MaxSubscriptions, DefaultMaxSubscriptions)
	defInt(&cfg.MaxVerifications, DefaultMaxVerifications)
	defInt(&cfg.MaxAttempts, DefaultMaxAttempts)
	defInt(&cfg.Workers, DefaultWorkers)
	cfg.Lease = min(cfg.Lease, cfg.MaxLease)
	s := &Service{
		cfg:       cfg,
		log:       cfg.Logger,
		store:     cfg.Store,
		obs:       cfg.Observer,
		now:       cfg.Now,
		hubClient: Guard{AllowPrivate: true}.Client(cfg.Timeout),
		cbClient:  cfg.Guard.Client(cfg.Timeout),
		latest:    map[string]*content{},
		pending:   map[string]*content{},
		announce:  make(chan struct{}, 1),
		wake:      make(chan struct{}, 1),
		verifySem: make(chan struct{}, cfg.MaxVerifications),
	}
	s.life, s.stop = context.WithCancel(context.Background())
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.obs == nil {
		s.obs = nopObserver{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// Changed offers topic's current body, with its content type and the Link header naming its
// hubs and itself (rel="self"), which content distributions carry. It never blocks on the network or the Store: a body
// whose hash differs from the last one offered is announced by Run in the background, and a
// crash before that is harmless, since the restart offers every topic again and the Store
// compares it with the hash it last recorded.
func (s *Service) Changed(topic, contentType, link string, body []byte) {
	c := &content{contentType: contentType, link: link, body: body, hash: sha256.Sum256(body)}
	s.mu.Lock()
	if old := s.latest[topic]; old != nil && old.hash == c.hash {
		s.mu.Unlock()
		return
	}
	s.latest[topic] = c
	s.pending[topic] = c
	s.mu.Unlock()
	signal(s.announce)
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// Run announces offered changes and sends what is owed, until ctx is done. Requests in
// flight then are abandoned, and stay owed for the next Run; the hub refuses subscription
// requests once Run has returned.
func (s *Service) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("websub: Run called twice")
	}
	s.running = true
	s.mu.Unlock()
	defer context.AfterFunc(ctx, s.stop)()
	var wg sync.WaitGroup
	wg.Go(func() { s.announceLoop(ctx) })
	s.dispatch(ctx)
	wg.Wait()
	s.stop()
	s.verifying.Wait()
	return nil
}

// announceLoop records offered bodies in the Store, which queues the jobs they call for.
func (s *Service) announceLoop(ctx context.Context) {
	var retry <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.announce:
		case <-retry:
			retry = nil
		}
		queued, err := s.announcePending(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			retry = time.After(s.cfg.MinBackoff)
		}
		if queued {
			signal(s.wake)
		}
	}
}

// announcePending records every offered body in the Store and reports whether that queued
// any job. A body the Store could not record stays pending, unless a newer one replaced it.
func (s *Service) announcePending(ctx context.Context) (queued bool, err error) {
	s.mu.Lock()
	batch := s.pending
	s.pending = map[string]*content{}
	s.mu.Unlock()
	for topic, c := range batch {
		changed, aerr := s.store.Announce(ctx, Announcement{
			Topic: topic, Hash: c.hash[:], Hubs: s.cfg.Hubs, Deliver: s.cfg.HubURL != "", Now: s.now(),
		})
		if aerr != nil {
			if ctx.Err() == nil {
				s.log.Error("websub: recording a changed topic failed; retrying", "topic", topic, "err", aerr)
			}
			s.mu.Lock()
			if _, newer := s.pending[topic]; !newer {
				s.pending[topic] = c
			}
			s.mu.Unlock()
			err = aerr
			continue
		}
		if changed {
			s.log.Info("websub: topic changed", "topic", topic, "hubs", len(s.cfg.Hubs), "hub", s.cfg.HubURL != "")
			queued = true
		}
	}
	return queued, err
}

// Flush is Run for a process that does not stay: it records what was offered, makes one
// attempt at every job due, and returns when they are done or ctx is. What fails stays owed,
// for the next Flush or Run. Flush must not run while Run does.
func (s *Service) Flush(ctx context.Context) error {
	if _, err := s.announcePending(ctx); err != nil {
		return fmt.Errorf("websub: %w", err)
	}
	tried := map[jobKey]bool{}
	for {
		jobs, err := s.store.Jobs(ctx, len(tried)+s.cfg.Workers)
		if err != nil {
			return fmt.Errorf("websub: %w", err)
		}
		now := s.now()
		var batch []Job
		for _, j := range jobs {
			k := jobKey{j.Kind, j.Target, j.Topic}
			if !tried[k] && !j.NextAt.After(now) {
				tried[k] = true
				batch = append(batch, j)
			}
		}
		if len(batch) == 0 {
			return ctx.Err()
		}
		var wg sync.WaitGroup
		for _, j := range batch {
			wg.Go(func() { s.run(ctx, j) })
		}
		wg.Wait()
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}

// Topics reports the topics offered so far, the ones the built-in hub accepts subscriptions to.
func (s *Service) Topics() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.latest))
	for t := range s.latest {
		out = append(out, t)
	}
	return out
}

func (s *Service) body(topic string) *content {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latest[topic]
}

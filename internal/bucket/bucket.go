// Package bucket keeps the static site in a prefix of an S3 bucket (AWS or any store that speaks
// its API), uploading only the objects whose bytes or headers changed. It remembers what the
// bucket holds in a manifest file beside the catalog and checks that memory against a listing
// when it opens, so that a bucket changed or emptied behind its back is repaired.
package bucket

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// Scheme starts an output that is a bucket rather than a directory: s3://BUCKET/PREFIX.
const Scheme = "s3://"

// DefaultEndpoint is used when Config.Endpoint is empty.
const DefaultEndpoint = "s3.amazonaws.com"

// DefaultMaxRetries is how often one request is tried before the write it belongs to fails: a
// few quick retries ride out a blip, and a daemon retries the whole write with its own backoff.
const DefaultMaxRetries = 5

// ErrURL is wrapped by the rejection of an s3:// URL that names no usable bucket.
var ErrURL = errors.New("invalid bucket URL")

// IsURL reports whether out names a bucket (s3://...) rather than a local directory.
func IsURL(out string) bool { return strings.HasPrefix(out, Scheme) }

// Location is a bucket and a key prefix inside it.
type Location struct {
	Bucket string
	Prefix string // "" or ending in "/"; never starting with "/"
}

// ParseURL reads s3://BUCKET/PREFIX. The prefix may be empty; a trailing slash is implied.
func ParseURL(s string) (Location, error) {
	if !IsURL(s) {
		return Location{}, fmt.Errorf("%w %q: want s3://BUCKET/PREFIX", ErrURL, s)
	}
	u, err := url.Parse(s)
	if err != nil {
		return Location{}, fmt.Errorf("%w %q: %w", ErrURL, s, err)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return Location{}, fmt.Errorf("%w %q: want s3://BUCKET/PREFIX", ErrURL, s)
	}
	prefix := strings.Trim(u.Path, "/")
	if strings.Contains(prefix, "//") {
		return Location{}, fmt.Errorf("%w %q: empty path segment in the prefix", ErrURL, s)
	}
	if prefix != "" {
		prefix += "/"
	}
	return Location{Bucket: u.Host, Prefix: prefix}, nil
}

func (l Location) String() string { return Scheme + l.Bucket + "/" + l.Prefix }

// Config says which bucket to write and how to reach it.
type Config struct {
	URL string // s3://BUCKET/PREFIX

	// Endpoint is the store's address: "host[:port]" (HTTPS) or a URL with an http or https
	// scheme, for S3-compatible stores; empty means DefaultEndpoint.
	Endpoint string
	Region   string // empty: asked of the store once

	// Manifest is the file that remembers what the bucket holds (created if missing). One
	// file may serve several buckets; only one process may use it at a time, which the
	// catalog's lock guarantees when it lives beside the catalog.
	Manifest string

	// Credentials default to the AWS_* environment variables, then the shared credentials
	// file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile AWS_PROFILE).
	Credentials *credentials.Credentials
	Transport   http.RoundTripper // nil: the S3 client's default
	MaxRetries  int               // attempts per request; 0: DefaultMaxRetries
	Logger      *slog.Logger
}

// Bucket writes objects under one Location. It is safe for concurrent use.
type Bucket struct {
	loc    Location
	key    string // identifies endpoint and location, in logs and in the manifest
	client *minio.Client
	man    *manifest
	log    *slog.Logger

	mu      sync.Mutex // guards the fields below
	objects map[string]object
	unknown map[string]string // listed by Intact but absent from the manifest, with the listed ETag
	listed  bool              // Intact has compared the manifest with a listing

	stats counters

	closeOnce sync.Once
	closeErr  error
}

// Stats counts the requests a Bucket made and the bytes it uploaded.
type Stats struct {
	Lists, Puts, Heads, Deletes int64
	BytesPut                    int64
}

type counters struct{ lists, puts, heads, deletes, bytes atomic.Int64 }

// Open prepares a Bucket and loads its manifest; it makes no request.
func Open(ctx context.Context, cfg Config) (*Bucket, error) {
	loc, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	endpoint, secure, err := parseEndpoint(cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	}
	creds := cfg.Credentials
	if creds == nil {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{},
			&credentials.FileAWSCredentials{},
		})
	}
	client, err := minio.New(endpoint, &minio.Options{
		Creds:      creds,
		Secure:     secure,
		Region:     cfg.Region,
		Transport:  cfg.Transport,
		MaxRetries: cfg.MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("bucket %s: endpoint %q: %w", loc, cfg.Endpoint, err)
	}
	b := &Bucket{loc: loc, client: client, log: cfg.Logger, unknown: map[string]string{}}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.key = loc.String()
	if cfg.Endpoint != "" {
		b.key = loc.String() + " at " + cfg.Endpoint
	}
	b.man, err = openManifest(ctx, cfg.Manifest, b.key)
	if err != nil {
		return nil, err
	}
	b.objects, err = b.man.load(ctx)
	if err != nil {
		b.man.close()
		return nil, err
	}
	return b, nil
}

// parseEndpoint splits an endpoint setting into minio's host[:port] and whether to use TLS.
func parseEndpoint(s string) (hostport string, secure bool, err error) {
	if strings.TrimSpace(s) != s {
		return "", false, fmt.Errorf("endpoint %q: surrounding space", s)
	}
	if s == "" {
		return DefaultEndpoint, true, nil
	}
	if !strings.Contains(s, "://") {
		return s, true, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		strings.Trim(u.Path, "/") != "" || u.RawQuery != "" {
		return "", false, fmt.Errorf("endpoint %q: want host[:port] or http(s)://host[:port]", s)
	}
	return u.Host, u.Scheme == "https", nil
}

// CheckEndpoint reports whether s is a usable Config.Endpoint.
func CheckEndpoint(s string) error {
	_, _, err := parseEndpoint(s)
	return err
}

// Key names the bucket, prefix and endpoint: outputs with equal keys hold the same objects.
func (b *Bucket) Key() string { return b.key }

// Close releases the manifest; later calls do nothing.
func (b *Bucket) Close() error {
	b.closeOnce.Do(func() { b.closeErr = b.man.close() })
	return b.closeErr
}

// Stats reports the requests made so far.
func (b *Bucket) Stats() Stats {
	return Stats{Lists: b.stats.lists.Load(), Puts: b.stats.puts.Load(), Heads: b.stats.heads.Load(),
		Deletes: b.stats.deletes.Load(), BytesPut: b.stats.bytes.Load()}
}

// sum identifies what an object is: its bytes and the headers it is served with, so that a
// new Cache-Control policy re-uploads objects whose bytes did not change.
func sum(body []byte, contentType, cacheControl string) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(contentType))
	h.Write([]byte{0})
	h.Write([]byte(cacheControl))
	h.Write([]byte{0})
	h.Write(body)
	var s [sha256.Size]byte
	h.Sum(s[:0])
	return s
}

// Put uploads body as name (relative to the prefix, slash-separated) unless the bucket is known
// to hold exactly that object with those headers. The manifest file learns of the upload at the
// next Flush or within flushEvery uploads; one it has not learned of is repeated after a crash.
func (b *Bucket) Put(ctx context.Context, name string, body []byte, contentType, cacheControl string) (bool, error) {
	s := sum(body, contentType, cacheControl)
	b.mu.Lock()
	old, ok := b.objects[name]
	listedETag, seen := b.unknown[name]
	b.mu.Unlock()
	if ok && old.sum == s {
		return false, nil
	}
	if !ok && seen {
		adopted, err := b.adopt(ctx, name, listedETag, body, contentType, cacheControl, s)
		if err != nil || adopted {
			return false, err
		}
	}
	info, err := b.client.PutObject(ctx, b.loc.Bucket, b.loc.Prefix+name, bytes.NewReader(body), int64(len(body)),
		minio.PutObjectOptions{ContentType: contentType, CacheControl: cacheControl, SendContentMd5: true,
			DisableMultipart: true})
	b.stats.puts.Add(1)
	if err != nil {
		return false, fmt.Errorf("bucket %s: put %s: %w", b.loc, name, err)
	}
	b.stats.bytes.Add(int64(len(body)))
	o := object{etag: strings.Trim(info.ETag, `"`), sum: s}
	return true, b.record(ctx, name, o)
}

// adopt takes an object the manifest does not know (its manifest was lost, or a crash came
// between an upload and the manifest's flush) as feedpub's own when a listing showed the MD5 of
// body as its ETag and a HEAD shows the same headers: a HEAD instead of an upload, which makes a
// standby with an empty manifest cheap to start.
func (b *Bucket) adopt(ctx context.Context, name, listedETag string, body []byte, contentType, cacheControl string,
	s [sha256.Size]byte) (bool, error) {
	sum := md5.Sum(body)
	if listedETag != hex.EncodeToString(sum[:]) {
		return false, nil
	}
	info, err := b.client.StatObject(ctx, b.loc.Bucket, b.loc.Prefix+name, minio.StatObjectOptions{})
	b.stats.heads.Add(1)
	if err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return false, nil
		}
		return false, fmt.Errorf("bucket %s: head %s: %w", b.loc, name, err)
	}
	if info.ContentType != contentType || info.Metadata.Get("Cache-Control") != cacheControl ||
		info.Metadata.Get("Content-Encoding") != "" || strings.Trim(info.ETag, `"`) != listedETag {
		return false, nil
	}
	return true, b.record(ctx, name, object{etag: listedETag, sum: s})
}

// record notes that the bucket holds o as name.
func (b *Bucket) record(ctx context.Context, name string, o object) error {
	b.mu.Lock()
	b.objects[name] = o
	delete(b.unknown, name)
	b.mu.Unlock()
	if b.man.put(name, o) {
		return b.man.flush(ctx)
	}
	return nil
}

// Remove deletes name from the bucket if the bucket may hold it.
func (b *Bucket) Remove(ctx context.Context, name string) (bool, error) {
	b.mu.Lock()
	_, known := b.objects[name]
	_, unknown := b.unknown[name]
	b.mu.Unlock()
	if !known && !unknown {
		return false, nil
	}
	err := b.client.RemoveObject(ctx, b.loc.Bucket, b.loc.Prefix+name, minio.RemoveObjectOptions{})
	b.stats.deletes.Add(1)
	if err != nil && minio.ToErrorResponse(err).Code != "NoSuchKey" {
		return false, fmt.Errorf("bucket %s: delete %s: %w", b.loc, name, err)
	}
	b.mu.Lock()
	delete(b.objects, name)
	delete(b.unknown, name)
	b.mu.Unlock()
	b.man.remove(name)
	return true, nil
}

// Names lists the objects under dir ("articles/") that the bucket is known or was seen to hold.
func (b *Bucket) Names(_ context.Context, dir string) ([]string, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var names []string
	for name := range b.objects {
		if strings.HasPrefix(name, dir) {
			names = append(names, name)
		}
	}
	for name := range b.unknown {
		if _, ok := b.objects[name]; !ok && strings.HasPrefix(name, dir) {
			names = append(names, name)
		}
	}
	return names, nil
}

// Flush records in the manifest every upload and removal since the last Flush.
func (b *Bucket) Flush(ctx context.Context) error {
	return b.man.flush(ctx)
}

// Parallel is how many uploads are worth running at once: each waits on the network.
func (b *Bucket) Parallel() int { return 16 }

// ManifestBeside is where the manifest of a catalog's bucket lives: beside the catalog file,
// whose lock keeps a second process away from both.
func ManifestBeside(catalogPath string) string { return catalogPath + ".bucket" }

// Intact lists the bucket, the first time it is called, and compares it with the manifest.
// Objects missing or replaced behind feedpub's back are forgotten, so that the next Put of
// them uploads again, and intact is false: the caller should then offer every object again.
// Objects listed but never recorded are remembered as unknown, so that Names offers them for
// removal. Later calls make no request and report true: from then on the manifest follows
// every upload and removal.
func (b *Bucket) Intact(ctx context.Context) (intact bool, err error) {
	b.mu.Lock()
	done := b.listed
	b.mu.Unlock()
	if done {
		return true, nil
	}
	listed := map[string]string{}
	b.stats.lists.Add(1)
	for o := range b.client.ListObjects(ctx, b.loc.Bucket, minio.ListObjectsOptions{Prefix: b.loc.Prefix, Recursive: true}) {
		if o.Err != nil {
			return false, fmt.Errorf("bucket %s: list: %w", b.loc, o.Err)
		}
		listed[strings.TrimPrefix(o.Key, b.loc.Prefix)] = strings.Trim(o.ETag, `"`)
	}
	b.mu.Lock()
	intact = len(b.objects) > 0 // an empty manifest knows nothing to be intact about
	var missing, changed int
	for name, o := range b.objects {
		etag, ok := listed[name]
		if ok && etag == o.etag {
			continue
		}
		if ok {
			changed++
		} else {
			missing++
		}
		delete(b.objects, name)
		b.man.remove(name)
		intact = false
	}
	clear(b.unknown)
	for name, etag := range listed {
		if _, ok := b.objects[name]; !ok {
			b.unknown[name] = etag
		}
	}
	unknown := len(b.unknown)
	b.listed = true
	b.mu.Unlock()
	if missing+changed > 0 {
		b.log.Warn("bucket changed behind feedpub's back; repairing", "bucket", b.key,
			"missing", missing, "replaced", changed)
	}
	b.log.Info("bucket verified", "bucket", b.key, "objects", len(listed), "unknown", unknown, "intact", intact)
	return intact, b.man.flush(ctx)
}

package server

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Resource is one representation ready to serve: its bytes, their gzip form and validators,
// all computed once when it is made so that a request costs no work beyond the write.
// A Resource must not be modified once it is served; build a new one instead.
type Resource struct {
	ContentType string
	Body        []byte
	Gzip        []byte // gzip of Body; nil when gzip would not be smaller
	ETag        string // strong, quoted, derived from Body alone
	ModTime     time.Time

	// hdr holds the response header values derived from the fields above, so the hot path
	// assigns prebuilt slices instead of formatting dates and numbers per request.
	hdr *prepared
}

// NewResource computes the gzip form and the ETag of body.
func NewResource(contentType string, body []byte, modTime time.Time) *Resource {
	r := &Resource{
		ContentType: contentType,
		Body:        body,
		ETag:        strongETag(body),
		ModTime:     modTime.UTC().Truncate(time.Second),
	}
	var buf bytes.Buffer
	// Level 4, not BestCompression: on a 270 KB Atom feed it takes 5 ms instead of 15 ms for
	// 7% more bytes, and every render compresses four files while a new article waits.
	zw, _ := gzip.NewWriterLevel(&buf, 4)
	zw.Write(body) // writes to a bytes.Buffer cannot fail
	zw.Close()
	if buf.Len() < len(body) {
		// Copy so the retained slice does not pin the buffer's doubled-up spare capacity.
		r.Gzip = bytes.Clone(buf.Bytes())
	}
	r.hdr = prepare(r)
	return r
}

// strongETag names the bytes of body: equal bytes give equal tags across restarts and hosts,
// so a reader's cached validator survives a daemon restart.
func strongETag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`
}

// prepared is the per-Resource part of a response header, each value a one-element slice
// that is assigned to header maps as is. The slices are shared by concurrent responses and
// never written to; cap == len, so an append by anyone downstream copies rather than mutates.
type prepared struct {
	// src* record what the values were derived from, so a Resource edited after
	// NewResource (against the rules, but cheap to detect) is not served stale headers.
	srcETag    string
	srcType    string
	srcMod     time.Time
	srcBodyLen int
	srcGzipLen int

	etag       string   // the identity representation's tag, for If-None-Match
	etagGz     string   // the gzip representation's tag; "" without Gzip
	etagHdr    []string // ETag of the identity bytes
	etagGzHdr  []string // ETag of the gzip bytes: strong tags name bytes, so it must differ
	lastMod    string   // Last-Modified as sent; "" when ModTime is zero
	lastModHdr []string
	modTime    time.Time // ModTime truncated to seconds, the precision of HTTP dates
	ctypeHdr   []string
	clenHdr    []string
	clenGzHdr  []string
	html       bool // gets the Content-Security-Policy header
	hasGzip    bool
}

// prepare derives the header values of r. It is called once by NewResource, once per path by
// Swap for Resources built without NewResource, and per request only for such Resources
// coming from Pages.
func prepare(r *Resource) *prepared {
	p := &prepared{
		srcETag:    r.ETag,
		srcType:    r.ContentType,
		srcMod:     r.ModTime,
		srcBodyLen: len(r.Body),
		srcGzipLen: len(r.Gzip),
		hasGzip:    r.Gzip != nil,
		ctypeHdr:   []string{r.ContentType},
		clenHdr:    []string{strconv.Itoa(len(r.Body))},
		html:       isHTML(r.ContentType),
	}
	etag := r.ETag
	if len(etag) < 2 || etag[0] != '"' || etag[len(etag)-1] != '"' || strings.Count(etag, `"`) != 2 {
		// Missing or not a strong entity-tag: the promise of a strong validator is kept by
		// deriving one from the bytes, as NewResource would have.
		etag = strongETag(r.Body)
	}
	p.etag = etag
	p.etagHdr = []string{etag}
	if p.hasGzip {
		p.etagGz = etag[:len(etag)-1] + `-gz"`
		p.etagGzHdr = []string{p.etagGz}
		p.clenGzHdr = []string{strconv.Itoa(len(r.Gzip))}
	}
	if !r.ModTime.IsZero() {
		p.modTime = r.ModTime.UTC().Truncate(time.Second)
		p.lastMod = p.modTime.Format(http.TimeFormat)
		p.lastModHdr = []string{p.lastMod}
	}
	return p
}

// headers returns r's prepared header values, reusing the ones NewResource made when r has
// not been changed since.
func (r *Resource) headers() *prepared {
	if p := r.hdr; p != nil && p.srcETag == r.ETag && p.srcType == r.ContentType &&
		p.srcBodyLen == len(r.Body) && p.srcGzipLen == len(r.Gzip) && p.srcMod.Equal(r.ModTime) {
		return p
	}
	return prepare(r)
}

func isHTML(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.TrimSpace(mt)
	return strings.EqualFold(mt, "text/html") || strings.EqualFold(mt, "application/xhtml+xml")
}

// Snapshot is the set of fixed paths served at one moment ("/", "/rss.xml", ...). A Snapshot is
// never modified after it is handed to Server.Swap, so readers need no lock.
type Snapshot struct {
	Files map[string]*Resource
}

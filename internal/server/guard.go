package server

// What every request passes through before and after its handler: the canonical-path guard
// and the access log.

import (
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"
)

// guard runs before routing. It rejects every path that is not in canonical form, because
// ServeMux would otherwise answer "/articles/x/../../rss.xml" with a redirect to a served
// file; our URLs never need dot segments, doubled slashes or percent-encoding, so each
// resource has exactly one spelling and probes end in 404.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["X-Content-Type-Options"] = s.nosniff
		// Only GET and HEAD are served, and they carry no body. A request that has one (a
		// Content-Length, chunked, or both, which RFC 9112 section 6.1 says to close on) is
		// answered and its connection closed: where its body ends, and so where the next
		// request on the connection would start, cannot be trusted.
		if r.ContentLength != 0 || len(r.TransferEncoding) > 0 {
			w.Header()["Connection"] = s.closeConn
		}
		p := r.URL.Path
		// A directory path (a feed's index page) keeps its one trailing slash.
		if !canonicalEscapes(r.URL) || p == "" || p[0] != '/' || path.Clean(p) != strings.TrimSuffix(p, "/") && p != "/" {
			http.NotFound(w, r)
			s.logRequest(r, http.StatusNotFound, 0, time.Time{})
			if s.obs != nil {
				s.obs.Served(r, "", http.StatusNotFound, false)
			}
			return
		}
		debug := s.log.Enabled(r.Context(), slog.LevelDebug)
		if !debug && s.obs == nil {
			next.ServeHTTP(w, r)
			return
		}
		var start time.Time
		if debug {
			start = time.Now()
		}
		// Recorders are pooled: this is the path of every poll, and it allocates nothing else.
		rec := recorders.Get().(*statusRecorder)
		*rec = statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		if s.obs != nil {
			_, route, _ := strings.Cut(r.Pattern, " ")
			switch {
			case route == "/":
				route = FilesRoute
			case route == "":
				route = r.Pattern // a pattern without a method
			}
			s.obs.Served(r, route, status, rec.gzip)
		}
		s.logRequest(r, status, rec.n, start)
		*rec = statusRecorder{}
		recorders.Put(rec)
	})
}

var recorders = sync.Pool{New: func() any { return new(statusRecorder) }}

// logRequest writes the access log line. Debug only: at a million polls a day an info-level
// access log would be most of the daemon's I/O.
func (s *Server) logRequest(r *http.Request, status int, n int64, start time.Time) {
	if !s.log.Enabled(r.Context(), slog.LevelDebug) {
		return
	}
	if status == 0 {
		status = http.StatusOK
	}
	attrs := []slog.Attr{
		slog.String("method", r.Method),
		slog.String("uri", r.RequestURI),
		slog.Int("status", status),
		slog.Int64("bytes", n),
		slog.String("remote", r.RemoteAddr),
		slog.String("ua", r.UserAgent()),
	}
	if !start.IsZero() {
		attrs = append(attrs, slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000))
	}
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "request", attrs...)
}

// statusRecorder captures what the access log and the Observer report.
type statusRecorder struct {
	http.ResponseWriter
	status int
	n      int64
	gzip   bool
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		if ce := w.ResponseWriter.Header()["Content-Encoding"]; len(ce) == 1 && ce[0] == "gzip" {
			w.gzip = true
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.n += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection through the recorder.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// canonicalEscapes reports whether the request path is percent-encoded as our links are: only
// what must be (a Korean slug's UTF-8), in either hex case, which RFC 3986 makes equivalent.
// An escaped "/" or "." or an escaped letter that needs none would give one resource a second
// spelling, and a way around the dot-segment check, so it is refused.
func canonicalEscapes(u *url.URL) bool {
	if u.RawPath == "" {
		return true // Go found the escapes it would have written itself
	}
	return strings.EqualFold(u.RawPath, (&url.URL{Path: u.Path}).EscapedPath())
}

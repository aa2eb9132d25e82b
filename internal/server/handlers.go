package server

// The handlers behind the routes: the snapshot's fixed paths, article pages, every other file
// (section, author and tag feeds, archives), and /healthz.

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/feedpub/feedpub/internal/slug"
)

// fixed serves one path of the current Snapshot.
func (s *Server) fixed(key string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sv := s.cur.Load()
		if sv == nil {
			// Not 404: the path exists, the daemon has just not built it yet. no-store keeps
			// shared caches from holding on to this answer.
			h := w.Header()
			h.Set("Retry-After", retryAfter)
			h.Set("Cache-Control", "no-store")
			http.Error(w, "feed not ready yet", http.StatusServiceUnavailable)
			return
		}
		res, ok := sv.files[key]
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.serveResource(w, r, res)
	})
}

func (s *Server) serveArticle(w http.ResponseWriter, r *http.Request) {
	file := r.PathValue("file")
	if len(file) <= len(".html") || file[len(file)-len(".html"):] != ".html" || s.pages == nil {
		http.NotFound(w, r)
		return
	}
	name := file[:len(file)-len(".html")]
	// Validated here so Pages never sees a slug the slug rule could not have made (no
	// separators, no dots, nothing outside NFC letters, digits and dashes), whatever it does
	// with it.
	if !slug.Valid(name) {
		http.NotFound(w, r)
		return
	}
	ctx, cancel := detached(r)
	defer cancel()
	res, err := s.pages.Page(ctx, name)
	switch {
	case errors.Is(err, ErrNotFound) || (err == nil && res == nil):
		http.NotFound(w, r)
		return
	case errors.Is(err, ErrGone):
		s.gone(w)
		return
	case err != nil:
		s.log.Error("render article page", "slug", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	s.serveResource(w, r, res)
}

// serveFile serves any other path from Config.Files, answering a conditional request from the
// file's validators alone when Files knows them.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	files := s.cfg.Files
	if files == nil || s.cur.Load() == nil {
		// Before the first Snapshot nothing has been indexed, so nothing is known to exist.
		http.NotFound(w, r)
		return
	}
	name := r.URL.Path[1:]
	ctx, cancel := detached(r)
	defer cancel()
	if v, ok := files.(Validated); ok && (r.Header["If-None-Match"] != nil || r.Header["If-Modified-Since"] != nil) {
		if stub := v.Stub(ctx, name); stub != nil && notModified(r.Header, &stub.hdr) {
			s.serveNotModified(w, r, stub)
			return
		}
	}
	res, err := files.File(ctx, name)
	switch {
	case errors.Is(err, ErrNotFound) || (err == nil && res == nil):
		http.NotFound(w, r)
		return
	case err != nil:
		s.log.Error("render file", "path", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	s.serveResource(w, r, res)
}

// gone answers 410 for a removed article. Like a 404 it may be cached, for the max-age the
// feeds have: a removed article does not come back under its slug except by being restored.
func (s *Server) gone(w http.ResponseWriter) {
	h := w.Header()
	h["Cache-Control"] = s.cacheControl
	h.Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusGone)
	io.WriteString(w, "This article has been removed.\n")
}

func (s *Server) serveHealth(w http.ResponseWriter, r *http.Request) {
	var h Health
	var err error
	if s.health != nil {
		ctx, cancel := detached(r)
		h, err = s.health(ctx)
		cancel()
	}
	h.Serving = s.cur.Load() != nil
	h.Version = s.cfg.Version
	code := http.StatusOK
	if h.Status == "" {
		h.Status = "ok"
	}
	if !h.Serving {
		// A load balancer must not send readers here before there is a feed to give them.
		h.Status, code = "starting", http.StatusServiceUnavailable
	}
	if err != nil {
		// The reason goes to the log, not the body: /healthz is public and error text
		// tends to carry file system paths.
		s.log.Warn("health check failed", "err", err)
		h.Status = "unavailable"
		code = http.StatusServiceUnavailable
	}
	body, err := json.Marshal(h)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	body = append(body, '\n')
	hd := w.Header()
	hd.Set("Content-Type", "application/json")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// lookupTimeout bounds the work a request starts (a page render, the health check) once it no
// longer ends with the client's connection.
const lookupTimeout = 10 * time.Second

// detached is the context for the work behind a response. net/http cancels a request's context
// as soon as the client's side of the connection reads as closed, which a client that
// half-closes after sending its request (some proxies and scripts do) shows at once, although
// it still reads the answer. Its request was not a server error, so the work goes on, bounded
// by lookupTimeout; a client really gone costs at most that.
func detached(r *http.Request) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(r.Context()), lookupTimeout)
}

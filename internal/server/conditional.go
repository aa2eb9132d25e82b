package server

import (
	"net/http"
	"strings"
	"time"
)

// serveResource answers GET or HEAD for res. Conditional requests are handled here rather
// than by http.ServeContent because ServeContent drops Last-Modified from 304 responses, and
// readers such as rss2email then forget the validator and refetch in full next time.
//
// This is the path a million polls a day take, so it formats nothing: header values are the
// prebuilt slices of res and s, assigned straight into the header map under canonical keys.
func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, res *Resource) {
	if s.writeValidators(w, r, res) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	p := &res.hdr
	h := w.Header()
	h["Content-Type"] = p.ctypeHdr
	body := res.body
	if p.hasGzip && acceptsGzip(r.Header["Accept-Encoding"]) {
		h["Content-Encoding"] = s.gzipEnc
		h["Content-Length"] = p.clenGzHdr
		body = res.gzip
	} else {
		h["Content-Length"] = p.clenHdr
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body) // an error means the reader went away; nothing to do about it
	}
}

// serveNotModified answers 304 from a stub whose validators match the request.
func (s *Server) serveNotModified(w http.ResponseWriter, r *http.Request, stub *Resource) {
	s.writeValidators(w, r, stub)
	w.WriteHeader(http.StatusNotModified)
}

// writeValidators sets the headers a 200 and a 304 share and reports whether the request's
// validators match res.
func (s *Server) writeValidators(w http.ResponseWriter, r *http.Request, res *Resource) bool {
	p := &res.hdr
	h := w.Header()
	gz := p.hasGzip && acceptsGzip(r.Header["Accept-Encoding"])
	if gz {
		h["Etag"] = p.etagGzHdr
	} else {
		h["Etag"] = p.etagHdr
	}
	if p.lastModHdr != nil {
		h["Last-Modified"] = p.lastModHdr
	}
	h["Cache-Control"] = s.cacheControl
	if p.cacheControl != nil {
		h["Cache-Control"] = p.cacheControl
	}
	// Sent even without a gzip form so that caches keep keying on it if a later
	// Snapshot of the same path gains one.
	h["Vary"] = s.vary
	if p.html {
		h["Content-Security-Policy"] = s.csp
	}
	if p.linkHdr != nil {
		// On 304s too: a subscriber may discover the hubs with a conditional GET.
		h["Link"] = p.linkHdr
	}

	return notModified(r.Header, p)
}

// notModified evaluates If-None-Match, or If-Modified-Since when there is no If-None-Match
// (RFC 9110 section 13.2.2), for a GET or HEAD of the representation described by p.
func notModified(hdr http.Header, p *prepared) bool {
	if inm, ok := hdr["If-None-Match"]; ok {
		for _, v := range inm {
			if etagListMatches(v, p.etag, p.etagGz) {
				return true
			}
		}
		return false
	}
	ims := hdr["If-Modified-Since"]
	if len(ims) == 0 || p.lastMod == "" {
		return false
	}
	v := ims[0]
	// Almost every client echoes our Last-Modified byte for byte; comparing strings first
	// skips parsing the date.
	if v == p.lastMod {
		return true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return false // an invalid date is ignored, as RFC 9110 requires
	}
	return !p.modTime.After(t.Truncate(time.Second))
}

// etagListMatches reports whether the If-None-Match field value list matches etag or
// etagGz under weak comparison (which RFC 9110 prescribes for If-None-Match): "W/" is
// ignored. Either tag matches because both name the same content, and a client may hold the
// tag of the other encoding from an earlier response. etagGz may be "".
func etagListMatches(list, etag, etagGz string) bool {
	for {
		list = strings.TrimLeft(list, " \t,")
		if list == "" {
			return false
		}
		if list[0] == '*' {
			return true
		}
		list = strings.TrimPrefix(list, "W/")
		if list == "" || list[0] != '"' {
			return false // malformed; give up on the rest rather than guess
		}
		end := strings.IndexByte(list[1:], '"')
		if end < 0 {
			return false
		}
		tag := list[:end+2]
		if tag == etag || (etagGz != "" && tag == etagGz) {
			return true
		}
		list = list[end+2:]
	}
}

// acceptsGzip reports whether the Accept-Encoding field values allow a gzip response
// (RFC 9110 section 12.5.3). An explicit "gzip" decides, then "x-gzip", then "*"; q=0 refuses.
// An unparseable q-value counts as a refusal, since the identity response is always safe.
func acceptsGzip(vals []string) bool {
	const unseen, no, yes = 0, 1, 2
	gzip, xgzip, star := unseen, unseen, unseen
	for _, v := range vals {
		for v != "" {
			var item string
			item, v, _ = strings.Cut(v, ",")
			name, params, _ := strings.Cut(item, ";")
			name = strings.TrimSpace(name)
			var set *int
			switch {
			case strings.EqualFold(name, "gzip"):
				set = &gzip
			case strings.EqualFold(name, "x-gzip"):
				set = &xgzip
			case name == "*":
				set = &star
			default:
				continue
			}
			if *set != unseen {
				continue // the first mention of a coding decides
			}
			if qNonZero(params) {
				*set = yes
			} else {
				*set = no
			}
		}
	}
	switch {
	case gzip != unseen:
		return gzip == yes
	case xgzip != unseen:
		return xgzip == yes
	}
	return star == yes
}

// qNonZero reports whether the parameters after a coding name (";q=0.5", "") give a
// positive weight. A missing q means 1.
func qNonZero(params string) bool {
	for params != "" {
		var param string
		param, params, _ = strings.Cut(params, ";")
		k, v, _ := strings.Cut(param, "=")
		if !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		v = strings.TrimSpace(v)
		// qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
		if v == "" || len(v) > 5 || (v[0] != '0' && v[0] != '1') {
			return false
		}
		rest := v[1:]
		if rest != "" {
			if rest[0] != '.' {
				return false
			}
			rest = rest[1:]
		}
		positive := v[0] == '1'
		for i := 0; i < len(rest); i++ {
			c := rest[i]
			if c < '0' || c > '9' || (v[0] == '1' && c != '0') {
				return false
			}
			if c != '0' {
				positive = true
			}
		}
		return positive
	}
	return true
}

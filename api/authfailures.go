package api

import (
	"context"
	"net/http"
)

// recordAuthFailure tells the metrics of a rejected credential of kind and
// has app record it in the audit log (aggregated: app.AuthFailures; best
// effort: the caller answers 401 anyway).
func (s *Server) recordAuthFailure(r *http.Request, kind string, extra map[string]any) {
	if s.cfg.Observer != nil {
		s.cfg.Observer.AuthFailure(kind)
	}
	if err := s.authFails.Record(r.Context(), kind, s.clientIP(r).String(), r.URL.Path, extra); err != nil {
		s.log.WarnContext(r.Context(), "audit record of a rejected credential failed", "request_id", requestID(r.Context()), "err", err)
	}
}

// FlushAuthFailures records the counts of rejected credentials not yet in
// the audit log, whatever their interval. kyso calls it on shutdown; the
// counts of intervals that are over are also recorded with the next
// rejection.
func (s *Server) FlushAuthFailures(ctx context.Context) error { return s.authFails.Flush(ctx) }

package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"time"

	"github.com/gorilla/mux"
)

// Observer is told of every answered request, for metrics. cmd/kyso wires
// a *metrics.Registry; nil observes nothing.
type Observer interface {
	// Request counts a request by method, route template and status
	// and observes its duration.
	Request(method, route string, status int, d time.Duration)
	// Error counts an error answer by its stable code.
	Error(route, code string)
	// AuthFailure counts a rejected credential by kind (admin, client,
	// client-certificate).
	AuthFailure(kind string)
}

// routeUnmatched is the route of a request no route serves (404, 405):
// never the path itself, which the client chooses.
const routeUnmatched = "unmatched"

// requestInfo is what the handlers learn about a request that its access
// log line and metrics report: filled in under the router (route, actor),
// read by observe once the answer is written.
type requestInfo struct {
	route string
	actor string // "admin:<token id>" or "client:<client id>"; empty: anonymous
}

// requestInfoKey holds the access log's *requestInfo in a request's context.
type requestInfoKey struct{}

// noteRoute records the matched route's template. It is the router's
// first middleware: mux runs middleware only for matched routes.
func (s *Server) noteRoute(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, ok := r.Context().Value(requestInfoKey{}).(*requestInfo); ok {
			if t, err := mux.CurrentRoute(r).GetPathTemplate(); err == nil {
				info.route = t
			}
		}
		next.ServeHTTP(w, r)
	})
}

// noteActor records who the request was authenticated as.
func noteActor(ctx context.Context, actor string) {
	if info, ok := ctx.Value(requestInfoKey{}).(*requestInfo); ok {
		info.actor = actor
	}
}

// observe writes one access log line per request and tells the Observer.
// The line has the method, route template (not the path: an OCSP GET or a
// certificate id is in the path), status, error code, duration, bytes in
// (of the body as far as kyso read it: a refused request's body is not
// read) and out, who the request was authenticated as, the request id and the
// peer address — never a header, a query, the body or any part of it: no
// document, PIN, token or Authorization header can reach the log.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		info := &requestInfo{route: routeUnmatched}
		rw := &observedWriter{ResponseWriter: w}
		body := &countedBody{ReadCloser: r.Body}
		r = r.WithContext(context.WithValue(r.Context(), requestInfoKey{}, info))
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = body
		}
		defer func() {
			// Also after a panic that aborts the answer (http.ErrAbortHandler):
			// the log line then shows the status written so far, 0 if none.
			d := time.Since(start)
			code := rw.errorCode()
			attrs := []slog.Attr{
				slog.String("method", r.Method),
				slog.String("route", info.route),
				slog.Int("status", rw.status),
				slog.Float64("duration_ms", float64(d.Microseconds())/1000),
				slog.Int64("bytes_in", body.n),
				slog.Int64("bytes_out", rw.n),
				slog.String("request_id", rw.Header().Get("X-Request-Id")),
				slog.String("remote", peerHost(r.RemoteAddr)),
			}
			if info.actor != "" {
				attrs = append(attrs, slog.String("actor", info.actor))
			}
			if code != "" {
				attrs = append(attrs, slog.String("code", code))
			}
			s.log.LogAttrs(r.Context(), slog.LevelInfo, "request", attrs...)
			if s.cfg.Observer != nil {
				s.cfg.Observer.Request(r.Method, info.route, rw.status, d)
				if code != "" {
					s.cfg.Observer.Error(info.route, code)
				}
			}
		}()
		next.ServeHTTP(rw, r)
	})
}

func peerHost(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		return h
	}
	return addr
}

// countedBody counts the bytes a handler read of the request body.
type countedBody struct {
	io.ReadCloser
	n int64
}

func (b *countedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}

// maxErrorPeek bounds what observedWriter keeps of an error answer to read
// its code: kyso's JSON errors are a few hundred bytes.
const maxErrorPeek = 4 << 10

// observedWriter records the status and size of an answer and keeps the
// start of a JSON error answer, whose code the access log names.
type observedWriter struct {
	http.ResponseWriter
	status int
	n      int64
	peek   []byte
	json   bool
}

func (w *observedWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		if code >= 400 {
			mt, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type"))
			w.json = mt == "application/json" || mt == "application/problem+json"
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *observedWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.json && len(w.peek) < maxErrorPeek {
		w.peek = append(w.peek, p[:min(len(p), maxErrorPeek-len(w.peek))]...)
	}
	n, err := w.ResponseWriter.Write(p)
	w.n += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the connection's writer
// (flushes, deadlines).
func (w *observedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// errorCode is the stable code of a JSON error answer, or "".
func (w *observedWriter) errorCode() string {
	if len(w.peek) == 0 {
		return ""
	}
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	if json.NewDecoder(bytes.NewReader(w.peek)).Decode(&e) != nil || !codePattern(e.Error.Code) {
		return ""
	}
	return e.Error.Code
}

// codePattern reports whether s looks like one of kyso's error codes
// (lower-case letters and underscores): a label value must come from a
// bounded set.
func codePattern(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if (c < 'a' || c > 'z') && c != '_' {
			return false
		}
	}
	return true
}

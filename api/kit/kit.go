// Package kit is what package api lends its sub-routers (api/admin,
// api/pki, api/verify, api/signing): the one error renderer, the strict
// JSON decoder with its limits, the JSON writer, the request's id, actor
// and client address, the {id} of a path and Idempotency-Key handling.
//
// # What it owns
//
// The context keys of the request id and the actor (package api's
// middleware sets them, sub-routers read them), WriteJSON and PathID.
// What needs package api's state — its configuration, logger, rate-limit
// view of the client and idempotency store — is lent as the fields of a
// Kit, which package api fills in New.
//
// # What it must not import
//
// Of kyso, only app, model and errkind (internal/archtest).
package kit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"

	"github.com/gorilla/mux"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/errkind"
)

// Kit is what package api lends a sub-router. Every field is set by
// package api.
type Kit struct {
	// RenderError is package api's one error renderer: the status and
	// code of the error's kind, a generic message for a 5xx.
	RenderError func(w http.ResponseWriter, r *http.Request, err error)
	// Classify is how the renderer would answer err: its HTTP status and
	// the JSON detail ({code, message, field}), for an error inside an
	// answer (one document of a batch).
	Classify func(err error) (status int, detail any)
	// DecodeJSON reads a bounded JSON body into v, strictly: unknown
	// fields and trailing data are errors. An empty body decodes as {}
	// when allowEmpty.
	DecodeJSON func(w http.ResponseWriter, r *http.Request, v any, allowEmpty bool) error
	// MaxBodyBytes bounds a request body that is not JSON but as small
	// (a PEM chain, say): the limit DecodeJSON applies.
	MaxBodyBytes int64
	// ClientIP is the address a request is rate limited by (behind the
	// trusted proxies, the client's).
	ClientIP func(r *http.Request) netip.Addr
	// BeginIdempotent starts a request that may carry an Idempotency-Key,
	// fingerprinted by route and parts (never a secret). It returns the
	// writer the handler must answer through, the claim (nil without the
	// header; defer its Finish) and whether the answer was already
	// written (a replay, or an error).
	BeginIdempotent func(w http.ResponseWriter, r *http.Request, actor, route string, parts ...any) (http.ResponseWriter, Claim, bool)
	// Log is package api's logger.
	Log *slog.Logger
}

// Claim is a request that holds an Idempotency-Key: app.Enroll records
// through it what it creates, and Finish keeps the answer.
type Claim interface {
	app.Attempt
	// Finish keeps the answer written, or lets go of the key.
	Finish(r *http.Request)
}

// IdempotencyHeader is the request header that makes a POST safe to retry
// (the IETF httpapi draft "The Idempotency-Key HTTP Header Field").
const IdempotencyHeader = "Idempotency-Key"

// ErrNotConfigured answers a route whose service this kyso lacks.
var ErrNotConfigured = errkind.New(errkind.NotConfigured, "this kyso is not configured for this operation")

type ctxKey int

const (
	requestIDKey ctxKey = 1
	actorKey     ctxKey = 2
)

// WithRequestID returns ctx carrying the request id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID is the id package api gave the request of ctx ("" if none).
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// WithActor returns ctx carrying who sent the request ("admin:<token id>",
// "client:<client id>").
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey, actor)
}

// Actor names who sent r: the admin token ID or client ID the
// authentication found ("" for a public route).
func Actor(r *http.Request) string {
	actor, _ := r.Context().Value(actorKey).(string)
	return actor
}

// WriteJSON answers with v as JSON (HTML characters not escaped).
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// ErrTrailing is data after the one JSON value of a body.
var ErrTrailing = errors.New("trailing data after the object")

// JSONErrorText describes a JSON decoding error without echoing request
// data beyond field names and offsets.
func JSONErrorText(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q must be %s", te.Field, te.Type.String())
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of input"
	case errors.Is(err, ErrTrailing):
		return ErrTrailing.Error()
	}
	return "cannot decode the body"
}

// MaxIDLen bounds path identifiers before they reach the store.
const MaxIDLen = 64

// PathID is the {id} of r's route; one that is empty, too long or holds
// "/" or "%" is NotFound with the message "no such <what>".
func PathID(r *http.Request, what string) (string, error) {
	id := mux.Vars(r)["id"]
	if id == "" || len(id) > MaxIDLen || strings.ContainsAny(id, "/%") {
		return "", errkind.New(errkind.NotFound, "no such "+what)
	}
	return id, nil
}

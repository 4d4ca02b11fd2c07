// Package api is kyso's HTTP interface (gorilla/mux): routing, admin and
// client authentication (an API key or a kyso TLS client certificate →
// model.Caller), request limits, Idempotency-Key handling, JSON rendering
// and the single error renderer. Handlers decode, validate the shape, make
// one call into the deciding floor (package app: Enroll, Admin, Sign,
// Verify) or a read-only one into the CA, and render; they hold no crypto,
// no SQL and no decisions — who may sign, consent, audit records and
// enrolment live in app.
//
// api depends on the domain through the small interfaces declared here,
// model's types and errkind's kinds (errors.go renders by kind). It imports
// neither keys nor store; internal/archtest checks the rule.
package api

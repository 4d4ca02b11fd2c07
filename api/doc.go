// Package api is kyso's HTTP interface (gorilla/mux): routing, admin and
// client authentication (an API key or a kyso TLS client certificate →
// signer.Caller), request limits, Idempotency-Key handling, JSON rendering
// and the single error renderer. Handlers decode, validate the shape, make
// one call into the deciding floor (package app: Enroll, Admin, Sign,
// Verify) or a read-only one into the CA, and render; they hold no crypto,
// no SQL and no decisions — who may sign, consent, audit records and
// enrolment live in app.
//
// api depends on the domain through the small interfaces declared here
// and through model's types. It must not import keys or store: the error
// renderer (errors.go) still names their sentinels until it switches on
// error kinds.
package api

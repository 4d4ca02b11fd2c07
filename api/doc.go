// Package api is kyso's HTTP interface (gorilla/mux): routing, admin and
// client authentication (an API key or a kyso TLS client certificate →
// model.Caller), request limits, Idempotency-Key handling, JSON rendering
// and the single error renderer. Handlers decode, validate the shape, make
// one call into the deciding floor (package app: Enroll, Admin, Sign,
// Verify, Certificates, Remote) or a read-only one into the public PKI
// (certificates, CRL, OCSP: the PKI interface), and render; they hold no
// crypto, no SQL and no decisions — who may sign, consent, audit records
// (rejected credentials too: app.AuthFailures) and enrolment live in app.
//
// Its sub-routers: api/admin (the admin API), api/signing (the signing
// API), api/pki (the public PKI endpoints and the TSA), api/verify (the
// public verification API), api/csc (the CSC API) and api/confirm (the
// citizen's confirmation page). api/kit is what package api lends the
// sub-routers (the renderer, the JSON decoder, the client address,
// Idempotency-Key handling, the request id and actor); package api keeps
// the middleware and the authentication, and mounts each sub-router.
//
// Of kyso, api imports only its own sub-routers, app, model and errkind:
// the requests and answers it decodes and renders are app's and model's
// types (app.PDFRequest, app.Report, model.Caller...), and errors.go
// renders by error kind. internal/archtest checks the rule.
package api

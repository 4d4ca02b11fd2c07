// Package api is kyso's HTTP interface (gorilla/mux): routing, admin
// authentication, request limits, JSON rendering and the single error
// renderer. Handlers decode, validate the shape, make one domain call and
// render; they hold no crypto and no SQL.
//
// The rule (docs/architecture.md) is that api crosses into the deciding
// floor (app) only and imports neither keys nor store. The code is not
// there yet: api still imports keys (errors.go maps keys.ErrUnavailable)
// and store (rows and the idempotency records, in certificates.go,
// clientcert.go, errors.go, idempotency.go, server.go and sign.go), and
// calls ca, signer, verifier, audit and auth through interfaces declared
// here. internal/archtest lists these as pending rules.
package api

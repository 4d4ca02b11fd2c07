// Package verify is kyso's public verification API: POST /v1/verify/pdf,
// /v1/verify/cms and /v1/verify/xml, for anyone, with the JSON report, the
// ETSI TS 119 102-2 validation report (?format=etsi) or the printed report
// signed by kyso (?format=report).
//
// # What it owns
//
// HTTP only, as the rest of api: the per-address rate limits (requests,
// and signed printed reports), the per-address cap on uploads in progress,
// the body spooled whole (memory, else an anonymous temporary file) before
// a verification slot is taken, the bounded verifications in progress, the
// multipart parts of each route. Every verdict is app.Verify's (Deps); the
// errors are rendered by package api's one renderer, which it lends with
// the client's address (api/kit).
//
// # What it must not import
//
// Of kyso, only api/kit, app, model and errkind (internal/archtest: api
// crosses into app only).
package verify

// Package signing is kyso's signing API, for registered client systems:
// /v1/sign/pdf, /v1/sign/pdf/batch, /v1/sign/cms, /v1/sign/hash,
// /v1/sign/xml, /v1/sign/xml/batch, /v1/extend/pdf and a citizen's
// explicit consent, /v1/credentials/{id}/authorize.
//
// # What it owns
//
// HTTP only: the uploads (a body or multipart parts, held in memory under
// a shared budget or spooled to temporary files), the options of each
// route, Idempotency-Key fingerprints over the document's digest, the
// signed document streamed as the answer and the batch answers (JSON or
// multipart/mixed). Who may sign what, consent, the audit and the formats
// are app.Sign's, app.Extend's and app.Remote's (Deps). Package api
// authenticates the client system (its middleware, handed to Mount, gives
// each handler the model.Caller) and lends its renderer, decoder and
// Idempotency-Key handling (api/kit).
//
// # What it must not import
//
// Of kyso, only api/kit, app, model and errkind (internal/archtest).
package signing

// Package admin is kyso's admin API, for operators with an admin token:
// certificates (/v1/certificates*), the CA (/v1/ca/*), client systems
// (/v1/clients*) and their TLS client certificates, admin tokens
// (/v1/admin/tokens*), citizens' enrolment events
// (/v1/credentials/{id}/pin, unlock, clients, totp), agencies' seal images
// (/v1/seal-images/{organization}) and the trust bundle's refresh
// (/v1/admin/trust/refresh).
//
// # What it owns
//
// HTTP only: decoding and the shape of each request, one call into the
// deciding floor (app.Enroll, app.Admin, app.Certificates, app.Trust:
// Deps) and the JSON of each answer. Who may do what, the audit records
// and every decision are app's. Package api authenticates the admin (its
// middleware, handed to Mount) and lends its renderer, decoder and
// Idempotency-Key handling (api/kit).
//
// # What it must not import
//
// Of kyso, only api/kit, app, model and errkind (internal/archtest).
package admin

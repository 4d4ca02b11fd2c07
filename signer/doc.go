// Package signer is kyso's signing service: once its Authorizer (app.Sign:
// agency binding, citizen consent by SAD) has resolved a credential to a
// Vault-backed crypto.Signer and its certificate chain, it signs PDF
// documents (signer/pades), data and digests (signer/cms) and XML
// (signer/xmldsig), and hands every signature to its Recorder — the
// document's SHA-256, never the document — before the signed document
// leaves (app.Sign writes it to the audit log). It checks a request's
// options before it asks the Authorizer, and draws an agency's seal image
// that its SealImages lookup (app.Sign, from the database) returns.
//
// The subpackages do the format work: signer/cms (detached CMS, PSS, batch),
// signer/pades (PAdES B-B to B-LTA), signer/tsa (RFC 3161 time-stamp
// authority) and signer/appearance (visible signatures with an embedded
// Vietnamese font). signer sees keys only as crypto.Signer; it must not
// import keys, store, audit, app or api (internal/archtest holds it to
// that).
package signer

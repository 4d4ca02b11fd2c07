// Package signer is kyso's signing service: once its Authorizer (app.Sign:
// agency binding, citizen consent by PIN) has resolved a credential to a
// Vault-backed crypto.Signer and its certificate chain, it signs PDF
// documents (signer/pades), data and digests (signer/cms), XML
// (signer/xmldsig) and records every signature in the audit log — the
// document's SHA-256, never the document — before the signed document
// leaves. It checks a request's options before it asks the Authorizer.
//
// The subpackages do the format work: signer/cms (detached CMS, PSS, batch),
// signer/pades (PAdES B-B to B-LTA), signer/tsa (RFC 3161 time-stamp
// authority) and signer/appearance (visible signatures with an embedded
// Vietnamese font). signer sees keys only as crypto.Signer; it must not
// import keys, store implementations, app or api.
package signer

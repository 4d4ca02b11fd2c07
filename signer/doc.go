// Package signer is kyso's signing service: it decides whether a caller may
// sign with a credential (agency binding, citizen consent by PIN), resolves
// the credential to a Vault-backed crypto.Signer and its certificate chain,
// signs PDF documents (signer/pades), data and digests (signer/cms) and
// records every signature in the audit log — the document's SHA-256, never
// the document.
//
// The subpackages do the format work: signer/cms (detached CMS, PSS, batch),
// signer/pades (PAdES B-B to B-LTA), signer/tsa (RFC 3161 time-stamp
// authority) and signer/appearance (visible signatures with an embedded
// Vietnamese font). signer sees keys only as crypto.Signer; it must not
// import keys, store implementations or api.
package signer

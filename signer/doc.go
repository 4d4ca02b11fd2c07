// Package signer is kyso's signing service. It signs PDF documents
// (signer/pades), data and digests (signer/cms) and XML (signer/xmldsig)
// with a credential it is handed, and decides nothing of who may sign.
//
// Each request is served in two steps. Service.PreparePDF (PreparePDFBatch,
// PrepareCMS, PrepareHashes, PrepareXML, PrepareXMLBatch) checks the
// request's options (which name no credential, PIN or SAD) and the
// documents' number and size, and returns a prepared request: it calls no
// key, and its Digests say what a holder's consent must name (the
// documents' SHA-256, or a hash request's digests). Its caller (app.Sign) then resolves the
// credential and authorises it (the client's agency, the citizen's SAD
// for exactly those Digests), and hands the resolved
// model.SigningCredential — a Vault-backed crypto.Signer and its
// certificate chain — to the prepared request's Sign, which draws the
// appearance (an agency's seal image from its SealImages lookup), signs,
// and hands every signature to its Recorder — the document's SHA-256,
// never the document — before the signed document leaves (app.Sign writes
// it to the audit log). A malformed request is thus refused before a PIN
// is looked at or a SAD used, without the service calling app back.
//
// The subpackages do the format work: signer/cms (detached CMS, PSS, batch),
// signer/pades (PAdES B-B to B-LTA), signer/tsa (RFC 3161 time-stamp
// authority) and signer/appearance (visible signatures with an embedded
// Vietnamese font). signer sees keys only as crypto.Signer; it must not
// import keys, store, audit, app or api, its tests import no app, and no
// function of it gives a model.SigningCredential (internal/archtest holds
// it to that).
package signer

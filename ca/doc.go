// Package ca is kyso's certificate authority: its own root and issuing CAs
// (or an issuing CA under an external root), the certificate profiles for
// Vietnamese citizens, officials and agency seals, issuance with linting,
// key and CA rotation, renewal, revocation, CRLs and the OCSP responder.
//
// Purposes do not overlap: the document signers (citizen, official, seal)
// carry id-kp-documentSigning and emailProtection and no TLS purpose; the
// tls-client, tls-server, OCSP and TSA certificates carry only their own
// purpose, so that no validator reading the extended key usage takes them
// for document signers (a tls-client key is held by the client system,
// outside Vault). Client TLS certificates stay under the issuing CA: a
// separate issuing CA under the same root would not keep them from
// chaining for a relying party, and a separate root is not worth its cost
// yet (docs/issuance.md, "Who may sign documents").
//
// What revocation data a signature kyso makes or extends embeds for a
// certificate is ca's decision too (RevocationData: kyso's own OCSP
// answers and CRLs, else the external CA's above kyso's issuing CA);
// the signing formats ask for it through their own interfaces
// (pades.Revocation, xmldsig.Revocation), which RevocationData satisfies.
//
// Every private key stays in Vault: ca sees keys only through the Keys
// interface, which hands out crypto.Signer values and which cmd/kyso wires
// to Vault Transit; a Vault that cannot serve is known by its error kind,
// errkind.Unavailable. Records live in the store, through ca.Store (the
// slice of store.Store the Authority uses). ca must not import
// api, signer, verifier or keys, and it never reads environment variables
// or files.
package ca

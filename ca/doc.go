// Package ca is kyso's certificate authority: its own root and issuing CAs
// (or an issuing CA under an external root), the certificate profiles for
// Vietnamese citizens, officials and agency seals, issuance with linting,
// key and CA rotation, renewal, revocation, CRLs and the OCSP responder.
//
// Every private key stays in Vault: ca sees keys only through the Keys
// interface, which hands out crypto.Signer values. Records live in a
// store.Store. ca must not import api, signer or verifier, and it never
// reads environment variables or files.
package ca

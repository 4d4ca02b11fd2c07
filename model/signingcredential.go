package model

// SigningCredential is a holder's signing identity resolved for use: who
// holds it, its current certificate and chain, and the signer of that
// certificate's key version. It is the one signing-credential type of
// kyso: ca resolves a credential to it (ca.Authority.SigningCredential),
// app decides with it who may sign, the signing formats (signer) draw
// and audit with it, and the CSC API describes it.
//
// It is not the stored row (Credential): a row names a Transit key and
// the current certificate's ID; a SigningCredential holds the parsed
// certificates and, resolved for signing, a signer pinned to one key
// version.
type SigningCredential struct {
	ID           string
	Profile      string // citizen, official, seal, tsa
	Organization string // the agency of official and seal credentials
	HolderName   string
	Title        string // an official's title, shown on the leader appearance
	CCCD         string // a citizen's identity card number
	CertID       string // the current certificate's ID
	// SCAL is the sole control assurance level of its signatures, as the
	// CSC API names it: "2" for a citizen's (each signature activated by
	// the holder's PIN and one-time code), "1" for an official's or a
	// seal (the client system's binding to the agency authorises), ""
	// for others.
	SCAL string
	// Key is the signer and the certificate chain (issuing CA first,
	// root last). A credential resolved only to be shown (the CSC
	// credentials/info answer, app.Certificates.ClientCredential) has no
	// Signer and no holder fields.
	Key
}

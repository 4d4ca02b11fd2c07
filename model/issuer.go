package model

import "time"

// IssuerKind says whether an issuer is a self-signed root or an issuing CA.
type IssuerKind string

// Issuer kinds.
const (
	IssuerRoot    IssuerKind = "root"
	IssuerIssuing IssuerKind = "issuing"
)

// IssuerStatus is the life-cycle state of an issuer.
type IssuerStatus string

// Issuer states. A pending issuer has a key and a CSR but no certificate yet
// (external-root flow). An active issuer issues new certificates; a retired
// one only answers CRL and OCSP for what it issued.
const (
	IssuerPending IssuerStatus = "pending"
	IssuerActive  IssuerStatus = "active"
	IssuerRetired IssuerStatus = "retired"
)

// Issuer is a certificate authority kyso operates: its own root, or an
// issuing CA under that root or under an external root.
type Issuer struct {
	ID         string
	Name       string // unique, URL-safe: used in /pki/issuers/{name}.crt
	Kind       IssuerKind
	Status     IssuerStatus
	External   bool   // certificate chain was issued by an external root
	KeyName    string // Transit key name
	KeyVersion int
	CertPEM    string // empty while pending
	ChainPEM   string // issuer's certificate chain above CertPEM, root last
	CSRPEM     string // external flow only
	// OCSP responder (delegated, RFC 6960 4.2.2.2) for this issuer.
	OCSPKeyName    string
	OCSPKeyVersion int
	OCSPCertPEM    string
	NotBefore      time.Time
	NotAfter       time.Time
	CreatedAt      time.Time
}

// IssuerInfo is one of kyso's CAs as the admin API and kyso's commands
// show it: its certificate and chain (PEM), or the CSR of an issuer
// waiting for an external root.
type IssuerInfo struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`
	Status    string    `json:"status"`
	External  bool      `json:"external"`
	NotBefore time.Time `json:"not_before,omitzero"`
	NotAfter  time.Time `json:"not_after,omitzero"`
	CertPEM   string    `json:"certificate,omitempty"`
	ChainPEM  string    `json:"chain,omitempty"`
	CSRPEM    string    `json:"csr,omitempty"`
	// Warnings are what the import of an external chain found that does
	// not stop it (ImportChain); empty otherwise.
	Warnings []string `json:"warnings,omitempty"`
}

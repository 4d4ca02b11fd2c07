package model

import "time"

// CertStatus is the state of one certificate.
type CertStatus string

// Certificate states. Pending is the intent recorded before signing; it
// becomes active once the signed certificate is stored, or failed if
// issuance did not complete.
const (
	CertPending    CertStatus = "pending"
	CertActive     CertStatus = "active"
	CertSuperseded CertStatus = "superseded"
	CertRevoked    CertStatus = "revoked"
	CertFailed     CertStatus = "failed"
)

// Certificate is one issued X.509 certificate.
type Certificate struct {
	ID           string
	CredentialID string // empty for infrastructure certificates
	IssuerID     string
	Serial       string // lower-case hex, no leading zeros stripped: as issued
	Profile      string
	Subject      string // RFC 4514 string, for display and search
	KeyName      string
	KeyVersion   int
	Status       CertStatus
	NotBefore    time.Time
	NotAfter     time.Time
	CertPEM      string
	CreatedAt    time.Time
	// Set when Status is CertRevoked. Reason is the RFC 5280 5.3.1 code.
	RevokedAt        *time.Time
	RevocationReason int
	// Set when Status is CertSuperseded.
	SupersededBy string
}

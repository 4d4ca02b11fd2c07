package model

import "time"

// CredentialStatus is the state of a signing identity.
type CredentialStatus string

// Credential states.
const (
	CredentialActive  CredentialStatus = "active"
	CredentialRevoked CredentialStatus = "revoked"
)

// Credential is a holder's signing identity: one Transit key (all its
// versions) and the chain of certificates issued for it. Its ID stays the
// same across key rotations and renewals.
type Credential struct {
	ID            string
	Profile       string
	SubjectJSON   string // the validated subject as JSON
	KeyName       string
	KeyType       string
	CurrentCertID string
	Status        CredentialStatus
	// Holder is the identity this credential claims alone among active
	// credentials ("CCCD:" and the number for a citizen), or "" when the
	// profile has no such rule or the claim was released (its current
	// certificate revoked). Set at creation only.
	Holder    string
	CreatedAt time.Time
	UpdatedAt time.Time
}

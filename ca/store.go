package ca

import (
	"context"
	"time"

	"github.com/kyso-vn/kyso/store"
)

// Store is the slice of store.Store that the Authority uses: its issuers,
// the certificates and credentials it issues, their revocation and CRLs,
// and the quarantine of keys it could not use. store.Store has it all.
type Store interface {
	// Issuers.
	CreateIssuer(ctx context.Context, is *store.Issuer) error
	UpdateIssuer(ctx context.Context, is *store.Issuer) error
	ListIssuers(ctx context.Context) ([]*store.Issuer, error)

	// Credentials and their certificates.
	CreateCredential(ctx context.Context, cr *store.Credential, first *store.Certificate) error
	GetCredential(ctx context.Context, id string) (*store.Credential, error)
	GetCredentialCertificate(ctx context.Context, id string) (*store.Credential, *store.Certificate, int64, error)
	UpdateCredential(ctx context.Context, cr *store.Credential) error
	ListCredentials(ctx context.Context, after string, limit int) ([]*store.Credential, error)
	ListUsableCredentials(ctx context.Context, profile, after string, limit int) ([]*store.Credential, error)
	CreateCertificate(ctx context.Context, c *store.Certificate) error
	ActivateCertificate(ctx context.Context, c *store.Certificate, supersede string) error
	FailCertificate(ctx context.Context, id string) error
	GetCertificate(ctx context.Context, id string) (*store.Certificate, error)
	GetCertificateBySerial(ctx context.Context, issuerID, serial string) (*store.Certificate, error)
	ListCertificates(ctx context.Context, f store.CertFilter) ([]*store.Certificate, error)

	// Revocation.
	RevokeCertificate(ctx context.Context, id string, at time.Time, reason int) error
	ListRevoked(ctx context.Context, issuerID string, now time.Time) ([]*store.Certificate, error)
	SaveCRL(ctx context.Context, crl *store.CRL) error
	LatestCRL(ctx context.Context, issuerID string) (*store.CRL, error)

	// Keys that failed a check, kept out of use.
	QuarantineKey(ctx context.Context, k *store.QuarantinedKey) error
	ListQuarantinedKeys(ctx context.Context) ([]*store.QuarantinedKey, error)
}

var _ Store = (store.Store)(nil)

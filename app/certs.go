package app

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// The certificate types of app's operations: what the admin API, the CSC
// API and kyso's commands send and get back. app converts them to and from
// ca's at its edge, so that api speaks app's and model's types only; the
// holder's data (model.Subject) and an issuer's description
// (model.IssuerInfo) are model's, one type each.

// IssueRequest asks for a credential and its certificate (ca.Request).
type IssueRequest struct {
	Profile string        `json:"profile"`
	KeyType string        `json:"key_type"` // empty: the profile's default
	Subject model.Subject `json:"subject"`
	// CredentialID, when set, is the ID of the new credential; empty:
	// the CA picks one.
	CredentialID string `json:"-"`
}

func (r IssueRequest) ca() ca.Request {
	return ca.Request{Profile: r.Profile, KeyType: r.KeyType, Subject: r.Subject, CredentialID: r.CredentialID}
}

// Issued is an issued certificate: its record, the certificate and the
// chain above it (the issuing CA first, the root last).
type Issued struct {
	Record   *model.Certificate
	Leaf     *x509.Certificate
	Chain    []*x509.Certificate
	chainPEM string
}

// ChainPEM is Chain as concatenated PEM.
func (i *Issued) ChainPEM() string { return i.chainPEM }

// issued converts the CA's answer; nil stays nil.
func issued(i *ca.Issued, err error) (*Issued, error) {
	if err != nil || i == nil {
		return nil, err
	}
	return &Issued{Record: i.Record, Leaf: i.Leaf, Chain: i.Chain, chainPEM: i.ChainPEM()}, nil
}

// ExternalRequest starts an issuing CA whose certificate an external root
// signs (ca.ExternalRequest).
type ExternalRequest struct {
	CommonName   string `json:"common_name"`
	Organization string `json:"organization"`
	KeyType      string `json:"key_type"` // default: the CA's issuing key type
}

// CertFilter selects certificates to list (ca.ListFilter).
type CertFilter struct {
	Status         string
	CredentialID   string
	ExpiringWithin time.Duration // active certificates expiring within this time
	Limit          int
	After          string
}

// ReasonName is the RFC 5280 name of a revocation reason code
// ("keyCompromise").
func ReasonName(code int) string { return ca.ReasonName(code) }

// CertReader is what Certificates reads of the CA (ca.Authority).
type CertReader interface {
	Get(ctx context.Context, id string) (*ca.Issued, error)
	List(ctx context.Context, f ca.ListFilter) ([]*model.Certificate, error)
	Issuers(ctx context.Context) ([]*model.IssuerInfo, error)
	UsableCredentials(ctx context.Context, profile, after string, limit int) ([]ca.CredentialEntry, error)
}

// Certificates reads kyso's certificates and issuers for the admin API,
// and decides which credentials a client system may see in the CSC API.
type Certificates struct {
	ca CertReader
	// remote names the citizens' credentials bound to a client; nil: none.
	remote *Remote
}

// NewCertificates reads certificates from c; remote may be nil.
func NewCertificates(c CertReader, remote *Remote) *Certificates {
	return &Certificates{ca: c, remote: remote}
}

// Get returns a certificate by its ID.
func (c *Certificates) Get(ctx context.Context, id string) (*Issued, error) {
	return issued(c.ca.Get(ctx, id))
}

// List returns the certificates f selects.
func (c *Certificates) List(ctx context.Context, f CertFilter) ([]*model.Certificate, error) {
	return c.ca.List(ctx, ca.ListFilter(f))
}

// Issuers describes kyso's CAs.
func (c *Certificates) Issuers(ctx context.Context) ([]*model.IssuerInfo, error) {
	return c.ca.Issuers(ctx)
}

// ClientCredentials lists the credentials caller may use: the citizens'
// credentials bound to it and the official and seal credentials of its
// agencies (the organisation their subject names, as when it signs with
// them). userID, when given, keeps the one credential of that ID. It reads
// the active official and seal credentials only, never the citizens'
// certificates, which outnumber them many times over.
func (c *Certificates) ClientCredentials(ctx context.Context, caller model.Caller, userID string) ([]string, error) {
	var ids []string
	if c.remote != nil {
		bound, err := c.remote.Credentials(ctx, caller)
		if err != nil {
			return nil, err
		}
		for _, id := range bound {
			if userID == "" || id == userID {
				ids = append(ids, id)
			}
		}
	}
	if caller.MayUse == nil {
		return ids, nil
	}
	const page = 1000
	for _, profile := range []string{ca.ProfileOfficial, ca.ProfileSeal} {
		after := ""
		for {
			creds, err := c.ca.UsableCredentials(ctx, profile, after, page)
			if err != nil {
				return nil, err
			}
			for _, cr := range creds {
				if (userID == "" || cr.ID == userID) && caller.MayUse(cr.Organization) {
					ids = append(ids, cr.ID)
				}
			}
			if len(creds) < page {
				break
			}
			after = creds[len(creds)-1].ID
		}
	}
	return ids, nil
}

// ClientCredential returns credential id's active certificate and chain
// for caller, with its sole-control level (SCAL), to be shown: no signer
// and no holder fields (the certificate names the holder). An official or
// seal credential of another agency is not found (as a credential that
// does not exist); whether a client may sign with a citizen's credential
// Remote decides when it authorises and signs.
func (c *Certificates) ClientCredential(ctx context.Context, caller model.Caller, id string) (*model.SigningCredential, error) {
	notFound := errkind.New(errkind.NotFound, "no such credential for this client")
	recs, err := c.ca.List(ctx, ca.ListFilter{CredentialID: id, Status: string(model.CertActive), Limit: 2})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, notFound
	}
	is, err := c.ca.Get(ctx, recs[0].ID)
	if err != nil {
		return nil, err
	}
	if is.Leaf == nil {
		return nil, notFound
	}
	cred := &model.SigningCredential{ID: id, Profile: is.Record.Profile, CertID: is.Record.ID, SCAL: ca.SCAL(is.Record.Profile),
		Key: model.Key{Cert: is.Leaf, Chain: is.Chain}}
	switch is.Record.Profile {
	case ca.ProfileOfficial, ca.ProfileSeal:
		if len(is.Leaf.Subject.Organization) == 0 || caller.MayUse == nil || !caller.MayUse(is.Leaf.Subject.Organization[0]) {
			return nil, notFound
		}
		cred.Organization = is.Leaf.Subject.Organization[0]
	case ca.ProfileCitizen:
	default:
		return nil, notFound
	}
	return cred, nil
}

// Authority is the CA that app's operations drive (ca.Authority):
// issuance, the certificates' lifecycle, the issuers, and reading them.
type Authority interface {
	Issuance
	CertAdmin
	IssuerAdmin
	CertReader
}

// ClientCerts issues client systems' TLS certificates and maps a TLS
// client certificate back to its client system (ca.Authority, for mutual
// TLS).
type ClientCerts interface {
	ClientCertIssuer
	// ClientByCert returns the enabled client system that a TLS client
	// certificate names, or an Unauthorized error (ca.ErrClientCert) when
	// the certificate names none (not kyso's, revoked, client disabled).
	ClientByCert(ctx context.Context, leaf *x509.Certificate) (*model.Client, error)
}

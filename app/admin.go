package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/model"
)

// CertAdmin is what Admin needs of the CA to manage certificates
// (ca.Authority).
type CertAdmin interface {
	Rotate(ctx context.Context, id string) (*ca.Issued, error)
	Renew(ctx context.Context, id string) (*ca.Issued, error)
	Revoke(ctx context.Context, id, reason string) (*model.Certificate, error)
}

// IssuerAdmin is what Admin needs of the CA to manage its issuers
// (ca.Authority).
type IssuerAdmin interface {
	RotateCA(ctx context.Context) (*model.IssuerInfo, error)
	InitExternal(ctx context.Context, req ca.ExternalRequest) (*model.IssuerInfo, error)
	ImportChain(ctx context.Context, chainPEM []byte) (*model.IssuerInfo, error)
	CancelExternal(ctx context.Context) (*model.IssuerInfo, error)
}

// ClientRegistry registers client systems and manages their API keys
// (auth.Clients). An expiresAt of zero is "never".
type ClientRegistry interface {
	Create(ctx context.Context, name string, orgs []string) (string, *model.Client, error)
	CreateExpiring(ctx context.Context, name string, orgs []string, expiresAt time.Time) (string, *model.Client, error)
	List(ctx context.Context) ([]*model.Client, error)
	SetDisabled(ctx context.Context, id string, disabled bool) error
	Delete(ctx context.Context, id string) error
	Rotate(ctx context.Context, id string, expiresAt time.Time) (string, *model.Client, error)
}

// AdminTokens manages admin tokens (auth.Admins). An expiresAt of zero is
// "never".
type AdminTokens interface {
	CreateExpiring(ctx context.Context, name string, expiresAt time.Time) (string, *model.AdminToken, error)
	List(ctx context.Context) ([]*model.AdminToken, error)
	Revoke(ctx context.Context, id string) error
	Rotate(ctx context.Context, id string, expiresAt time.Time) (string, *model.AdminToken, error)
}

// ClientCertIssuer issues client systems' TLS certificates.
type ClientCertIssuer interface {
	IssueClientCert(ctx context.Context, id string, csrPEM []byte) (*ca.Issued, error)
}

// PINAdmin sets and unlocks citizen PINs (auth.PINs).
type PINAdmin interface {
	SetPIN(ctx context.Context, credID, pin string) error
	Unlock(ctx context.Context, credID string) error
}

// SealImages keeps agencies' seal images (signer.Service).
type SealImages interface {
	SetSealImage(ctx context.Context, organization string, image []byte) error
}

// AdminDeps are the services behind Admin; a nil one is never called (its
// routes answer "not configured" before they reach Admin).
type AdminDeps struct {
	Certs       CertAdmin
	Issuers     IssuerAdmin
	Clients     ClientRegistry
	Tokens      AdminTokens
	ClientCerts ClientCertIssuer
	PINs        PINAdmin
	Seals       SealImages
	// Citizens and Credentials serve the enrolment events of citizens
	// (client bindings, unlocks, new PINs); nil Citizens: none.
	Citizens    *CitizenDeps
	Credentials Credentials
	Audit       Auditor
	Log         *slog.Logger
}

// Admin carries out administrators' actions — certificates, issuers,
// client systems, PINs, seal images — and writes each one's audit record,
// naming the admin (actor) who asked.
type Admin struct {
	d   AdminDeps
	rec recorder
}

// NewAdmin returns the administration floor.
func NewAdmin(d AdminDeps) *Admin {
	return &Admin{d: d, rec: recorder{d.Audit, d.Log}}
}

// Rotate issues a credential a new certificate for a new key version.
func (a *Admin) Rotate(ctx context.Context, actor, id string) (*Issued, error) {
	return a.reissue(ctx, actor, id, audit.ActionCertRotate, a.d.Certs.Rotate)
}

// Renew issues a credential a new certificate for the same key.
func (a *Admin) Renew(ctx context.Context, actor, id string) (*Issued, error) {
	return a.reissue(ctx, actor, id, audit.ActionCertRenew, a.d.Certs.Renew)
}

func (a *Admin) reissue(ctx context.Context, actor, id, action string, fn func(ctx context.Context, id string) (*ca.Issued, error)) (*Issued, error) {
	out, err := fn(ctx, id)
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, action, id, map[string]any{"new_certificate": out.Record.ID, "key_version": out.Record.KeyVersion})
	return issued(out, nil)
}

// Revoke revokes a certificate or credential for reason (an RFC 5280
// reason name).
func (a *Admin) Revoke(ctx context.Context, actor, id, reason string) (*model.Certificate, error) {
	rec, err := a.d.Certs.Revoke(ctx, id, reason)
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, audit.ActionCertRevoke, id, map[string]any{"reason": ca.ReasonName(rec.RevocationReason), "serial": rec.Serial})
	return rec, nil
}

// RotateCA replaces the active issuing CA.
func (a *Admin) RotateCA(ctx context.Context, actor string) (*model.IssuerInfo, error) {
	info, err := a.d.Issuers.RotateCA(ctx)
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, audit.ActionCARotate, info.Name, nil)
	return info, nil
}

// InitExternal starts an issuing CA to be certified by an external root.
func (a *Admin) InitExternal(ctx context.Context, actor string, req ExternalRequest) (*model.IssuerInfo, error) {
	info, err := a.d.Issuers.InitExternal(ctx, ca.ExternalRequest(req))
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, audit.ActionCAExternalInit, info.Name, map[string]any{"common_name": req.CommonName, "organization": req.Organization})
	return info, nil
}

// CancelExternal cancels the pending external issuer.
func (a *Admin) CancelExternal(ctx context.Context, actor string) (*model.IssuerInfo, error) {
	info, err := a.d.Issuers.CancelExternal(ctx)
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, audit.ActionCAExternalCancel, info.Name, nil)
	return info, nil
}

// ImportChain imports the chain the external root issued for the pending
// issuer.
func (a *Admin) ImportChain(ctx context.Context, actor string, chainPEM []byte) (*model.IssuerInfo, error) {
	info, err := a.d.Issuers.ImportChain(ctx, chainPEM)
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, audit.ActionCAImportChain, info.Name, map[string]any{"warnings": len(info.Warnings)})
	return info, nil
}

// CreateClient registers a client system allowed to sign with the
// credentials of orgs, and returns its API key (shown once), which stops
// working at expiresAt (zero: never).
func (a *Admin) CreateClient(ctx context.Context, actor, name string, orgs []string, expiresAt time.Time) (string, *model.Client, error) {
	key, c, err := a.d.Clients.CreateExpiring(ctx, name, orgs, expiresAt)
	if err != nil {
		return "", nil, err
	}
	a.rec.record(ctx, actor, audit.ActionClientCreate, c.ID, map[string]any{"name": c.Name, "organizations": c.Organizations,
		"expires_at": expiryDetail(c.ExpiresAt)})
	return key, c, nil
}

// ListClients returns every client system (never a key).
func (a *Admin) ListClients(ctx context.Context) ([]*model.Client, error) {
	return a.d.Clients.List(ctx)
}

// SetClientDisabled disables a client system (its key is refused at once)
// or enables it again.
func (a *Admin) SetClientDisabled(ctx context.Context, actor, id string, disabled bool) error {
	if err := a.d.Clients.SetDisabled(ctx, id, disabled); err != nil {
		return err
	}
	action := audit.ActionClientEnable
	if disabled {
		action = audit.ActionClientDisable
	}
	a.rec.record(ctx, actor, action, id, nil)
	return nil
}

// DeleteClient deletes a client system; its key is refused at once.
func (a *Admin) DeleteClient(ctx context.Context, actor, id string) error {
	if err := a.d.Clients.Delete(ctx, id); err != nil {
		return err
	}
	a.rec.record(ctx, actor, audit.ActionClientDelete, id, nil)
	return nil
}

// RotateClientKey gives a client system a new API key (returned once,
// expiring at expiresAt; zero: never); the old key is refused at once.
func (a *Admin) RotateClientKey(ctx context.Context, actor, id string, expiresAt time.Time) (string, *model.Client, error) {
	key, c, err := a.d.Clients.Rotate(ctx, id, expiresAt)
	if err != nil {
		return "", nil, err
	}
	a.rec.record(ctx, actor, audit.ActionClientRotate, id, map[string]any{"expires_at": expiryDetail(c.ExpiresAt)})
	return key, c, nil
}

// CreateAdminToken makes a new admin token named name (returned once,
// expiring at expiresAt; zero: never).
func (a *Admin) CreateAdminToken(ctx context.Context, actor, name string, expiresAt time.Time) (string, *model.AdminToken, error) {
	tok, t, err := a.d.Tokens.CreateExpiring(ctx, name, expiresAt)
	if err != nil {
		return "", nil, err
	}
	a.rec.record(ctx, actor, audit.ActionAdminTokenCreate, t.ID, map[string]any{"name": t.Name, "expires_at": expiryDetail(t.ExpiresAt)})
	return tok, t, nil
}

// ListAdminTokens returns every admin token (never a secret).
func (a *Admin) ListAdminTokens(ctx context.Context) ([]*model.AdminToken, error) {
	return a.d.Tokens.List(ctx)
}

// RevokeAdminToken deletes an admin token; it is refused at once.
func (a *Admin) RevokeAdminToken(ctx context.Context, actor, id string) error {
	if err := a.d.Tokens.Revoke(ctx, id); err != nil {
		return err
	}
	a.rec.record(ctx, actor, audit.ActionAdminTokenRevoke, id, nil)
	return nil
}

// RotateAdminToken gives an admin token a new secret (returned once,
// expiring at expiresAt; zero: never); the old secret is refused at once.
func (a *Admin) RotateAdminToken(ctx context.Context, actor, id string, expiresAt time.Time) (string, *model.AdminToken, error) {
	tok, t, err := a.d.Tokens.Rotate(ctx, id, expiresAt)
	if err != nil {
		return "", nil, err
	}
	a.rec.record(ctx, actor, audit.ActionAdminTokenRotate, id, map[string]any{"expires_at": expiryDetail(t.ExpiresAt)})
	return tok, t, nil
}

// expiryDetail is an expiry as the audit log records it: RFC 3339 UTC, or
// "never".
func expiryDetail(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// IssueClientCert issues client system id a TLS client certificate for
// the key of a PEM CSR.
func (a *Admin) IssueClientCert(ctx context.Context, actor, id string, csrPEM []byte) (*Issued, error) {
	out, err := a.d.ClientCerts.IssueClientCert(ctx, id, csrPEM)
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, audit.ActionCertIssue, out.Record.ID, map[string]any{"client": id,
		"profile": out.Record.Profile, "serial": out.Record.Serial})
	return issued(out, nil)
}

// SetPIN sets (or replaces) a citizen credential's PIN: an enrolment
// event, which needs the identity proofing ev (an admin token alone could
// otherwise take over the citizen's consent). It clears every client's
// lock on the credential, and the evidence is kept in the audit record.
func (a *Admin) SetPIN(ctx context.Context, actor, credID, pin string, ev *Evidence) error {
	if err := ev.check(); err != nil {
		return err
	}
	if err := a.d.PINs.SetPIN(ctx, credID, pin); err != nil {
		return err
	}
	if err := a.clearLocks(ctx, credID); err != nil {
		return err
	}
	a.rec.record(ctx, actor, audit.ActionPINSet, credID, map[string]any{"evidence": ev.details()})
	return nil
}

// Unlock unlocks a credential locked after wrong PINs or codes, for every
// client: an enrolment event, which needs the identity proofing ev.
func (a *Admin) Unlock(ctx context.Context, actor, credID string, ev *Evidence) error {
	if err := ev.check(); err != nil {
		return err
	}
	if err := a.d.PINs.Unlock(ctx, credID); err != nil {
		return err
	}
	if err := a.clearLocks(ctx, credID); err != nil {
		return err
	}
	a.rec.record(ctx, actor, audit.ActionCredentialUnlock, credID, map[string]any{"evidence": ev.details()})
	return nil
}

func (a *Admin) clearLocks(ctx context.Context, credID string) error {
	if a.d.Citizens == nil || a.d.Citizens.Locks == nil {
		return nil
	}
	return a.d.Citizens.Locks.ClearLocks(ctx, credID)
}

// SetSealImage stores an agency's seal image, drawn on its seal
// signatures from then on. It returns the agency's name as the image is
// kept under it: as auth keeps organisation names (NFC, trimmed).
func (a *Admin) SetSealImage(ctx context.Context, actor, org string, image []byte) (string, error) {
	org = auth.NormalizeOrganization(org)
	if err := a.d.Seals.SetSealImage(ctx, org, image); err != nil {
		return "", err
	}
	a.rec.record(ctx, actor, audit.ActionSealImage, org, map[string]any{"bytes": len(image)})
	return org, nil
}

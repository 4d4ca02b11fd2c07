package app

import (
	"context"
	"log/slog"

	"github.com/kyso-vn/kyso/audit"
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
	RotateCA(ctx context.Context) (*ca.IssuerInfo, error)
	InitExternal(ctx context.Context, req ca.ExternalRequest) (*ca.IssuerInfo, error)
	ImportChain(ctx context.Context, chainPEM []byte) (*ca.IssuerInfo, error)
	CancelExternal(ctx context.Context) (*ca.IssuerInfo, error)
}

// ClientRegistry registers client systems (auth.Clients).
type ClientRegistry interface {
	Create(ctx context.Context, name string, orgs []string) (string, *model.Client, error)
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
	ClientCerts ClientCertIssuer
	PINs        PINAdmin
	Seals       SealImages
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
func (a *Admin) Rotate(ctx context.Context, actor, id string) (*ca.Issued, error) {
	return a.reissue(ctx, actor, id, audit.ActionCertRotate, a.d.Certs.Rotate)
}

// Renew issues a credential a new certificate for the same key.
func (a *Admin) Renew(ctx context.Context, actor, id string) (*ca.Issued, error) {
	return a.reissue(ctx, actor, id, audit.ActionCertRenew, a.d.Certs.Renew)
}

func (a *Admin) reissue(ctx context.Context, actor, id, action string, fn func(ctx context.Context, id string) (*ca.Issued, error)) (*ca.Issued, error) {
	out, err := fn(ctx, id)
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, action, id, map[string]any{"new_certificate": out.Record.ID, "key_version": out.Record.KeyVersion})
	return out, nil
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
func (a *Admin) RotateCA(ctx context.Context, actor string) (*ca.IssuerInfo, error) {
	info, err := a.d.Issuers.RotateCA(ctx)
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, audit.ActionCARotate, info.Name, nil)
	return info, nil
}

// InitExternal starts an issuing CA to be certified by an external root.
func (a *Admin) InitExternal(ctx context.Context, actor string, req ca.ExternalRequest) (*ca.IssuerInfo, error) {
	info, err := a.d.Issuers.InitExternal(ctx, req)
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, audit.ActionCAExternalInit, info.Name, map[string]any{"common_name": req.CommonName, "organization": req.Organization})
	return info, nil
}

// CancelExternal cancels the pending external issuer.
func (a *Admin) CancelExternal(ctx context.Context, actor string) (*ca.IssuerInfo, error) {
	info, err := a.d.Issuers.CancelExternal(ctx)
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, audit.ActionCAExternalCancel, info.Name, nil)
	return info, nil
}

// ImportChain imports the chain the external root issued for the pending
// issuer.
func (a *Admin) ImportChain(ctx context.Context, actor string, chainPEM []byte) (*ca.IssuerInfo, error) {
	info, err := a.d.Issuers.ImportChain(ctx, chainPEM)
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, audit.ActionCAImportChain, info.Name, map[string]any{"warnings": len(info.Warnings)})
	return info, nil
}

// CreateClient registers a client system allowed to sign with the
// credentials of orgs, and returns its API key (shown once).
func (a *Admin) CreateClient(ctx context.Context, actor, name string, orgs []string) (string, *model.Client, error) {
	key, c, err := a.d.Clients.Create(ctx, name, orgs)
	if err != nil {
		return "", nil, err
	}
	a.rec.record(ctx, actor, audit.ActionClientCreate, c.ID, map[string]any{"name": c.Name, "organizations": c.Organizations})
	return key, c, nil
}

// IssueClientCert issues client system id a TLS client certificate for
// the key of a PEM CSR.
func (a *Admin) IssueClientCert(ctx context.Context, actor, id string, csrPEM []byte) (*ca.Issued, error) {
	out, err := a.d.ClientCerts.IssueClientCert(ctx, id, csrPEM)
	if err != nil {
		return nil, err
	}
	a.rec.record(ctx, actor, audit.ActionCertIssue, out.Record.ID, map[string]any{"client": id,
		"profile": out.Record.Profile, "serial": out.Record.Serial})
	return out, nil
}

// SetPIN sets (or replaces) a citizen credential's PIN.
func (a *Admin) SetPIN(ctx context.Context, actor, credID, pin string) error {
	if err := a.d.PINs.SetPIN(ctx, credID, pin); err != nil {
		return err
	}
	a.rec.record(ctx, actor, audit.ActionPINSet, credID, nil)
	return nil
}

// Unlock unlocks a credential locked after wrong PINs.
func (a *Admin) Unlock(ctx context.Context, actor, credID string) error {
	if err := a.d.PINs.Unlock(ctx, credID); err != nil {
		return err
	}
	a.rec.record(ctx, actor, audit.ActionCredentialUnlock, credID, nil)
	return nil
}

// SetSealImage stores an agency's seal image, drawn on its seal
// signatures from then on.
func (a *Admin) SetSealImage(ctx context.Context, actor, org string, image []byte) error {
	if err := a.d.Seals.SetSealImage(ctx, org, image); err != nil {
		return err
	}
	a.rec.record(ctx, actor, audit.ActionSealImage, org, map[string]any{"bytes": len(image)})
	return nil
}

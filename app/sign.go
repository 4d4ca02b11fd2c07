package app

import (
	"context"
	"errors"
	"github.com/kyso-vn/kyso/errkind"
	"io"
	"log/slog"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/signer"
)

// Credentials resolves a credential ID to its signing identity: the
// holder's data, a crypto.Signer and the certificate chain
// (CACredentials adapts the CA).
type Credentials interface {
	Credential(ctx context.Context, id string) (*signer.Credential, error)
}

// Consent checks a citizen's PIN for one signing (auth.PINs).
type Consent interface {
	CheckPIN(ctx context.Context, credentialID, pin string) error
}

// SignDeps are the services behind Sign. Consent and Audit may be nil (no
// citizen can then sign; nothing is audited).
type SignDeps struct {
	Credentials Credentials
	Consent     Consent
	Audit       Auditor
	Log         *slog.Logger
}

// Sign decides who may sign with which credential and hands the document
// to the formats (signer.Service): official and seal credentials only for
// client systems bound to their agency, citizen credentials only with the
// citizen's PIN, for each signing; a wrong PIN and a lock are audited.
// The formats then sign, draw agencies' seal images and record each
// signature in the audit log before it leaves.
type Sign struct {
	d       SignDeps
	rec     recorder
	formats *signer.Service
}

// NewSign returns the signing floor; formats configures the signing
// service it drives (formats.Authorizer is this Sign).
func NewSign(d SignDeps, formats signer.Config) *Sign {
	s := &Sign{d: d, rec: recorder{d.Audit, d.Log}}
	if formats.Audit == nil && d.Audit != nil {
		formats.Audit = d.Audit
	}
	formats.Authorizer = s
	s.formats = signer.New(formats)
	return s
}

// Authorize implements signer.Authorizer: it resolves a credential and
// checks that caller may sign with it. The formats call it once a
// request's options are found valid, so that a malformed request is
// refused before a PIN is checked (and counted).
func (s *Sign) Authorize(ctx context.Context, caller signer.Caller, credentialID, pin string) (*signer.Credential, error) {
	if credentialID == "" {
		return nil, signer.ErrInvalid.Errorf("credential_id is required")
	}
	cred, err := s.d.Credentials.Credential(ctx, credentialID)
	if err != nil {
		return nil, err
	}
	switch cred.Profile {
	case ca.ProfileOfficial, ca.ProfileSeal:
		if caller.MayUse == nil || !caller.MayUse(cred.Organization) {
			return nil, signer.ErrForbidden.Errorf("this client is not bound to the credential's agency")
		}
	case ca.ProfileCitizen:
		if pin == "" {
			return nil, signer.ErrConsent.Errorf("a citizen credential needs the holder's PIN (\"pin\") for each signing")
		}
		if s.d.Consent == nil {
			return nil, signer.ErrConsent.Errorf("this kyso checks no PINs")
		}
		if err := s.d.Consent.CheckPIN(ctx, credentialID, pin); err != nil {
			if !errors.Is(err, auth.ErrBadPIN) && !errors.Is(err, auth.ErrLocked) && !errors.Is(err, auth.ErrNoPIN) {
				return nil, err // not a consent failure: e.g. the database is down
			}
			s.pinFailure(ctx, caller, credentialID, err)
			consent := signer.ErrConsent.Errorf("%w", err)
			if errors.Is(err, auth.ErrLocked) {
				consent.Kind = errkind.Locked // what the holder must know: an administrator has to unlock it
			}
			return nil, consent
		}
	default:
		return nil, signer.ErrForbidden.Errorf("%s credentials do not sign documents", cred.Profile)
	}
	return cred, nil
}

// pinFailure records a wrong PIN (and a lock). It is best effort: the
// caller already gets the consent error.
func (s *Sign) pinFailure(ctx context.Context, caller signer.Caller, credentialID string, err error) {
	if s.d.Audit == nil {
		return
	}
	action := audit.ActionPINFailure
	if errors.Is(err, auth.ErrLocked) {
		action = audit.ActionPINLocked
	}
	actor := caller.ClientID
	if actor == "" {
		actor = "unknown-client"
	}
	_ = s.d.Audit.Record(ctx, audit.Event{Actor: actor, Action: action, Target: credentialID})
}

// SignPDF signs the PDF read from in (size bytes) and writes the signed
// document to out.
func (s *Sign) SignPDF(ctx context.Context, caller signer.Caller, req signer.PDFRequest, in io.ReadSeeker, size int64, out io.Writer) (*signer.PDFResult, error) {
	return s.formats.SignPDF(ctx, caller, req, in, size, out)
}

// SignPDFBatch signs every document with the same credential and options,
// authorised once (a citizen's PIN covers the batch).
func (s *Sign) SignPDFBatch(ctx context.Context, caller signer.Caller, req signer.PDFRequest, docs []signer.BatchDocument) ([]signer.BatchResult, error) {
	return s.formats.SignPDFBatch(ctx, caller, req, docs)
}

// SignCMS signs content as a detached CMS.
func (s *Sign) SignCMS(ctx context.Context, caller signer.Caller, req signer.CMSRequest, content io.Reader) ([]byte, error) {
	return s.formats.SignCMS(ctx, caller, req, content)
}

// SignHashes signs each digest as a detached CMS.
func (s *Sign) SignHashes(ctx context.Context, caller signer.Caller, req signer.HashRequest) ([][]byte, error) {
	return s.formats.SignHashes(ctx, caller, req)
}

// SignXML adds an XML signature to doc.
func (s *Sign) SignXML(ctx context.Context, caller signer.Caller, req signer.XMLRequest, doc []byte) (*signer.XMLResult, error) {
	return s.formats.SignXML(ctx, caller, req, doc)
}

// SignXMLBatch signs every XML document with the same credential and
// options, authorised once.
func (s *Sign) SignXMLBatch(ctx context.Context, caller signer.Caller, req signer.XMLRequest, docs [][]byte) ([]signer.XMLBatchResult, error) {
	return s.formats.SignXMLBatch(ctx, caller, req, docs)
}

// SetSealImage stores an agency's seal image (Admin.SetSealImage audits
// it).
func (s *Sign) SetSealImage(ctx context.Context, organization string, image []byte) error {
	return s.formats.SetSealImage(ctx, organization, image)
}

// SigningCredentials is what CACredentials needs of the CA (ca.Authority).
type SigningCredentials interface {
	SigningCredential(ctx context.Context, id string) (*ca.SigningCredential, error)
}

// CACredentials resolves credentials with kyso's CA.
type CACredentials struct{ CA SigningCredentials }

// Credential implements Credentials.
func (c CACredentials) Credential(ctx context.Context, id string) (*signer.Credential, error) {
	sc, err := c.CA.SigningCredential(ctx, id)
	if err != nil {
		return nil, err
	}
	return &signer.Credential{
		ID: sc.ID, Profile: sc.Profile, Organization: sc.Organization, HolderName: sc.Subject.Name, Title: sc.Subject.Title,
		CCCD: sc.Subject.CCCD, Key: sc.Key,
	}, nil
}

package app

import (
	"context"
	"crypto"
	"io"
	"log/slog"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer"
)

// Credentials resolves a credential ID to its signing identity: the
// holder's data, a crypto.Signer and the certificate chain (ca.Authority
// implements it).
type Credentials interface {
	SigningCredential(ctx context.Context, id string) (*model.SigningCredential, error)
}

// SADConsumer uses a citizen's SAD, once, for exact hashes (Remote).
type SADConsumer interface {
	ConsumeSAD(ctx context.Context, caller model.Caller, credID, sad string, alg crypto.Hash, hashes [][]byte, use string) error
}

// SignDeps are the services behind Sign. SAD, Audit and Seals may be nil
// (no citizen can then sign; nothing is audited; seals are drawn).
type SignDeps struct {
	Credentials Credentials
	SAD         SADConsumer
	Audit       Auditor
	// Seals keeps agencies' seal images: administrators set them, the
	// formats draw them on seal signatures.
	Seals SealStore
	Log   *slog.Logger
}

// Sign decides who may sign with which credential and hands the document
// to the formats (signer.Service): official and seal credentials only for
// client systems bound to their agency, citizen credentials only with a
// SAD the citizen gave for exactly these documents (Remote.Authorize: PIN
// and one-time code), used once. The formats then sign, draw agencies'
// seal images and record each signature in the audit log before it
// leaves.
type Sign struct {
	d       SignDeps
	rec     recorder
	formats *signer.Service
}

// NewSign returns the signing floor; formats configures the signing
// service it drives (formats.Authorizer is this Sign, formats.Recorder
// writes to d.Audit and formats.Seals reads d.Seals).
func NewSign(d SignDeps, formats signer.Config) *Sign {
	s := &Sign{d: d, rec: recorder{d.Audit, d.Log}}
	if formats.Recorder == nil && d.Audit != nil {
		formats.Recorder = signingAudit{d.Audit}
	}
	if formats.Seals == nil && d.Seals != nil {
		formats.Seals = d.Seals
	}
	formats.Authorizer = s
	s.formats = signer.New(formats)
	return s
}

// Authorize implements signer.Authorizer: it resolves a credential and
// checks that caller may sign with it. The formats call it once a
// request's options are found valid, so that a malformed request is
// refused before a SAD is used.
//
// A citizen's PIN alone is not consent (issue #14): whoever learnt it
// could sign anything. A citizen credential signs only with a SAD, which
// the citizen gave with PIN and one-time code for the SHA-256 of exactly
// these documents (or exactly these hashes), to this client.
func (s *Sign) Authorize(ctx context.Context, fc signer.Caller, credentialID string, consent signer.Consent) (*model.SigningCredential, error) {
	caller := model.Caller(fc)
	if credentialID == "" {
		return nil, signer.ErrInvalid.Errorf("credential_id is required")
	}
	cred, err := s.d.Credentials.SigningCredential(ctx, credentialID)
	if err != nil {
		return nil, err
	}
	switch cred.Profile {
	case ca.ProfileOfficial, ca.ProfileSeal:
		if caller.MayUse == nil || !caller.MayUse(cred.Organization) {
			return nil, signer.ErrForbidden.Errorf("this client is not bound to the credential's agency")
		}
	case ca.ProfileCitizen:
		if consent.SAD == "" {
			reason := "no sad"
			if consent.PIN != "" {
				reason = "no sad, a bare PIN" // the red-team finding of issue #14: worth an alert
			}
			s.rec.record(ctx, clientActor(caller), audit.ActionConsentFailure, credentialID,
				map[string]any{"client": caller.ClientID, "reason": reason})
			return nil, ErrNeedSAD
		}
		if s.d.SAD == nil {
			return nil, signer.ErrConsent.Errorf("this kyso takes no citizen authorisations")
		}
		if consent.Hashes == nil {
			return nil, signer.ErrConsent.Errorf("this request cannot be matched with a SAD")
		}
		hashes, err := consent.Hashes()
		if err != nil {
			return nil, err
		}
		if err := s.d.SAD.ConsumeSAD(ctx, caller, credentialID, consent.SAD, consent.HashAlgorithm, hashes, "native"); err != nil {
			return nil, err
		}
	default:
		return nil, signer.ErrForbidden.Errorf("%s credentials do not sign documents", cred.Profile)
	}
	return cred, nil
}

// clientActor names the caller in the audit log.
func clientActor(caller model.Caller) string {
	if caller.ClientID == "" {
		return "unknown-client"
	}
	return caller.ClientID
}

// SignPDF signs the PDF read from in (size bytes) and writes the signed
// document to out (a SignedWriter learns the result first).
func (s *Sign) SignPDF(ctx context.Context, caller model.Caller, req PDFRequest, in io.ReadSeeker, size int64, out io.Writer) (*PDFResult, error) {
	res, err := s.formats.SignPDF(ctx, formatsCaller(caller), req.formats(), in, size, formatsOut(out))
	return (*PDFResult)(res), err
}

// SignPDFBatch signs every document with the same credential and options,
// authorised once (a citizen's SAD covers the batch: it is given for
// the SHA-256 of every document).
func (s *Sign) SignPDFBatch(ctx context.Context, caller model.Caller, req PDFRequest, docs []BatchDocument) ([]BatchResult, error) {
	batch := make([]signer.BatchDocument, len(docs))
	for i, d := range docs {
		batch[i] = signer.BatchDocument{Name: d.Name, In: d.In, Size: d.Size, Out: formatsOut(d.Out)}
		if d.Done != nil {
			batch[i].Done = func(r signer.BatchResult) { d.Done(BatchResult{Result: (*PDFResult)(r.Result), Err: r.Err}) }
		}
	}
	res, err := s.formats.SignPDFBatch(ctx, formatsCaller(caller), req.formats(), batch)
	if res == nil {
		return nil, err
	}
	out := make([]BatchResult, len(res))
	for i, r := range res {
		out[i] = BatchResult{Result: (*PDFResult)(r.Result), Err: r.Err}
	}
	return out, err
}

// SignCMS signs content as a detached CMS.
func (s *Sign) SignCMS(ctx context.Context, caller model.Caller, req CMSRequest, content io.Reader) ([]byte, error) {
	return s.formats.SignCMS(ctx, formatsCaller(caller), signer.CMSRequest(req), content)
}

// SignHashes signs each digest as a detached CMS.
func (s *Sign) SignHashes(ctx context.Context, caller model.Caller, req HashRequest) ([][]byte, error) {
	return s.formats.SignHashes(ctx, formatsCaller(caller), req.formats())
}

// SignXML adds an XML signature to doc.
func (s *Sign) SignXML(ctx context.Context, caller model.Caller, req XMLRequest, doc []byte) (*XMLResult, error) {
	res, err := s.formats.SignXML(ctx, formatsCaller(caller), signer.XMLRequest(req), doc)
	return (*XMLResult)(res), err
}

// SignXMLBatch signs every XML document with the same credential and
// options, authorised once.
func (s *Sign) SignXMLBatch(ctx context.Context, caller model.Caller, req XMLRequest, docs [][]byte) ([]XMLBatchResult, error) {
	res, err := s.formats.SignXMLBatch(ctx, formatsCaller(caller), signer.XMLRequest(req), docs)
	if res == nil {
		return nil, err
	}
	out := make([]XMLBatchResult, len(res))
	for i, r := range res {
		out[i] = XMLBatchResult{Result: (*XMLResult)(r.Result), Err: r.Err}
	}
	return out, err
}

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

// credentialsAt is Credentials that may answer from rows read at the
// authorisation version a caller was authenticated with
// (model.Caller.AuthEpoch; ca.Authority.SigningCredentialAt): the
// same answer a read at that moment gives, without the read.
type credentialsAt interface {
	SigningCredentialAt(ctx context.Context, id string, epoch int64) (*model.SigningCredential, error)
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
//
// Each of its operations drives the formats in three steps, in this
// order: the formats prepare the request (signer.Service.PreparePDF, …:
// its options are checked, no key is called), Sign authorises it
// (authorize: the credential is resolved, the caller's right to it and
// the holder's consent checked), and the prepared request is signed with
// the credential authorize returned. A malformed request is thus refused
// before a PIN is looked at or a SAD used, and the formats never call app
// back.
type Sign struct {
	d       SignDeps
	rec     recorder
	formats *signer.Service
}

// NewSign returns the signing floor; formats configures the signing
// service it drives (formats.Recorder writes to d.Audit and formats.Seals
// reads d.Seals).
func NewSign(d SignDeps, formats signer.Config) *Sign {
	s := &Sign{d: d, rec: recorder{d.Audit, d.Log}}
	if formats.Recorder == nil && d.Audit != nil {
		formats.Recorder = signingAudit{d.Audit}
	}
	if formats.Seals == nil && d.Seals != nil {
		formats.Seals = d.Seals
	}
	s.formats = signer.New(formats)
	return s
}

// Consent is what a signing request carries of the holder's consent, and
// what it is consent to.
type Consent struct {
	// PIN is the holder's PIN, as older clients send it. A citizen
	// credential no longer signs with a PIN alone (see SAD).
	PIN string
	// SAD is the Signature Activation Data the citizen's authorisation
	// (PIN and one-time code) gave the client: single use, for the exact
	// documents or hashes below.
	SAD string
	// Hashes returns what the SAD must have been authorised for: the
	// SHA-256 of each document, or the digests of a hash request.
	// authorize calls it only when it needs them (it may read the
	// documents).
	Hashes func() ([][]byte, error)
	// HashAlgorithm is the algorithm of Hashes (zero: SHA-256).
	HashAlgorithm crypto.Hash
	// Fits, if set, says whether the request's options suit the resolved
	// credential (the seal appearance for seal credentials only); it is
	// asked before a SAD is used, so a request the formats would refuse
	// does not use the citizen's consent up.
	Fits func(*model.SigningCredential) error
}

// consentTo is the consent a request carries (pin, sad) to the digests
// of what the formats prepared to sign.
func consentTo(pin, sad string, d signer.Digests) Consent {
	return Consent{PIN: pin, SAD: sad, Hashes: d.Hashes, HashAlgorithm: d.HashAlgorithm()}
}

// authorize resolves a credential and checks that caller may sign with
// it. Each signing operation calls it once the formats have prepared the
// request (its options found valid), so that a malformed request is
// refused before a SAD is used.
//
// A citizen's PIN alone is not consent (issue #14): whoever learnt it
// could sign anything. A citizen credential signs only with a SAD, which
// the citizen gave with PIN and one-time code for the SHA-256 of exactly
// these documents (or exactly these hashes), to this client.
func (s *Sign) authorize(ctx context.Context, caller model.Caller, credentialID string, consent Consent) (*model.SigningCredential, error) {
	if credentialID == "" {
		return nil, signer.ErrInvalid.Errorf("credential_id is required")
	}
	if consent.HashAlgorithm == 0 {
		consent.HashAlgorithm = crypto.SHA256
	}
	var cred *model.SigningCredential
	var err error
	if at, ok := s.d.Credentials.(credentialsAt); ok && caller.AuthEpoch > 0 {
		cred, err = at.SigningCredentialAt(ctx, credentialID, caller.AuthEpoch)
	} else {
		cred, err = s.d.Credentials.SigningCredential(ctx, credentialID)
	}
	if err != nil {
		return nil, err
	}
	fits := func() error {
		if consent.Fits == nil {
			return nil
		}
		return consent.Fits(cred)
	}
	switch cred.Profile {
	case ca.ProfileOfficial, ca.ProfileSeal:
		if caller.MayUse == nil || !caller.MayUse(cred.Organization) {
			return nil, signer.ErrForbidden.Errorf("this client is not bound to the credential's agency")
		}
		if err := fits(); err != nil {
			return nil, err
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
		if err := fits(); err != nil {
			return nil, err
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
	p, err := s.formats.PreparePDF(req.formats(), in, size)
	if err != nil {
		return nil, err
	}
	consent := consentTo(req.PIN, req.SAD, p.Digests)
	consent.Fits = p.Fits
	cred, err := s.authorize(ctx, caller, req.CredentialID, consent)
	if err != nil {
		return nil, err
	}
	res, err := p.Sign(ctx, formatsCaller(caller), cred, formatsOut(out))
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
	p, err := s.formats.PreparePDFBatch(req.formats(), batch)
	if err != nil {
		return nil, err
	}
	consent := consentTo(req.PIN, req.SAD, p.Digests)
	consent.Fits = p.Fits
	cred, err := s.authorize(ctx, caller, req.CredentialID, consent)
	if err != nil {
		return nil, err
	}
	res, err := p.Sign(ctx, formatsCaller(caller), cred)
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
	p, err := s.formats.PrepareCMS(req.formats(), content)
	if err != nil {
		return nil, err
	}
	cred, err := s.authorize(ctx, caller, req.CredentialID, consentTo(req.PIN, req.SAD, p.Digests))
	if err != nil {
		return nil, err
	}
	return p.Sign(ctx, formatsCaller(caller), cred)
}

// SignHashes signs each digest as a detached CMS.
func (s *Sign) SignHashes(ctx context.Context, caller model.Caller, req HashRequest) ([][]byte, error) {
	p, err := s.formats.PrepareHashes(req.formats())
	if err != nil {
		return nil, err
	}
	cred, err := s.authorize(ctx, caller, req.CredentialID, consentTo(req.PIN, req.SAD, p.Digests))
	if err != nil {
		return nil, err
	}
	return p.Sign(ctx, formatsCaller(caller), cred)
}

// SignXML adds an XML signature to doc.
func (s *Sign) SignXML(ctx context.Context, caller model.Caller, req XMLRequest, doc []byte) (*XMLResult, error) {
	p, err := s.formats.PrepareXML(req.formats(), doc)
	if err != nil {
		return nil, err
	}
	cred, err := s.authorize(ctx, caller, req.CredentialID, consentTo(req.PIN, req.SAD, p.Digests))
	if err != nil {
		return nil, err
	}
	res, err := p.Sign(ctx, formatsCaller(caller), cred)
	return (*XMLResult)(res), err
}

// SignXMLBatch signs every XML document with the same credential and
// options, authorised once.
func (s *Sign) SignXMLBatch(ctx context.Context, caller model.Caller, req XMLRequest, docs [][]byte) ([]XMLBatchResult, error) {
	p, err := s.formats.PrepareXMLBatch(req.formats(), docs)
	if err != nil {
		return nil, err
	}
	cred, err := s.authorize(ctx, caller, req.CredentialID, consentTo(req.PIN, req.SAD, p.Digests))
	if err != nil {
		return nil, err
	}
	res, err := p.Sign(ctx, formatsCaller(caller), cred)
	if res == nil {
		return nil, err
	}
	out := make([]XMLBatchResult, len(res))
	for i, r := range res {
		out[i] = XMLBatchResult{Result: (*XMLResult)(r.Result), Err: r.Err}
	}
	return out, err
}

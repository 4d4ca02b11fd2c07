package signer

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/appearance"
	"github.com/kyso-vn/kyso/signer/cms"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/signer/xmldsig"
)

// Error kinds, as errkind errors (Invalid, Forbidden, Consent,
// InvalidDocument, CredentialUnusable); api renders them by kind. Their
// detailed errors carry the client's message in errkind.Error.Msg.
var (
	// ErrInvalid: the request is malformed (the message says which field).
	ErrInvalid = errkind.New(errkind.Invalid, "signer: invalid request")
	// ErrForbidden: the caller may not use this credential.
	ErrForbidden = errkind.New(errkind.Forbidden, "signer: forbidden")
	// ErrConsent: a citizen credential needs the holder's PIN, and it was
	// missing or wrong, or the credential is locked.
	ErrConsent = errkind.New(errkind.Consent, "signer: holder consent failed")
	// ErrDocument: the document cannot be signed (not a PDF, damaged,
	// unknown field, ...).
	ErrDocument = errkind.New(errkind.InvalidDocument, "signer: document rejected")
	// ErrCredential: the credential cannot sign now (revoked certificate).
	ErrCredential = errkind.New(errkind.CredentialUnusable, "signer: credential cannot sign")
)

// Digests is what a prepared request will sign, as a holder's consent
// names it: the SHA-256 of each document, or the digests of a hash
// request. Whoever authorises the request (app.Sign) matches a citizen's
// SAD with them; the service itself never sees a SAD or a PIN.
type Digests struct {
	alg    crypto.Hash
	hashes func() ([][]byte, error)
}

// HashAlgorithm is the algorithm of Hashes: SHA-256 for documents.
func (d Digests) HashAlgorithm() crypto.Hash { return d.alg }

// Hashes computes the digests. For documents it reads them (and seeks
// each back), so it is called only when a consent needs them.
func (d Digests) Hashes() ([][]byte, error) { return d.hashes() }

// documentDigests are the SHA-256 of the documents.
func documentDigests(docs ...[]byte) Digests {
	return Digests{alg: crypto.SHA256, hashes: func() ([][]byte, error) {
		out := make([][]byte, len(docs))
		for i, d := range docs {
			sum := sha256.Sum256(d)
			out[i] = sum[:]
		}
		return out, nil
	}}
}

// readerDigests are the SHA-256 of each reader, each sought back to
// where it was. A reader that cannot seek cannot be authorised by its
// hash before it is signed.
func readerDigests(rs ...io.Reader) Digests {
	return Digests{alg: crypto.SHA256, hashes: func() ([][]byte, error) {
		out := make([][]byte, len(rs))
		for i, r := range rs {
			s, ok := r.(io.ReadSeeker)
			if !ok {
				return nil, ErrInvalid.Errorf("this document cannot be read twice, so it cannot be matched with a SAD")
			}
			start, err := s.Seek(0, io.SeekCurrent)
			if err != nil {
				return nil, fmt.Errorf("signer: hash document: %w", err)
			}
			h := sha256.New()
			if _, err := io.Copy(h, s); err != nil {
				return nil, fmt.Errorf("signer: hash document: %w", err)
			}
			if _, err := s.Seek(start, io.SeekStart); err != nil {
				return nil, fmt.Errorf("signer: hash document: %w", err)
			}
			out[i] = h.Sum(nil)
		}
		return out, nil
	}}
}

// Recorder records each signature the service makes (app.Sign wires it to
// the audit log). A PDF's signature is recorded before the first byte of
// the signed document is written, the others before they are returned; a
// signature the Recorder cannot record is not handed out.
type Recorder interface {
	RecordSigning(ctx context.Context, e SigningEvent) error
}

// Format names what a SigningEvent signed.
type Format string

// The formats of SigningEvent.
const (
	FormatPDF  Format = "pdf"  // a PAdES signature (PreparedPDF, PreparedPDFBatch)
	FormatCMS  Format = "cms"  // a detached CMS over content (PreparedCMS)
	FormatHash Format = "hash" // a detached CMS over a client's digest (PreparedHashes)
	FormatXML  Format = "xml"  // an XML signature (PreparedXML, PreparedXMLBatch)
)

// SigningEvent is what the service tells its Recorder of one signature:
// who asked, with which credential and certificate, over which document
// (its SHA-256, never the document) and at which level.
type SigningEvent struct {
	Format      Format
	Client      string // the caller's client ID
	Credential  string // the credential's ID
	Certificate string // the signing certificate's serial number, hex
	// DocumentSHA256 is the SHA-256 of the signed document (of the
	// digest, for a hash signed with SHA-384 or SHA-512).
	DocumentSHA256 []byte
	Level          string
}

// Caller is the authenticated client system a signature is made for, as
// its SigningEvent names it. What it may sign with is decided before the
// service is handed the credential (app.Sign).
type Caller struct {
	ClientID string
}

// Config wires a Service.
type Config struct {
	// Recorder records every signature made (nil: none is recorded).
	Recorder    Recorder
	PDF         *pades.Signer
	Timestamper cms.Timestamper // for CMS signature time-stamps; nil disables them
	// Revocation gives the certificates' status for XAdES B-LT and B-LTA
	// (the source pades.New gets for PAdES); nil refuses those levels.
	Revocation xmldsig.Revocation
	// Seals looks up agencies' seal images (nil: seals are always drawn).
	Seals SealImages
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service signs on behalf of client systems.
type Service struct {
	cfg Config
	now func() time.Time
}

// New returns a Service.
func New(cfg Config) *Service {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	return &Service{cfg: cfg, now: now}
}

// usable refuses to sign without a credential: the service signs only
// with the one its caller resolved and authorised.
func usable(cred *model.SigningCredential) error {
	if cred == nil || cred.Signer == nil || cred.Cert == nil {
		return ErrForbidden.Errorf("no authorised credential to sign with")
	}
	return nil
}

// PDFRequest is the options of a PDF signing request: how to sign. Which
// credential signs, and the holder's consent (credential_id, pin, sad of
// the API's request), are the authorisation's, which the service never
// sees.
type PDFRequest struct {
	Level      string      `json:"level"`  // B-B (default), B-T, B-LT, B-LTA
	Scheme     string      `json:"scheme"` // pkcs1v15 (default) or pss
	SubFilter  string      `json:"sub_filter,omitempty"`
	Reason     string      `json:"reason,omitempty"`
	Location   string      `json:"location,omitempty"`
	Contact    string      `json:"contact,omitempty"`
	Field      string      `json:"field,omitempty"`
	Appearance *Appearance `json:"appearance,omitempty"`
	Certify    *int        `json:"certify,omitempty"` // absent: P=2 on an unsigned document; 0 approval; 1, 2, 3 DocMDP P
}

// profileSeal is the profile of an agency's seal credential (ca.ProfileSeal),
// the only one that may sign with the seal appearance.
const profileSeal = "seal"

// Appearance places a visible signature.
type Appearance struct {
	Template string     `json:"template"` // leader, seal, citizen
	Page     int        `json:"page"`
	Rect     [4]float64 `json:"rect"`
	Image    []byte     `json:"image,omitempty"` // base64 in JSON: the leader's signature image
}

// PDFResult describes a signed PDF.
type PDFResult struct {
	SignatureField string
	DocumentDigest []byte // SHA-256 of the signed PDF
	Level          string
	Size           int64 // length of the signed PDF
}

// ResultWriter is an output that must know the result before the signed
// PDF is written to it, such as an HTTP response that sends the result in
// its headers. PreparedPDF.Sign calls BeginResult once the signature is made and
// recorded in the audit log, then writes the PDF, so the document streams
// to its destination without a copy being kept.
type ResultWriter interface {
	io.Writer
	BeginResult(*PDFResult) error
}

func (r PDFRequest) validate() error {
	switch r.Level {
	case "", "B-B", "B-T", "B-LT", "B-LTA":
	default:
		return ErrInvalid.Errorf("level %q: want B-B, B-T, B-LT or B-LTA", r.Level)
	}
	switch r.Scheme {
	case "", "pkcs1v15", "pss":
	default:
		return ErrInvalid.Errorf("scheme %q: want pkcs1v15 or pss", r.Scheme)
	}
	if c := r.Certify; c != nil && (*c < 0 || *c > 3) {
		return ErrInvalid.Errorf("certify must be 0 (approval) or a DocMDP level 1, 2 or 3")
	}
	if a := r.Appearance; a != nil {
		if !appearance.Template(a.Template).Valid() {
			return ErrInvalid.Errorf("appearance.template %q: want leader, seal or citizen", a.Template)
		}
		if a.Page < 0 || a.Rect[2] <= a.Rect[0] || a.Rect[3] <= a.Rect[1] {
			return ErrInvalid.Errorf("appearance.rect must be [x1, y1, x2, y2] with x2 > x1 and y2 > y1")
		}
		if appearance.Template(a.Template) == appearance.TemplateSeal && len(a.Image) > 0 {
			// The agency's seal is the image its administrators
			// registered (PUT /v1/seal-images/{organization}), never one
			// a client sends with a signature.
			return ErrInvalid.Fieldf("appearance.image", "is not accepted with the seal template: the agency's registered seal image is drawn")
		}
	}
	return nil
}

// fitsPDF refuses a request's appearance the credential may not draw:
// the red seal stands for the agency itself, so an official signing in
// person, or a citizen, must not look like the agency's seal.
func fitsPDF(req PDFRequest, cred *model.SigningCredential) error {
	if a := req.Appearance; a != nil && appearance.Template(a.Template) == appearance.TemplateSeal && cred.Profile != profileSeal {
		return ErrForbidden.Errorf("the seal appearance is for the agency's seal credential only, not a %s credential (use the leader or citizen template)", cred.Profile)
	}
	return nil
}

// Fits says whether the prepared request may be signed with cred, as far
// as its options depend on the credential (the seal appearance is for seal
// credentials only): app asks before it uses a citizen's SAD, so that a
// request the formats would refuse does not use the SAD up. Sign checks it
// again.
func (p *PreparedPDF) Fits(cred *model.SigningCredential) error { return fitsPDF(p.req, cred) }

// PreparedPDF is a PDF signing request whose options are checked: what
// is left is to authorise a credential for its Digests and Sign. It has
// called no key.
type PreparedPDF struct {
	Digests
	s    *Service
	req  PDFRequest
	in   io.ReadSeeker
	size int64
}

// PreparePDF checks the options of a request to sign the PDF read from in
// (size bytes). A malformed request is refused here, before whoever
// authorises it checks a PIN (and counts it) or uses a SAD.
func (s *Service) PreparePDF(req PDFRequest, in io.ReadSeeker, size int64) (*PreparedPDF, error) {
	if err := req.validate(); err != nil {
		return nil, err
	}
	return &PreparedPDF{Digests: readerDigests(in), s: s, req: req, in: in, size: size}, nil
}

// Sign signs the document with cred, authorised for caller, and writes
// the signed document to out (a ResultWriter learns the result first).
func (p *PreparedPDF) Sign(ctx context.Context, caller Caller, cred *model.SigningCredential, out io.Writer) (*PDFResult, error) {
	if err := usable(cred); err != nil {
		return nil, err
	}
	return p.s.signPDF(ctx, caller, p.req, cred, p.in, p.size, out)
}

// signPDF signs one document with an authorised credential.
func (s *Service) signPDF(ctx context.Context, caller Caller, req PDFRequest, cred *model.SigningCredential, in io.ReadSeeker, size int64, out io.Writer) (*PDFResult, error) {
	var err error
	opts := pades.Options{
		Level: pades.Level(req.Level), SubFilter: req.SubFilter, Scheme: req.Scheme,
		Reason: req.Reason, Location: req.Location, Contact: req.Contact, Field: req.Field,
		Name: cred.HolderName,
		// One clock reading for /M and the time shown on the appearance.
		SigningTime: s.now().Truncate(time.Second),
	}
	if opts.Level == "" {
		opts.Level = pades.LevelBB
	}
	// Without certify, the first signature of a document certifies it
	// with DocMDP P=2 (pades.DefaultDocMDP): later signatures and form
	// filling stay allowed, annotations over the signed pages do not.
	if req.Certify == nil {
		opts.CertifyFirst = true
	} else {
		opts.Certify = *req.Certify
	}
	if err := fitsPDF(req, cred); err != nil {
		return nil, err
	}
	if a := req.Appearance; a != nil {
		opts.Page, opts.Rect = a.Page, a.Rect
		data := appearance.Data{SignerName: cred.HolderName, Title: cred.Title, Organization: cred.Organization, CCCD: cred.CCCD,
			Reason: req.Reason, Location: req.Location, Image: a.Image}
		if appearance.Template(a.Template) == appearance.TemplateSeal && len(data.Image) == 0 {
			if data.Image, err = s.sealImage(ctx, cred.Organization); err != nil {
				return nil, err
			}
		}
		tmpl := appearance.Template(a.Template)
		opts.Appearance = func(w pades.ObjectWriter, width, height float64) ([]byte, error) {
			d := data
			d.SigningTime = opts.SigningTime
			return appearance.Render(w, tmpl, d, width, height)
		}
	}
	var result *PDFResult
	var commitErr error
	// The signature is recorded before the first byte of the signed PDF
	// leaves: a signature the audit log cannot record is not returned.
	opts.Commit = func(res *pades.Result) error {
		result = &PDFResult{SignatureField: res.SignatureField, DocumentDigest: res.DocumentDigest, Level: string(res.Level), Size: res.Size}
		// The audit log names the signed document by the same SHA-256
		// the caller receives (Kyso-Document-SHA256).
		if commitErr = s.record(ctx, SigningEvent{Format: FormatPDF, Client: caller.ClientID, Credential: cred.ID,
			Certificate: serialHex(cred.Cert), DocumentSHA256: res.DocumentDigest, Level: string(res.Level)}); commitErr != nil {
			return commitErr
		}
		if rw, ok := out.(ResultWriter); ok {
			commitErr = rw.BeginResult(result)
		}
		return commitErr
	}
	if _, err := s.cfg.PDF.Sign(ctx, in, size, out, cred.Key, opts); err != nil {
		if commitErr != nil && errors.Is(err, commitErr) {
			return nil, err
		}
		return nil, classifyPDF(err)
	}
	return result, nil
}

// classifyPDF marks document problems as ErrDocument so the API answers 422,
// leaving Vault/infrastructure errors as they are.
func classifyPDF(err error) error {
	switch {
	case errors.Is(err, appearance.ErrInvalidData), errors.Is(err, appearance.ErrInvalidImage),
		errors.Is(err, appearance.ErrTooSmall), errors.Is(err, appearance.ErrUnknownTemplate):
		return ErrInvalid.Errorf("appearance: %w", err)
	case errors.Is(err, pades.ErrInvalid):
		return ErrInvalid.Errorf("%w", err)
	case errors.Is(err, pades.ErrConflict), errors.Is(err, pades.ErrUnsupported):
		return ErrDocument.Errorf("%w", err)
	case errors.Is(err, pades.ErrRevoked):
		return ErrCredential.Errorf("%w", err)
	}
	return err
}

// CMSRequest is the options of a CMS signing request (as PDFRequest, no
// credential and no consent).
type CMSRequest struct {
	HashAlgorithm string `json:"hash_algorithm,omitempty"` // sha-256 (default), sha-384, sha-512
	Scheme        string `json:"scheme,omitempty"`         // pkcs1v15 (default) or pss
	Timestamp     bool   `json:"timestamp,omitempty"`      // add a signature time-stamp from kyso's TSA
}

func (r CMSRequest) options(ts cms.Timestamper) (cms.Options, error) {
	var o cms.Options
	var err error
	if o.Hash, o.PSS, err = hashAndScheme(r.HashAlgorithm, r.Scheme); err != nil {
		return o, err
	}
	if r.Timestamp {
		if ts == nil {
			return o, ErrInvalid.Errorf("this kyso has no time-stamp authority")
		}
		o.Timestamper = ts
	}
	return o, nil
}

// PreparedCMS is a CMS signing request whose options are checked (see
// PreparedPDF).
type PreparedCMS struct {
	Digests
	s       *Service
	opts    cms.Options
	content io.Reader
}

// PrepareCMS checks the options of a request to sign content as a
// detached CMS.
func (s *Service) PrepareCMS(req CMSRequest, content io.Reader) (*PreparedCMS, error) {
	opts, err := req.options(s.cfg.Timestamper)
	if err != nil {
		return nil, err
	}
	return &PreparedCMS{Digests: readerDigests(content), s: s, opts: opts, content: content}, nil
}

// Sign signs the content (streamed, never held whole) as detached CMS
// with cred, authorised for caller.
func (p *PreparedCMS) Sign(ctx context.Context, caller Caller, cred *model.SigningCredential) ([]byte, error) {
	if err := usable(cred); err != nil {
		return nil, err
	}
	h := sha256.New()
	sig, err := cms.SignDetached(ctx, io.TeeReader(p.content, h), cred.Key, p.opts)
	if err != nil {
		return nil, classifyCMS(err)
	}
	if err := p.s.record(ctx, SigningEvent{Format: FormatCMS, Client: caller.ClientID, Credential: cred.ID,
		Certificate: serialHex(cred.Cert), DocumentSHA256: h.Sum(nil), Level: "CMS"}); err != nil {
		return nil, err
	}
	return sig, nil
}

// HashRequest asks for CMS signatures over digests the client computed.
type HashRequest struct {
	CMSRequest
	Hashes [][]byte `json:"hashes"` // base64 in JSON
}

// MaxHashes bounds one /v1/sign/hash request.
const MaxHashes = cms.MaxBatch

// PreparedHashes is a request to sign digests whose options and digests
// are checked (see PreparedPDF).
type PreparedHashes struct {
	Digests
	s      *Service
	opts   cms.Options
	hashes [][]byte
}

// PrepareHashes checks a request to sign each digest as a detached CMS:
// its options, and that it holds 1 to MaxHashes digests of the size of
// its hash algorithm.
func (s *Service) PrepareHashes(req HashRequest) (*PreparedHashes, error) {
	opts, err := req.options(s.cfg.Timestamper)
	if err != nil {
		return nil, err
	}
	if len(req.Hashes) == 0 || len(req.Hashes) > MaxHashes {
		return nil, ErrInvalid.Errorf("hashes must hold 1 to %d digests", MaxHashes)
	}
	for i, d := range req.Hashes {
		if len(d) != opts.Hash.Size() {
			return nil, ErrInvalid.Errorf("hashes[%d] is %d bytes; a %s digest is %d", i, len(d), opts.Hash, opts.Hash.Size())
		}
	}
	hashes := req.Hashes
	return &PreparedHashes{Digests: Digests{alg: opts.Hash, hashes: func() ([][]byte, error) { return hashes, nil }},
		s: s, opts: opts, hashes: hashes}, nil
}

// Sign signs each digest as a detached CMS with cred, authorised for
// caller. With a Vault-backed key all signatures are made in one Transit
// batch call.
func (p *PreparedHashes) Sign(ctx context.Context, caller Caller, cred *model.SigningCredential) ([][]byte, error) {
	if err := usable(cred); err != nil {
		return nil, err
	}
	cc, opts := cred.Key, p.opts
	var sigs [][]byte
	var err error
	if bs, ok := cred.Signer.(cms.BatchSigner); ok {
		sigs, err = cms.SignDigests(ctx, p.hashes, cc, bs, opts)
	} else {
		for _, d := range p.hashes {
			var sig []byte
			if sig, err = cms.SignDigest(ctx, d, cc, opts); err != nil {
				break
			}
			sigs = append(sigs, sig)
		}
	}
	if err != nil {
		return nil, classifyCMS(err)
	}
	for _, d := range p.hashes {
		sum := d
		if opts.Hash != crypto.SHA256 {
			s2 := sha256.Sum256(d) // not a document SHA-256: record the SHA-256 of the digest
			sum = s2[:]
		}
		if err := p.s.record(ctx, SigningEvent{Format: FormatHash, Client: caller.ClientID, Credential: cred.ID,
			Certificate: serialHex(cred.Cert), DocumentSHA256: sum, Level: "CMS"}); err != nil {
			return nil, err
		}
	}
	return sigs, nil
}

func classifyCMS(err error) error {
	if errors.Is(err, cms.ErrInvalid) {
		return ErrInvalid.Errorf("%w", err)
	}
	return err
}

// record records a signature. A signature that cannot be recorded is not
// returned: the audit trail must hold every signature kyso hands out.
func (s *Service) record(ctx context.Context, e SigningEvent) error {
	if s.cfg.Recorder == nil {
		return nil
	}
	if err := s.cfg.Recorder.RecordSigning(ctx, e); err != nil {
		return fmt.Errorf("signer: audit: %w", err)
	}
	return nil
}

func serialHex(c *x509.Certificate) string { return fmt.Sprintf("%x", c.SerialNumber.Bytes()) }

// hashAndScheme reads the hash_algorithm and scheme of a signing request:
// SHA-256 (the default), SHA-384 or SHA-512, and PKCS #1 v1.5 (the default)
// or RSASSA-PSS. kyso never makes SHA-1 signatures.
func hashAndScheme(alg, scheme string) (h crypto.Hash, pss bool, err error) {
	switch strings.ToLower(alg) {
	case "", "sha-256", "sha256":
		h = crypto.SHA256
	case "sha-384", "sha384":
		h = crypto.SHA384
	case "sha-512", "sha512":
		h = crypto.SHA512
	default:
		return 0, false, ErrInvalid.Errorf("hash_algorithm %q: want sha-256, sha-384 or sha-512 (kyso never makes SHA-1 signatures)", alg)
	}
	switch scheme {
	case "", "pkcs1v15":
	case "pss":
		pss = true
	default:
		return 0, false, ErrInvalid.Errorf("scheme %q: want pkcs1v15 or pss", scheme)
	}
	return h, pss, nil
}

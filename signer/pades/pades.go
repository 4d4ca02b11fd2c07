package pades

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"io"
	"time"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/cms"

	"github.com/kyso-vn/kyso/internal/certcheck"
	"github.com/kyso-vn/kyso/internal/cmsasn1"
)

// Level is a PAdES baseline level (ETSI EN 319 142-1, 6).
type Level string

// The PAdES baseline levels.
const (
	// LevelBB is a basic signature: CMS with the signer's certificate and
	// the ESS signing-certificate-v2 attribute, time claimed in /M.
	LevelBB Level = "B-B"
	// LevelBT adds a signature time-stamp (an unsigned attribute of the
	// CMS) from the Signer's Timestamper.
	LevelBT Level = "B-T"
	// LevelBLT adds, in an incremental update after the signature, a
	// Document Security Store holding the certificates, OCSP responses and
	// CRLs needed to validate the signature and its time-stamp later.
	LevelBLT Level = "B-LT"
	// LevelBLTA adds to B-LT a document time-stamp over the whole file,
	// then a second DSS update with the validation data of its TSA.
	LevelBLTA Level = "B-LTA"
)

// SubFilter values (ISO 32000-2, 12.8.3).
const (
	SubFilterCAdES = "ETSI.CAdES.detached"
	SubFilterPKCS7 = "adbe.pkcs7.detached"
)

// Signature schemes for RSA keys.
const (
	SchemePKCS1v15 = "pkcs1v15"
	SchemePSS      = "pss"
)

// Timestamper obtains RFC 3161 time-stamp tokens. signer/tsa's Authority
// implements it in process.
type Timestamper interface {
	// Timestamp returns a TimeStampToken (a ContentInfo holding SignedData
	// over a TSTInfo, DER) whose message imprint is digest, hashed with
	// hash. The token must include the TSA's certificate.
	Timestamp(ctx context.Context, digest []byte, hash crypto.Hash) ([]byte, error)
}

// Revocation supplies certificate status for B-LT and B-LTA signatures.
// kyso's CA provides it in process.
type Revocation interface {
	// OCSP returns a DER OCSPResponse (RFC 6960) for cert, issued by
	// issuer, or nil when the issuer runs no OCSP responder (a root that
	// publishes only a CRL); the issuer's CRL must then be available.
	OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error)
	// CRL returns issuer's current DER CRL (RFC 5280), or nil when it has
	// none.
	CRL(ctx context.Context, issuer *x509.Certificate) ([]byte, error)
}

// DefaultDocMDP is the DocMDP permission of the certification signatures
// made by CertifyFirst: form filling and signing allowed (ISO 32000-1,
// Table 254).
const DefaultDocMDP = 2

// Options describe one signature. The zero value makes an invisible
// approval signature at level B-B, ETSI.CAdES.detached, PKCS #1 v1.5 (or
// ECDSA) with SHA-256, in a new field, timed now.
type Options struct {
	// Level is the PAdES baseline level; "" means LevelBB. B-T and above
	// need the Signer's Timestamper, B-LT and above its Revocation.
	Level Level
	// SubFilter is SubFilterCAdES (the default) or SubFilterPKCS7 for
	// clients that predate PAdES; the latter only at B-B and B-T, and its
	// CMS carries a signing-time attribute as such clients expect.
	SubFilter string
	// Scheme is SchemePKCS1v15 (the default) or SchemePSS (RSASSA-PSS,
	// RFC 4056) for RSA keys; ECDSA keys ignore the default and refuse PSS.
	Scheme string
	// Hash is crypto.SHA256 (the default when zero), crypto.SHA384 or
	// crypto.SHA512; it digests the document, the signed attributes and
	// the certificate in signing-certificate-v2.
	Hash crypto.Hash
	// Reason, Location, Contact and Name go into the signature dictionary
	// (/Reason, /Location, /ContactInfo, /Name). Name defaults to the
	// certificate's common name.
	Reason, Location, Contact, Name string
	// SigningTime is the claimed signing time, written to /M; zero means
	// now. PAdES signatures carry no signing-time attribute (ETSI EN
	// 319 142-1, 5.2.1); a trusted time comes from B-T's time-stamp.
	SigningTime time.Time
	// Field names the signature field: an existing empty signature field
	// (fully qualified name) is signed in place; any other name creates a
	// new field. "" creates a field named SignatureN.
	Field string
	// Page (1-based; 0 means 1) and Rect (lower-left x, y, upper-right x,
	// y in default user space) place a new field's widget. A zero Rect
	// makes the signature invisible. An existing field keeps its widget.
	Page int
	Rect [4]float64
	// Appearance draws a visible signature; nil draws the name, time and
	// reason in a plain frame.
	Appearance AppearanceFunc
	// Certify makes a certification signature with DocMDP permission P =
	// Certify (ISO 32000-1, 12.8.2.2): 1 no changes, 2 form filling and
	// signing, 3 also annotations. 0 makes an approval signature, unless
	// CertifyFirst. Only the first signature of a document can certify
	// it.
	Certify int
	// CertifyFirst, when Certify is 0, makes the signature a
	// certification signature with P = DefaultDocMDP if the document has
	// no signature yet, and an approval signature if it has: kyso's
	// signing service signs so by default. A certification with P=2 lets
	// the document be signed again and its form filled, but forbids the
	// annotations that an approval signature allows and that can paint
	// over signed text (the PDF-Insecurity shadow attacks).
	CertifyFirst bool
	// Commit, if set, is called once the signed document is complete and
	// checked, before its first byte is written to out; an error from it
	// aborts the signing and nothing is written. A caller records the
	// signature (an audit log) or announces the result (HTTP headers)
	// there, so that the output can go straight to its destination.
	Commit func(*Result) error
}

// Result describes a signed document.
type Result struct {
	// DocumentDigest is the SHA-256 of the whole output.
	DocumentDigest []byte
	// SignatureField is the fully qualified name of the signed field.
	SignatureField string
	// Level is the level the signature was made at.
	Level Level
	// Size is the length of the output in bytes.
	Size int64
}

// Signer signs PDF documents. It is safe for concurrent use.
type Signer struct {
	ts  Timestamper
	rev Revocation
	cms cmsFunc
	now func() time.Time
}

// New returns a Signer that gets time-stamps from ts and revocation data
// from rev. Either may be nil if no signature needs it (B-B needs
// neither; B-T needs ts; B-LT and B-LTA need both).
func New(ts Timestamper, rev Revocation) *Signer {
	return &Signer{ts: ts, rev: rev, cms: cms.SignDigest, now: time.Now}
}

// Sign reads the PDF in (size bytes), signs it as opts asks with cred and
// writes the signed PDF to out: the input unchanged, followed by one
// incremental update with the signature and, for B-LT and B-LTA, further
// updates with the DSS and the document time-stamp.
//
// Before anything is written to out, the result is read back: every
// signature and time-stamp it adds must have a /ByteRange that covers its
// revision except /Contents, and must verify over it. On any error nothing
// is written. The input is read several times (through io.ReaderAt when it
// implements it, by its WriteRange when it is a RangeWriter) and never
// held in memory by Sign; only the appended updates are.
//
// cred.Chain goes in the CMS; for B-LT and B-LTA it must reach up to the
// root, whose revocation data is gathered along it.
func (s *Signer) Sign(ctx context.Context, in io.ReadSeeker, size int64, out io.Writer, cred model.Key, opts Options) (*Result, error) {
	o, err := s.check(cred, opts)
	if err != nil {
		return nil, fmt.Errorf("pades: sign: %w", err)
	}
	ra, ok := in.(io.ReaderAt)
	if !ok {
		ra = &readerAt{rs: in}
	}
	if size <= 0 {
		return nil, fmt.Errorf("pades: sign: %w: empty input", ErrInvalid)
	}
	doc := &document{in: ra, size: size}
	doc.seedInputHash(in)
	// Nothing reads the revisions once Sign returns: out has had them (a
	// Writer does not keep what it is given) or an error was returned.
	defer doc.release()

	sig, err := s.addSignature(ctx, doc, cred, o)
	if err != nil {
		return nil, fmt.Errorf("pades: sign: %w", err)
	}
	checks := []*placed{sig}
	if o.Level == LevelBLT || o.Level == LevelBLTA {
		v, err := s.signatureMaterial(ctx, cred, sig)
		if err != nil {
			return nil, fmt.Errorf("pades: sign: B-LT validation data: %w", err)
		}
		if err := addDSS(doc, v); err != nil {
			return nil, fmt.Errorf("pades: sign: add DSS: %w", err)
		}
	}
	if o.Level == LevelBLTA {
		dts, err := s.addDocTimestamp(ctx, doc, o.Hash)
		if err != nil {
			return nil, fmt.Errorf("pades: sign: document time-stamp: %w", err)
		}
		checks = append(checks, dts)
		v, err := s.timestampMaterial(ctx, cred, dts)
		if err != nil {
			return nil, fmt.Errorf("pades: sign: B-LTA validation data: %w", err)
		}
		if err := addDSS(doc, v); err != nil {
			return nil, fmt.Errorf("pades: sign: add DSS: %w", err)
		}
	}
	if err := verifyAdded(doc, checks, cred, o); err != nil {
		return nil, fmt.Errorf("pades: sign: check output: %w", err)
	}

	h, err := doc.hashFrom(crypto.SHA256, doc.len())
	if err != nil {
		return nil, fmt.Errorf("pades: sign: digest of the output: %w", err)
	}
	res := &Result{DocumentDigest: h.Sum(nil), SignatureField: sig.field, Level: o.Level, Size: doc.len()}
	if o.Commit != nil {
		if err := o.Commit(res); err != nil {
			return nil, err
		}
	}
	if err := doc.writeTo(out); err != nil {
		return nil, fmt.Errorf("pades: sign: write output: %w", err)
	}
	return res, nil
}

// check validates the request and returns opts with defaults filled in.
func (s *Signer) check(cred model.Key, o Options) (Options, error) {
	if o.Level == "" {
		o.Level = LevelBB
	}
	switch o.Level {
	case LevelBB:
	case LevelBT:
		if s.ts == nil {
			return o, ErrInvalid.Errorf("level %s needs a time-stamp authority", o.Level)
		}
	case LevelBLT, LevelBLTA:
		if s.ts == nil || s.rev == nil {
			return o, ErrInvalid.Errorf("level %s needs a time-stamp authority and a revocation source", o.Level)
		}
	default:
		return o, ErrInvalid.Errorf("unknown level %q", o.Level)
	}
	switch o.SubFilter {
	case "":
		o.SubFilter = SubFilterCAdES
	case SubFilterCAdES:
	case SubFilterPKCS7:
		if o.Level != LevelBB && o.Level != LevelBT {
			return o, ErrInvalid.Errorf("%s is a PAdES level; use SubFilter %s", o.Level, SubFilterCAdES)
		}
	default:
		return o, ErrInvalid.Errorf("unknown SubFilter %q", o.SubFilter)
	}
	if o.Hash == 0 {
		o.Hash = crypto.SHA256
	}
	if cmsasn1.DigestOID(o.Hash) == nil {
		return o, ErrInvalid.Errorf("hash %v (want SHA-256, SHA-384 or SHA-512)", o.Hash)
	}
	if cred.Signer == nil || cred.Cert == nil {
		return o, ErrInvalid.Errorf("credential needs a signer and a certificate")
	}
	pub, ok := cred.Signer.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cred.Cert.PublicKey) {
		return o, ErrInvalid.Errorf("the signer's key is not the certificate's")
	}
	switch cred.Cert.PublicKey.(type) {
	case *rsa.PublicKey:
	case *ecdsa.PublicKey:
		if o.Scheme == SchemePSS {
			return o, ErrInvalid.Errorf("scheme pss needs an RSA key")
		}
	default:
		return o, ErrUnsupported.Errorf("key type %T", cred.Cert.PublicKey)
	}
	switch o.Scheme {
	case "":
		o.Scheme = SchemePKCS1v15
	case SchemePKCS1v15, SchemePSS:
	default:
		return o, ErrInvalid.Errorf("unknown scheme %q", o.Scheme)
	}
	for i, c := range cred.Chain {
		child := cred.Cert
		if i > 0 {
			child = cred.Chain[i-1]
		}
		if c == nil || certcheck.CheckSignatureFrom(child, c) != nil {
			return o, ErrInvalid.Errorf("chain certificate %d did not issue the one before it", i)
		}
	}
	if o.Certify < 0 || o.Certify > 3 {
		return o, ErrInvalid.Errorf("Certify %d (want 0, 1, 2 or 3)", o.Certify)
	}
	r := o.Rect
	if r != [4]float64{} && (r[2]-r[0] < 1 || r[3]-r[1] < 1) {
		return o, ErrInvalid.Errorf("rectangle %v is not lower-left then upper-right with an area", r)
	}
	if o.Page < 0 {
		return o, ErrInvalid.Errorf("page %d", o.Page)
	}
	if o.SigningTime.IsZero() {
		o.SigningTime = s.now()
	}
	if c := cred.Cert; o.SigningTime.Before(c.NotBefore) || o.SigningTime.After(c.NotAfter) {
		return o, ErrInvalid.Errorf("the certificate is not valid at the signing time %v", o.SigningTime)
	}
	// RFC 5280, 4.2.1.3: a key usage extension must allow signing.
	if ku := cred.Cert.KeyUsage; ku != 0 && ku&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return o, ErrInvalid.Errorf("the certificate's key usage allows neither digitalSignature nor nonRepudiation")
	}
	if o.Name == "" {
		o.Name = cred.Cert.Subject.CommonName
	}
	return o, nil
}

// writeTo writes the input followed by the revisions.
func (d *document) writeTo(w io.Writer) error {
	return d.copyRange(w, 0, d.len())
}

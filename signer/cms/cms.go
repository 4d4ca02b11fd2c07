package cms

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/digitorus/pkcs7"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/certcheck"
	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/model"
)

// Error kinds. Errors returned by this package wrap at most one of them, or
// the error of the signer or time-stamper they came from; test with
// errors.Is.
var (
	// ErrInvalid means the request cannot be signed as asked: a digest of
	// the wrong length, an unsupported hash, PSS for a non-RSA key, an empty
	// or oversized batch, or an extra attribute that clashes with one this
	// package sets. An HTTP API maps it to 400.
	ErrInvalid = errkind.New(errkind.Invalid, "cms: invalid request")
	// ErrIntegrity means a signer or time-stamper returned something that
	// does not check out: a signature that does not verify against the
	// certificate, a batch answer of the wrong size, a time-stamp token that
	// is not over the signature. It is never the caller's fault.
	ErrIntegrity = errkind.New(errkind.Internal, "cms: integrity check failed")
)

// MaxBatch is the largest number of digests SignDigests signs in one call.
const MaxBatch = 1000

// Options selects how a signature is made. The zero value makes a PKCS #1
// v1.5 or ECDSA signature with SHA-256, without signing-time or time-stamp.
type Options struct {
	// Hash is the digest algorithm for the content, the signed attributes
	// and the signature: crypto.SHA256 (the default when zero),
	// crypto.SHA384 or crypto.SHA512.
	Hash crypto.Hash
	// PSS asks for RSASSA-PSS (RFC 4056: hash Hash, MGF1 with Hash, salt
	// length the size of Hash, trailer field 1) instead of PKCS #1 v1.5. It
	// is an ErrInvalid error for a non-RSA key.
	PSS bool
	// SigningTime includes the signing-time signed attribute (RFC 5652,
	// 11.3). PAdES signatures leave it out: their time goes in the
	// signature dictionary's /M (ETSI EN 319 142-1, 5.2.1).
	SigningTime bool
	// Time is the signing-time value and the instant at which the
	// certificate must be valid. Zero means time.Now().
	Time time.Time
	// Timestamper, if set, time-stamps the signature value and the token
	// is added as the unsigned attribute id-aa-signatureTimeStampToken
	// (RFC 3161, Appendix A; CAdES-T, PAdES B-T).
	Timestamper Timestamper
	// SignedAttributes are extra signed attributes, for example a
	// commitment-type-indication or signature-policy-identifier for a PAdES
	// profile. Each Value is DER-encoded with encoding/asn1 (pass an
	// asn1.RawValue with FullBytes for an encoding of your own) and becomes
	// the attribute's single value. content-type, message-digest,
	// signing-time and the signing-certificate attributes are this
	// package's to set; adding one is an ErrInvalid error, as is a
	// repeated type.
	SignedAttributes []pkcs7.Attribute
	// UnsignedAttributes are extra unsigned attributes, encoded as
	// SignedAttributes. The signature time-stamp is Timestamper's to add.
	UnsignedAttributes []pkcs7.Attribute
	// CallerVerifies says that the caller verifies the signature in the
	// CMS it is given against the certificate before anything uses it, as
	// pades' read-back check of a PDF signature does. Without a
	// Timestamper, SignDigest and SignDetached then neither verify the
	// signature nor have the signer do it: a signer with an Unchecked
	// method (keys.Signer) signs through the signer it returns, which
	// skips its own check. That is one RSA or ECDSA verification a
	// signature instead of two. With a Timestamper the signature is still
	// checked before a time-stamp is spent on it.
	CallerVerifies bool
}

// Uncheckable is implemented by a signer that can skip its own
// verification of what it returns, for a caller that verifies each
// signature itself: keys.Signer's Unchecked view, asked for through
// Options.CallerVerifies.
type Uncheckable interface {
	Unchecked() crypto.Signer
}

// signerFor returns the signer to sign with: s, or its Unchecked view
// when the caller verifies the signature (Options.CallerVerifies).
func (p *plan) signerFor(s crypto.Signer) crypto.Signer {
	if u, ok := s.(Uncheckable); ok && p.callerVerifies {
		return u.Unchecked()
	}
	return s
}

// Timestamper obtains an RFC 3161 time-stamp token.
type Timestamper interface {
	// Timestamp returns a TimeStampToken (a ContentInfo holding SignedData
	// over a TSTInfo, DER) whose message imprint is digest, hashed with
	// hash.
	Timestamp(ctx context.Context, digest []byte, hash crypto.Hash) ([]byte, error)
}

// BatchSigner signs many digests in one request. kyso's keys.Signer
// implements it with a single Transit call.
type BatchSigner interface {
	// SignBatch signs each of digests, hashed with opts.HashFunc(), and
	// returns the signatures in the same order.
	SignBatch(ctx context.Context, digests [][]byte, opts crypto.SignerOpts) ([][]byte, error)
}

// SelfVerifying is implemented by a signer that verifies every signature
// it returns against its own public key before returning it, under the
// options it was asked to sign with: kyso's keys.Signer does, for its
// single and its batch signatures, because a Vault answer must be checked
// before anything embeds it. When the signer's public key is the
// certificate's (cms checks that first, as always), verifying the same
// signature over the same bytes with the same key again proves nothing
// more, so cms does not: one RSA verification a signature saved. Any other
// signer's signatures are verified against the certificate before they
// are used.
type SelfVerifying interface {
	// VerifiesOwnSignatures reports whether every signature returned by
	// the signer has been verified against its Public key.
	VerifiesOwnSignatures() bool
}

// selfVerifying reports whether s promises to verify what it returns.
func selfVerifying(s any) bool {
	v, ok := s.(SelfVerifying)
	return ok && v.VerifiesOwnSignatures()
}

// contextSigner is a crypto.Signer that also takes a context.
type contextSigner interface {
	SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

// SignDetached returns a detached CMS SignedData over content, which is read
// to the end and streamed through the hash, never held in memory.
func SignDetached(ctx context.Context, content io.Reader, cred model.Key, opts Options) ([]byte, error) {
	p, err := newPlan(cred, opts)
	if err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	if err := checkSigner(cred.Signer, p.pub); err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	p.signerVerifies = selfVerifying(cred.Signer)
	h := p.hash.New()
	if _, err := io.Copy(h, &ctxReader{ctx: ctx, r: content}); err != nil {
		return nil, fmt.Errorf("cms: sign: read content: %w", err)
	}
	der, err := p.signOne(ctx, p.signerFor(cred.Signer), h.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("cms: sign: %w", err)
	}
	return der, nil
}

// SignDigest returns a detached CMS SignedData whose message-digest
// attribute is digest, the hash by opts.Hash of content the caller holds.
// A digest of another length than opts.Hash's is an ErrInvalid error.
func SignDigest(ctx context.Context, digest []byte, cred model.Key, opts Options) ([]byte, error) {
	p, err := newPlan(cred, opts)
	if err != nil {
		return nil, fmt.Errorf("cms: sign digest: %w", err)
	}
	if err := checkSigner(cred.Signer, p.pub); err != nil {
		return nil, fmt.Errorf("cms: sign digest: %w", err)
	}
	p.signerVerifies = selfVerifying(cred.Signer)
	if err := p.checkDigest(digest); err != nil {
		return nil, fmt.Errorf("cms: sign digest: %w", err)
	}
	der, err := p.signOne(ctx, p.signerFor(cred.Signer), digest)
	if err != nil {
		return nil, fmt.Errorf("cms: sign digest: %w", err)
	}
	return der, nil
}

// SignDigests returns one detached CMS SignedData per digest, in order, as
// SignDigest would, but signs all their signed attributes with one call to
// bs.SignBatch. cred.Signer is not used and may be nil; if bs or cred.Signer
// has a Public method, its key must be the certificate's. The batch holds 1
// to MaxBatch digests, each of the length of opts.Hash, or the call is an
// ErrInvalid error. All the signatures share one signing time. It fails as a
// whole, naming the index of the first digest that failed.
func SignDigests(ctx context.Context, digests [][]byte, cred model.Key, bs BatchSigner, opts Options) ([][]byte, error) {
	p, err := newPlan(cred, opts)
	if err != nil {
		return nil, fmt.Errorf("cms: sign digests: %w", err)
	}
	p.callerVerifies = false // not an option of SignDigests (Options.CallerVerifies)
	if bs == nil {
		return nil, errors.New("cms: sign digests: nil batch signer")
	}
	if pk, ok := bs.(interface{ Public() crypto.PublicKey }); ok {
		if err := checkPublic(pk.Public(), p.pub); err != nil {
			return nil, fmt.Errorf("cms: sign digests: batch signer: %w", err)
		}
		// Only a batch signer whose key is known to be the certificate's
		// may vouch for its signatures.
		p.signerVerifies = selfVerifying(bs)
	}
	if cred.Signer != nil {
		if err := checkSigner(cred.Signer, p.pub); err != nil {
			return nil, fmt.Errorf("cms: sign digests: %w", err)
		}
	}
	switch n := len(digests); {
	case n == 0:
		return nil, fmt.Errorf("cms: sign digests: %w: no digests", ErrInvalid)
	case n > MaxBatch:
		return nil, fmt.Errorf("cms: sign digests: %w: %d digests, at most %d in one batch", ErrInvalid, n, MaxBatch)
	}
	attrs := make([][]byte, len(digests))
	tbs := make([][]byte, len(digests))
	for i, d := range digests {
		if err := p.checkDigest(d); err != nil {
			return nil, fmt.Errorf("cms: sign digests: item %d: %w", i, err)
		}
		if attrs[i], err = p.signedAttrs(d); err != nil {
			return nil, fmt.Errorf("cms: sign digests: item %d: %w", i, err)
		}
		tbs[i] = p.digestOf(attrs[i])
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("cms: sign digests: %w", err)
	}
	sigs, err := bs.SignBatch(ctx, tbs, p.signerOpts)
	if err != nil {
		return nil, fmt.Errorf("cms: sign digests: %w", err)
	}
	if len(sigs) != len(digests) {
		return nil, fmt.Errorf("cms: sign digests: %w: %d signatures for %d digests", ErrIntegrity, len(sigs), len(digests))
	}
	out := make([][]byte, len(digests))
	for i := range digests {
		if out[i], err = p.finish(ctx, digests[i], attrs[i], tbs[i], sigs[i]); err != nil {
			return nil, fmt.Errorf("cms: sign digests: item %d: %w", i, err)
		}
	}
	return out, nil
}

// plan is everything about a signature that does not depend on the digest
// signed: made once per call and shared by a batch.
type plan struct {
	hash       crypto.Hash
	pss        bool
	signerOpts crypto.SignerOpts
	pub        crypto.PublicKey
	cert       *x509.Certificate
	digestAlg  pkix.AlgorithmIdentifier
	sigAlg     pkix.AlgorithmIdentifier
	certs      []byte   // the DER certificates, concatenated
	fixedAttrs [][]byte // encoded signed attributes other than message-digest
	// signerVerifies: the signer's key is the certificate's and it
	// verifies what it returns (SelfVerifying), so finish does not verify
	// its signatures again.
	signerVerifies bool
	// callerVerifies: Options.CallerVerifies without a time-stamp; finish
	// does not verify the signature, and signerFor asks the signer not to.
	callerVerifies bool
	unsigned       [][]byte // encoded extra unsigned attributes
	ts             Timestamper
}

// newPlan validates the credential and options and prepares the parts of
// the signature they determine.
func newPlan(cred model.Key, opts Options) (*plan, error) {
	if cred.Cert == nil {
		return nil, errors.New("no signer certificate")
	}
	h := opts.Hash
	if h == 0 {
		h = crypto.SHA256
	}
	if cmsasn1.DigestOID(h) == nil {
		return nil, ErrInvalid.Errorf("hash %v; want SHA-256, SHA-384 or SHA-512", h)
	}
	now := opts.Time
	if now.IsZero() {
		now = time.Now()
	}
	if err := checkCert(cred, now); err != nil {
		return nil, err
	}
	p := &plan{
		hash:      h,
		pss:       opts.PSS,
		pub:       cred.Cert.PublicKey,
		cert:      cred.Cert,
		digestAlg: pkix.AlgorithmIdentifier{Algorithm: cmsasn1.DigestOID(h)},
		ts:        opts.Timestamper,
		// SignDigests sets it back to false.
		callerVerifies: opts.CallerVerifies && opts.Timestamper == nil,
	}
	switch p.pub.(type) {
	case *rsa.PublicKey:
		if opts.PSS {
			// RFC 4056, 3: the salt length is the hash length, and the
			// AlgorithmIdentifier says so; the signer is told the same.
			p.signerOpts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}
			alg, err := cmsasn1.PSSAlgorithm(h)
			if err != nil {
				return nil, fmt.Errorf("encode PSS parameters: %w", err)
			}
			p.sigAlg = alg
		} else {
			// RFC 3370, 3.2: rsaEncryption with NULL parameters; the hash is
			// named by digestAlgorithm.
			p.signerOpts = h
			p.sigAlg = pkix.AlgorithmIdentifier{Algorithm: cmsasn1.OIDRSAEncryption, Parameters: asn1.NullRawValue}
		}
	case *ecdsa.PublicKey:
		if opts.PSS {
			return nil, ErrInvalid.Errorf("PSS asked for with an ECDSA key")
		}
		// RFC 5753, 7.1.3 and RFC 5758, 3.2: ecdsa-with-SHA*, parameters
		// absent.
		p.signerOpts = h
		p.sigAlg = pkix.AlgorithmIdentifier{Algorithm: cmsasn1.ECDSAOID(h)}
	default:
		return nil, ErrInvalid.Errorf("unsupported %T key in the signer certificate", p.pub)
	}

	for _, c := range append([]*x509.Certificate{cred.Cert}, cred.Chain...) {
		p.certs = append(p.certs, c.Raw...)
	}

	if err := p.prepareAttrs(opts, now); err != nil {
		return nil, err
	}
	return p, nil
}

// prepareAttrs encodes the signed attributes that are the same for every
// digest, and the extra unsigned ones.
func (p *plan) prepareAttrs(opts Options, now time.Time) error {
	add := func(typ asn1.ObjectIdentifier, der []byte, err error) error {
		if err == nil {
			der, err = cmsasn1.MarshalAttribute(typ, der)
		}
		if err != nil {
			return fmt.Errorf("encode attribute %v: %w", typ, err)
		}
		p.fixedAttrs = append(p.fixedAttrs, der)
		return nil
	}
	ct, err := asn1.Marshal(cmsasn1.OIDData)
	if err := add(cmsasn1.OIDAttrContentType, ct, err); err != nil {
		return err
	}
	essV2, err := cmsasn1.MarshalSigningCertificateV2(p.cert)
	if err := add(cmsasn1.OIDAttrSigningCertificateV2, essV2, err); err != nil {
		return err
	}
	if opts.SigningTime {
		st, err := cmsasn1.MarshalSigningTime(now)
		if err := add(cmsasn1.OIDAttrSigningTime, st, err); err != nil {
			return err
		}
	}
	reserved := []asn1.ObjectIdentifier{cmsasn1.OIDAttrContentType, cmsasn1.OIDAttrMessageDigest,
		cmsasn1.OIDAttrSigningTime, cmsasn1.OIDAttrSigningCertificateV2, cmsasn1.OIDAttrSigningCertificate}
	seen := map[string]bool{}
	for _, a := range opts.SignedAttributes {
		if err := checkExtra(a, reserved, seen); err != nil {
			return fmt.Errorf("signed attribute: %w", err)
		}
		v, err := cmsasn1.MarshalAttributeValue(a.Value)
		if err := add(a.Type, v, err); err != nil {
			return err
		}
	}
	seen = map[string]bool{}
	for _, a := range opts.UnsignedAttributes {
		if err := checkExtra(a, []asn1.ObjectIdentifier{cmsasn1.OIDAttrTimeStampToken}, seen); err != nil {
			return fmt.Errorf("unsigned attribute: %w", err)
		}
		v, err := cmsasn1.MarshalAttributeValue(a.Value)
		if err == nil {
			v, err = cmsasn1.MarshalAttribute(a.Type, v)
		}
		if err != nil {
			return fmt.Errorf("encode unsigned attribute %v: %w", a.Type, err)
		}
		p.unsigned = append(p.unsigned, v)
	}
	return nil
}

// checkExtra refuses an extra attribute of a reserved or repeated type.
func checkExtra(a pkcs7.Attribute, reserved []asn1.ObjectIdentifier, seen map[string]bool) error {
	if len(a.Type) == 0 {
		return ErrInvalid.Errorf("attribute without a type")
	}
	for _, r := range reserved {
		if a.Type.Equal(r) {
			return ErrInvalid.Errorf("attribute %v is set by package cms", a.Type)
		}
	}
	if seen[a.Type.String()] {
		return ErrInvalid.Errorf("attribute %v repeated", a.Type)
	}
	seen[a.Type.String()] = true
	return nil
}

// checkCert checks that the credential's certificate can sign at now and
// that each certificate of the chain issued the one before it.
func checkCert(cred model.Key, now time.Time) error {
	c := cred.Cert
	if now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return fmt.Errorf("signer certificate %q is not valid at %s (valid %s to %s)", c.Subject, now.UTC().Format(time.RFC3339),
			c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339))
	}
	// RFC 5280, 4.2.1.3: a key usage extension must allow signing.
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("signer certificate %q allows neither digitalSignature nor nonRepudiation", c.Subject)
	}
	for _, parent := range cred.Chain {
		if parent == nil {
			return errors.New("nil certificate in chain")
		}
		if err := certcheck.CheckSignatureFrom(c, parent); err != nil {
			return fmt.Errorf("chain: %q was not issued by %q: %w", c.Subject, parent.Subject, err)
		}
		c = parent
	}
	return nil
}

// checkSigner checks that s signs with the key pub.
func checkSigner(s crypto.Signer, pub crypto.PublicKey) error {
	if s == nil {
		return errors.New("no signer")
	}
	return checkPublic(s.Public(), pub)
}

// checkPublic checks that got, a signer's public key, is want, the
// certificate's.
func checkPublic(got, want crypto.PublicKey) error {
	k, ok := got.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !k.Equal(want) {
		return errors.New("the signer's public key is not the certificate's")
	}
	return nil
}

// checkDigest checks the length of a message digest.
func (p *plan) checkDigest(d []byte) error {
	if len(d) != p.hash.Size() {
		return ErrInvalid.Errorf("digest is %d bytes, want %d for %v", len(d), p.hash.Size(), p.hash)
	}
	return nil
}

// signedAttrs returns the DER SET OF signed attributes for messageDigest:
// the encoding that is signed (RFC 5652, 5.4).
func (p *plan) signedAttrs(messageDigest []byte) ([]byte, error) {
	md, err := asn1.Marshal(messageDigest)
	if err == nil {
		md, err = cmsasn1.MarshalAttribute(cmsasn1.OIDAttrMessageDigest, md)
	}
	if err != nil {
		return nil, fmt.Errorf("encode message-digest: %w", err)
	}
	return cmsasn1.MarshalSet(append([][]byte{md}, p.fixedAttrs...)), nil
}

// digestOf hashes b with the plan's hash.
func (p *plan) digestOf(b []byte) []byte {
	h := p.hash.New()
	h.Write(b)
	return h.Sum(nil)
}

// signOne signs the signed attributes for messageDigest with s and
// finishes the CMS.
func (p *plan) signOne(ctx context.Context, s crypto.Signer, messageDigest []byte) ([]byte, error) {
	attrs, err := p.signedAttrs(messageDigest)
	if err != nil {
		return nil, err
	}
	tbs := p.digestOf(attrs)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var sig []byte
	if cs, ok := s.(contextSigner); ok {
		sig, err = cs.SignContext(ctx, tbs, p.signerOpts)
	} else {
		sig, err = s.Sign(rand.Reader, tbs, p.signerOpts)
	}
	if err != nil {
		return nil, fmt.Errorf("signer: %w", err)
	}
	return p.finish(ctx, messageDigest, attrs, tbs, sig)
}

// finish checks sig, the signature over tbs (the hash of attrs), obtains
// the time-stamp token if asked for, assembles the ContentInfo and checks
// what it assembled.
func (p *plan) finish(ctx context.Context, messageDigest, attrs, tbs, sig []byte) ([]byte, error) {
	// Check before spending a time-stamp on a bad signature, unless the
	// signer has checked this very signature with the certificate's key
	// or the caller will (callerVerifies, never with a time-stamp).
	if !p.signerVerifies && !p.callerVerifies {
		if err := p.verify(tbs, sig); err != nil {
			return nil, err
		}
	}
	unsigned := p.unsigned
	if p.ts != nil {
		tst, err := p.timestamp(ctx, sig)
		if err != nil {
			return nil, err
		}
		unsigned = append(unsigned[:len(unsigned):len(unsigned)], tst)
	}
	der, err := (&cmsasn1.Detached{
		Cert:               p.cert,
		Certificates:       p.certs,
		DigestAlgorithm:    p.digestAlg,
		SignatureAlgorithm: p.sigAlg,
		SignedAttrs:        attrs,
		Signature:          sig,
		UnsignedAttrs:      unsigned,
	}).Marshal()
	if err != nil {
		return nil, fmt.Errorf("encode SignedData: %w", err)
	}
	if err := p.selfCheck(der, messageDigest, attrs, sig); err != nil {
		return nil, err
	}
	return der, nil
}

// ctxReader stops reading when its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (r *ctxReader) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	return r.r.Read(b)
}

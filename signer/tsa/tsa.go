package tsa

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/binary"
	"fmt"
	"io"
	"math/big"
	"slices"
	"sync"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/model"
)

const (
	// DefaultPolicy is the TSA policy used when Config.Policy is empty: an
	// OID under the documentation arc of RFC 5612. Operators configure the
	// policy OID registered for their TSA.
	DefaultPolicy = "1.3.6.1.4.1.32473.1.10"
	// DefaultAccuracy is the accuracy stated when Config.Accuracy is zero.
	DefaultAccuracy = time.Second
	// MaxRequestSize bounds a TimeStampReq. A request holds an imprint of at
	// most 64 bytes, a policy and a nonce; a few hundred bytes is typical.
	MaxRequestSize = 16 << 10

	// ContentTypeQuery and ContentTypeReply are the media types of a
	// TimeStampReq and a TimeStampResp over HTTP (RFC 3161, 3.4).
	ContentTypeQuery = "application/timestamp-query"
	ContentTypeReply = "application/timestamp-reply"
)

// Config configures an Authority. The zero value is usable.
type Config struct {
	// Policy is the TSA policy OID, dotted (default DefaultPolicy). Tokens
	// carry it; a request asking for another policy is refused.
	Policy string
	// Accuracy is the stated accuracy of genTime (default DefaultAccuracy).
	// It must cover the clock's error; it is stated rounded up to a
	// microsecond.
	Accuracy time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Rand is the randomness source for the serial number's node component
	// and for signers that use randomness (default crypto/rand.Reader).
	Rand io.Reader
}

// Authority is a time-stamp authority with one key and certificate. It is
// safe for concurrent use.
type Authority struct {
	signer    crypto.Signer
	cert      *x509.Certificate
	chain     []*x509.Certificate
	policy    asn1.ObjectIdentifier
	accuracy  cmsasn1.Accuracy
	precision time.Duration
	now       func() time.Time
	rand      io.Reader
	tsaName   asn1.RawValue
	essAttr   pkcs7.Attribute

	mu      sync.Mutex // guards serials and orders clock readings with them
	serials serials
}

// New returns an Authority that signs with key.Signer under key.Cert.
// key.Chain holds the certificate's issuers, nearest first (the root may be
// left out); it is sent with the certificate when a request sets certReq.
//
// New refuses a certificate that is not fit for time-stamping (ErrCertificate:
// see checkCertificate; RFC 3161, 2.3), a chain that does not certify it,
// and a signer whose public key is not the certificate's (ErrKeyMismatch).
func New(cfg Config, key model.Key) (*Authority, error) {
	signer, cert, chain := key.Signer, key.Cert, key.Chain
	if signer == nil || cert == nil {
		return nil, ErrInvalid.Errorf("signer and certificate are required")
	}
	if cfg.Policy == "" {
		cfg.Policy = DefaultPolicy
	}
	policy, err := parseOID(cfg.Policy)
	if err != nil {
		return nil, ErrInvalid.Errorf("policy %q: %v", cfg.Policy, err)
	}
	if cfg.Accuracy < 0 {
		return nil, ErrInvalid.Errorf("negative accuracy %v", cfg.Accuracy)
	}
	if cfg.Accuracy == 0 {
		cfg.Accuracy = DefaultAccuracy
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if err := checkCertificate(cert, cfg.Now()); err != nil {
		return nil, err
	}
	if err := checkChain(cert, chain); err != nil {
		return nil, err
	}
	if err := checkKeyMatch(signer, cert); err != nil {
		return nil, err
	}
	name, err := cmsasn1.TSAName(cert)
	if err != nil {
		return nil, fmt.Errorf("tsa: encode TSA name: %w", err)
	}
	ess, err := signingCertAttribute(cert)
	if err != nil {
		return nil, fmt.Errorf("tsa: encode signing-certificate-v2: %w", err)
	}
	var node [4]byte
	if _, err := io.ReadFull(cfg.Rand, node[:]); err != nil {
		return nil, fmt.Errorf("tsa: draw serial node component: %w", err)
	}
	precision := time.Millisecond
	if cfg.Accuracy < time.Second {
		precision = time.Microsecond
	}
	return &Authority{
		signer:    signer,
		cert:      cert,
		chain:     slices.Clone(chain),
		policy:    policy,
		accuracy:  cmsasn1.NewAccuracy(cfg.Accuracy),
		precision: precision,
		now:       cfg.Now,
		rand:      cfg.Rand,
		tsaName:   name,
		essAttr:   ess,
		serials:   serials{node: binary.BigEndian.Uint32(node[:])},
	}, nil
}

// parseOID parses a dotted OID into the form encoding/asn1 marshals.
func parseOID(s string) (asn1.ObjectIdentifier, error) {
	oid, err := x509.ParseOID(s)
	if err != nil {
		return nil, err
	}
	der, err := oid.MarshalBinary()
	if err != nil {
		return nil, err
	}
	full, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagOID, Bytes: der})
	if err != nil {
		return nil, err
	}
	var out asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(full, &out); err != nil {
		return nil, fmt.Errorf("arc too large: %w", err)
	}
	return out, nil
}

// Certificate returns the TSA certificate.
func (a *Authority) Certificate() *x509.Certificate { return a.cert }

// stampRequest is what a token is made from.
type stampRequest struct {
	hash    crypto.Hash
	digest  []byte
	imprint []byte // DER MessageImprint, echoed as is
	nonce   *big.Int
	certReq bool
}

// Respond answers a DER TimeStampReq with a DER TimeStampResp (RFC 3161,
// 2.4). A request it refuses gets a rejection response with a failInfo bit
// (see the package doc), not an error. The error is for failures on kyso's
// side: ctx done, the signer failing, the certificate not valid at the
// clock's time, or ErrIntegrity.
func (a *Authority) Respond(ctx context.Context, req []byte) ([]byte, error) {
	sr, rej := parseRequest(req, a.policy)
	if rej != nil {
		resp, err := rej.marshal()
		if err != nil {
			return nil, fmt.Errorf("tsa: encode rejection: %w", err)
		}
		return resp, nil
	}
	token, err := a.stamp(ctx, sr)
	if err != nil {
		return nil, err
	}
	resp, err := granted(token)
	if err != nil {
		return nil, fmt.Errorf("tsa: encode response: %w", err)
	}
	return resp, nil
}

// parseRequest validates a TimeStampReq, in the order OpenSSL's TSA does:
// format, hash algorithm, imprint, policy, extensions.
func parseRequest(der []byte, policy asn1.ObjectIdentifier) (*stampRequest, *rejection) {
	if len(der) == 0 {
		return nil, reject(timestamp.BadDataFormat, "empty request")
	}
	if len(der) > MaxRequestSize {
		return nil, reject(timestamp.BadDataFormat, fmt.Sprintf("request larger than %d bytes", MaxRequestSize))
	}
	var head cmsasn1.TimeStampReqHead
	if _, err := asn1.Unmarshal(der, &head); err != nil {
		return nil, reject(timestamp.BadDataFormat, "malformed request")
	}
	var mi cmsasn1.MessageImprint
	if rest, err := asn1.Unmarshal(head.MessageImprint.FullBytes, &mi); err != nil || len(rest) > 0 {
		return nil, reject(timestamp.BadDataFormat, "malformed message imprint")
	}
	hash := cmsasn1.SignHashForOID(mi.HashAlgorithm.Algorithm)
	if hash == 0 {
		return nil, reject(timestamp.BadAlgorithm, "unsupported hash algorithm (want SHA-256, SHA-384 or SHA-512)")
	}
	req, err := timestamp.ParseRequest(der)
	if err != nil {
		return nil, reject(timestamp.BadDataFormat, "malformed request")
	}
	if head.Version != 1 {
		return nil, reject(timestamp.BadDataFormat, "unsupported request version")
	}
	if p := mi.HashAlgorithm.Parameters.FullBytes; len(p) != 0 && !bytes.Equal(p, asn1.NullBytes) {
		return nil, reject(timestamp.BadDataFormat, "hash algorithm parameters must be absent or NULL")
	}
	if req.HashAlgorithm != hash || !bytes.Equal(req.HashedMessage, mi.HashedMessage) {
		// Both decodings read the same bytes; disagreement is a bug.
		return nil, reject(timestamp.BadDataFormat, "malformed message imprint")
	}
	if len(mi.HashedMessage) != hash.Size() {
		return nil, reject(timestamp.BadDataFormat, fmt.Sprintf("imprint of %d bytes for %v, want %d", len(mi.HashedMessage), hash, hash.Size()))
	}
	if len(req.TSAPolicyOID) > 0 && !req.TSAPolicyOID.Equal(policy) {
		return nil, reject(timestamp.UnacceptedPolicy, "unaccepted policy (this TSA issues under "+policy.String()+")")
	}
	if len(req.Extensions) > 0 {
		// RFC 3161, 2.4.1: an extension the TSA does not recognise, critical
		// or not, means no token. kyso recognises none.
		return nil, reject(timestamp.UnacceptedExtension, "unaccepted extension")
	}
	return &stampRequest{
		hash:    hash,
		digest:  mi.HashedMessage,
		imprint: head.MessageImprint.FullBytes,
		nonce:   req.Nonce,
		certReq: req.Certificates,
	}, nil
}

// Timestamp returns a TimeStampToken (a DER ContentInfo holding SignedData
// over TSTInfo) for digest, a hash by hash of the data to stamp; hash must
// be SHA-256, SHA-384 or SHA-512 (else ErrInvalid). The token carries the
// certificate and its chain and no nonce; it is what the PAdES signer embeds
// as a signature or document time-stamp.
func (a *Authority) Timestamp(ctx context.Context, digest []byte, hash crypto.Hash) ([]byte, error) {
	oid := cmsasn1.DigestOID(hash)
	if oid == nil {
		return nil, ErrInvalid.Errorf("unsupported hash %v (want SHA-256, SHA-384 or SHA-512)", hash)
	}
	if len(digest) != hash.Size() {
		return nil, ErrInvalid.Errorf("digest of %d bytes for %v, want %d", len(digest), hash, hash.Size())
	}
	imprint, err := asn1.Marshal(cmsasn1.MessageImprint{
		HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue},
		HashedMessage: digest,
	})
	if err != nil {
		return nil, fmt.Errorf("tsa: encode message imprint: %w", err)
	}
	return a.stamp(ctx, &stampRequest{
		hash:    hash,
		digest:  slices.Clone(digest),
		imprint: imprint,
		certReq: true,
	})
}

// next reads the clock and takes the next serial under one lock, so that
// serial order and genTime order agree within the Authority unless the
// clock steps back.
func (a *Authority) next() (time.Time, *big.Int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	return now, a.serials.next(now)
}

// stamp makes, signs and verifies the token for sr.
func (a *Authority) stamp(ctx context.Context, sr *stampRequest) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("tsa: %w", err)
	}
	now, serial := a.next()
	gen, genDER := cmsasn1.GeneralizedTime(now, a.precision)
	if err := checkValidAt(a.cert, gen); err != nil {
		return nil, err
	}
	info := cmsasn1.TSTInfoFields{
		Version:        1,
		Policy:         a.policy,
		MessageImprint: asn1.RawValue{FullBytes: sr.imprint},
		SerialNumber:   serial,
		GenTime:        genDER,
		Accuracy:       a.accuracy,
		Nonce:          sr.nonce,
		TSA:            a.tsaName,
	}
	content, err := asn1.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("tsa: encode TSTInfo: %w", err)
	}
	token, err := a.sign(ctx, content, signingHash(sr.hash), sr.certReq)
	if err != nil {
		return nil, err
	}
	if err := a.verify(token, content, sr, serial, gen); err != nil {
		return nil, err
	}
	return token, nil
}

// sign wraps content in CMS SignedData (RFC 5652, 5) as RFC 3161, 2.4.2
// asks: eContentType id-ct-TSTInfo, version 3, the ESS
// signing-certificate-v2 attribute, and no signing-time.
func (a *Authority) sign(ctx context.Context, content []byte, h crypto.Hash, withCerts bool) ([]byte, error) {
	sd, err := pkcs7.NewSignedData(content)
	if err != nil {
		return nil, fmt.Errorf("tsa: new SignedData: %w", err)
	}
	sd.SetContentType(cmsasn1.OIDTSTInfo)
	sd.SetDigestAlgorithm(cmsasn1.DigestOID(h))
	sd.GetSignedData().Version = 3
	err = sd.AddSigner(a.cert, &boundSigner{ctx: ctx, s: a.signer, rand: a.rand}, pkcs7.SignerInfoConfig{
		ExtraSignedAttributes: []pkcs7.Attribute{a.essAttr},
		SkipCertificates:      !withCerts,
		SkipSigningTime:       true,
	})
	if err != nil {
		return nil, fmt.Errorf("tsa: sign token: %w", err)
	}
	if withCerts {
		for _, c := range a.chain {
			sd.AddCertificate(c)
		}
	}
	token, err := sd.Finish()
	if err != nil {
		return nil, fmt.Errorf("tsa: encode token: %w", err)
	}
	return token, nil
}

// verify parses token back and checks it says what was meant: pkcs7 does not
// check what the signer returned.
func (a *Authority) verify(token, content []byte, sr *stampRequest, serial *big.Int, gen time.Time) error {
	p7, err := pkcs7.Parse(token)
	if err != nil {
		return ErrIntegrity.Errorf("parse: %v", err)
	}
	var want []*x509.Certificate
	if sr.certReq {
		want = append([]*x509.Certificate{a.cert}, a.chain...)
	}
	if !slices.EqualFunc(p7.Certificates, want, (*x509.Certificate).Equal) {
		return ErrIntegrity.Errorf("unexpected certificates")
	}
	// Verify against our certificate, whatever the token carries.
	p7.Certificates = []*x509.Certificate{a.cert}
	if len(p7.Signers) != 1 {
		return ErrIntegrity.Errorf("%d signers", len(p7.Signers))
	}
	if err := p7.Verify(); err != nil {
		return ErrIntegrity.Errorf("signature: %v", err)
	}
	if !bytes.Equal(p7.Content, content) {
		return ErrIntegrity.Errorf("content differs")
	}
	ts, err := timestamp.Parse(token)
	if err != nil {
		return ErrIntegrity.Errorf("parse TSTInfo: %v", err)
	}
	switch {
	case ts.SerialNumber == nil || ts.SerialNumber.Cmp(serial) != 0:
		return ErrIntegrity.Errorf("serial number")
	case !ts.Time.Equal(gen):
		return ErrIntegrity.Errorf("genTime %v, want %v", ts.Time, gen)
	case ts.HashAlgorithm != sr.hash || !bytes.Equal(ts.HashedMessage, sr.digest):
		return ErrIntegrity.Errorf("message imprint")
	case !ts.Policy.Equal(a.policy):
		return ErrIntegrity.Errorf("policy")
	case ts.Accuracy != a.accuracy.Duration():
		return ErrIntegrity.Errorf("accuracy")
	case (ts.Nonce == nil) != (sr.nonce == nil) || ts.Nonce != nil && ts.Nonce.Cmp(sr.nonce) != 0:
		return ErrIntegrity.Errorf("nonce")
	}
	return nil
}

// contextSigner is implemented by signers that take a context, such as
// kyso's Vault-backed one.
type contextSigner interface {
	SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

// boundSigner binds a request's context and the configured randomness to a
// crypto.Signer for pkcs7, which knows neither.
type boundSigner struct {
	ctx  context.Context
	s    crypto.Signer
	rand io.Reader
}

func (b *boundSigner) Public() crypto.PublicKey { return b.s.Public() }

func (b *boundSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if cs, ok := b.s.(contextSigner); ok {
		return cs.SignContext(b.ctx, digest, opts)
	}
	return b.s.Sign(b.rand, digest, opts)
}

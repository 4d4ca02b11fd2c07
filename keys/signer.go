package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"strconv"
	"strings"
)

// Signer signs digests with one pinned version of a Transit key. It
// implements crypto.Signer and is safe for concurrent use. Make one with
// Manager.Signer.
type Signer struct {
	m       *Manager
	name    string
	version int
	typ     KeyType
	pub     crypto.PublicKey
}

// Public returns the public key of the pinned key version, read when the
// Signer was made. It never calls Vault.
func (s *Signer) Public() crypto.PublicKey { return s.pub }

// KeyName returns the name of the Transit key.
func (s *Signer) KeyName() string { return s.name }

// KeyVersion returns the pinned key version.
func (s *Signer) KeyVersion() int { return s.version }

// KeyType returns the type of the key.
func (s *Signer) KeyType() KeyType { return s.typ }

// VerifiesOwnSignatures reports true: SignContext and SignBatch verify
// every signature against Public before returning it (see verify), which
// callers such as signer/cms rely on instead of verifying it again.
func (s *Signer) VerifiesOwnSignatures() bool { return true }

// Unchecked returns s without its own verification of the signatures it
// returns: a signer for a caller that verifies every signature against the
// certificate before anything uses it, and would otherwise verify each one
// twice (pades' read-back check of a PDF signature, through signer/cms).
// Everything else is checked as by s: the options, the digests, the
// answer's shape and the pinned version. It does not claim
// VerifiesOwnSignatures. Coalesced with s's own calls, its signatures
// share their Transit requests.
func (s *Signer) Unchecked() crypto.Signer { return uncheckedSigner{s} }

// uncheckedSigner is a Signer that does not verify what Vault returns.
type uncheckedSigner struct{ s *Signer }

func (u uncheckedSigner) Public() crypto.PublicKey { return u.s.pub }

func (u uncheckedSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return u.s.signContext(context.Background(), digest, opts, false)
}

func (u uncheckedSigner) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return u.s.signContext(ctx, digest, opts, false)
}

func (u uncheckedSigner) SignBatch(ctx context.Context, digests [][]byte, opts crypto.SignerOpts) ([][]byte, error) {
	return u.s.signBatch(ctx, digests, opts, make([]bool, len(digests)))
}

// Sign signs digest with the pinned key version, for crypto.Signer. It is
// SignContext with a background context; the Manager's per-call timeout
// still applies. rand is ignored: Vault uses its own randomness.
func (s *Signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.SignContext(context.Background(), digest, opts)
}

// SignContext signs digest, the hash of a message by opts.HashFunc(), which
// must be SHA-256, SHA-384 or SHA-512.
//
// For RSA keys opts selects the scheme: an *rsa.PSSOptions asks for
// RSASSA-PSS with its salt length (rsa.PSSSaltLengthEqualsHash,
// rsa.PSSSaltLengthAuto or a positive length), anything else for PKCS #1
// v1.5. ECDSA signatures are ASN.1 DER, as crypto/ecdsa and X.509 use; PSS
// options are invalid for ECDSA keys.
//
// The returned signature has been verified against Public. With
// Config.Coalesce, concurrent calls may be signed together in one Transit
// batch request.
func (s *Signer) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.signContext(ctx, digest, opts, true)
}

// signContext is SignContext, verifying the signature if check.
func (s *Signer) signContext(ctx context.Context, digest []byte, opts crypto.SignerOpts, check bool) ([]byte, error) {
	if s.m.coalesce {
		// Refuse bad requests here, so that they never join a batch.
		p, err := s.params(opts)
		if err != nil {
			return nil, s.errorf("%w", err)
		}
		if err := p.checkDigest(digest); err != nil {
			return nil, s.errorf("%w", err)
		}
		return s.m.batcherFor(s).sign(ctx, digest, opts, check)
	}
	return s.signOne(ctx, digest, opts, check)
}

// signOne signs digest in a Transit request of its own, verifying the
// signature if check.
func (s *Signer) signOne(ctx context.Context, digest []byte, opts crypto.SignerOpts, check bool) ([]byte, error) {
	s.m.calls.single.Add(1)
	p, err := s.params(opts)
	if err != nil {
		return nil, s.errorf("%w", err)
	}
	if err := p.checkDigest(digest); err != nil {
		return nil, s.errorf("%w", err)
	}
	body := maps.Clone(p.fields)
	body["input"] = base64.StdEncoding.EncodeToString(digest)
	sec, err := s.m.write(ctx, s.m.path("sign", s.name), body)
	if err != nil {
		return nil, s.errorf("%w", err)
	}
	if sec == nil || sec.Data == nil {
		return nil, s.errorf("%w", integrityf("empty answer"))
	}
	sig, err := s.decode(sec.Data["signature"])
	if err != nil {
		return nil, s.errorf("%w", err)
	}
	if check {
		if err := s.verify(digest, sig, p); err != nil {
			return nil, s.errorf("%w", err)
		}
	}
	return sig, nil
}

// SignBatch signs each of digests, all hashed with opts.HashFunc(), in one
// Transit request, and returns the signatures in the same order. It fails
// as a whole if any item fails, naming the item's index. opts are as for
// SignContext. An empty batch is an ErrInvalid error.
func (s *Signer) SignBatch(ctx context.Context, digests [][]byte, opts crypto.SignerOpts) ([][]byte, error) {
	return s.signBatch(ctx, digests, opts, nil)
}

// signBatch is SignBatch verifying the signatures of the items that check
// names; nil checks them all.
func (s *Signer) signBatch(ctx context.Context, digests [][]byte, opts crypto.SignerOpts, check []bool) ([][]byte, error) {
	if len(digests) == 0 {
		return nil, s.errorf("sign batch: %w", invalidf("no digests"))
	}
	p, err := s.params(opts)
	if err != nil {
		return nil, s.errorf("sign batch: %w", err)
	}
	items := make([]map[string]any, len(digests))
	for i, d := range digests {
		if err := p.checkDigest(d); err != nil {
			return nil, s.errorf("sign batch item %d: %w", i, err)
		}
		items[i] = map[string]any{
			"input":     base64.StdEncoding.EncodeToString(d),
			"reference": strconv.Itoa(i),
		}
	}
	body := maps.Clone(p.fields)
	body["batch_input"] = items
	s.m.calls.batch.Add(1)
	s.m.calls.digests.Add(int64(len(digests)))
	sec, err := s.m.write(ctx, s.m.path("sign", s.name), body)
	if err != nil {
		return nil, s.errorf("sign batch: %w", err)
	}
	var results []any
	if sec != nil {
		results, _ = sec.Data["batch_results"].([]any)
	}
	if len(results) != len(digests) {
		return nil, s.errorf("sign batch: %w", integrityf("%d results for %d digests", len(results), len(digests)))
	}
	sigs := make([][]byte, len(digests))
	for i, r := range results {
		item, _ := r.(map[string]any)
		if item == nil {
			return nil, s.errorf("sign batch item %d: %w", i, integrityf("malformed result"))
		}
		if msg, _ := item["error"].(string); msg != "" {
			return nil, s.errorf("sign batch item %d: %w: vault: %s", i, ErrInvalid, msg)
		}
		if ref, _ := item["reference"].(string); ref != strconv.Itoa(i) {
			return nil, s.errorf("sign batch item %d: %w", i, integrityf("result has reference %q", ref))
		}
		sig, err := s.decode(item["signature"])
		if err != nil {
			return nil, s.errorf("sign batch item %d: %w", i, err)
		}
		if check == nil || check[i] {
			if err := s.verify(digests[i], sig, p); err != nil {
				return nil, s.errorf("sign batch item %d: %w", i, err)
			}
		}
		sigs[i] = sig
	}
	return sigs, nil
}

// signParams are the Transit parameters for one signing request and what
// local verification needs to know about them.
type signParams struct {
	hash   crypto.Hash
	pss    bool
	salt   int // rsa.PSSOptions.SaltLength, when pss
	fields map[string]any
}

// transitHash names the hashes Signer accepts as Transit does. SHA-1 and
// the rest are refused: kyso signs with the SHA-2 family only.
var transitHash = map[crypto.Hash]string{
	crypto.SHA256: "sha2-256",
	crypto.SHA384: "sha2-384",
	crypto.SHA512: "sha2-512",
}

// params maps opts to Transit sign parameters. Every parameter that has a
// Transit default is set explicitly.
func (s *Signer) params(opts crypto.SignerOpts) (*signParams, error) {
	if opts == nil {
		return nil, invalidf("nil signer options")
	}
	h := opts.HashFunc()
	alg, ok := transitHash[h]
	if !ok {
		if h == 0 {
			return nil, invalidf("signer options name no hash; want SHA-256, SHA-384 or SHA-512")
		}
		return nil, invalidf("unsupported hash %v; want SHA-256, SHA-384 or SHA-512", h)
	}
	p := &signParams{
		hash: h,
		fields: map[string]any{
			"prehashed":      true,
			"hash_algorithm": alg,
			"key_version":    s.version,
		},
	}
	pssOpts, isPSS := opts.(*rsa.PSSOptions)
	switch s.typ {
	case RSA2048, RSA3072, RSA4096:
		if !isPSS {
			p.fields["signature_algorithm"] = "pkcs1v15"
			break
		}
		p.pss, p.salt = true, pssOpts.SaltLength
		p.fields["signature_algorithm"] = "pss"
		switch n := pssOpts.SaltLength; {
		case n == rsa.PSSSaltLengthEqualsHash:
			p.fields["salt_length"] = "hash"
		case n == rsa.PSSSaltLengthAuto:
			p.fields["salt_length"] = "auto"
		case n > 0:
			// Checked here because Transit answers an out-of-range salt
			// length with HTTP 500, which would read as ErrUnavailable.
			// The bound is crypto/rsa's (RFC 8017, 9.1.1).
			pub := s.pub.(*rsa.PublicKey)
			if max := (pub.N.BitLen()+6)/8 - 2 - h.Size(); n > max {
				return nil, invalidf("PSS salt length %d exceeds %d for a %d-bit key and %v", n, max, pub.N.BitLen(), h)
			}
			p.fields["salt_length"] = strconv.Itoa(n)
		default:
			return nil, invalidf("PSS salt length %d", n)
		}
	case ECDSAP256, ECDSAP384:
		if isPSS {
			return nil, invalidf("PSS options for %s key", s.typ)
		}
		p.fields["marshaling_algorithm"] = "asn1"
	default:
		return nil, invalidf("key type %q", s.typ)
	}
	return p, nil
}

// checkDigest checks that digest has the length of the hash.
func (p *signParams) checkDigest(digest []byte) error {
	if len(digest) != p.hash.Size() {
		return invalidf("digest is %d bytes, want %d for %v", len(digest), p.hash.Size(), p.hash)
	}
	return nil
}

// decode parses a Transit signature "vault:v<version>:<base64>" and checks
// that it was made with the pinned version.
func (s *Signer) decode(raw any) ([]byte, error) {
	str, _ := raw.(string)
	rest, ok := strings.CutPrefix(str, "vault:v")
	if !ok {
		return nil, integrityf("signature %q lacks the vault:v<version>: prefix", truncate(str))
	}
	ver, b64, ok := strings.Cut(rest, ":")
	if !ok {
		return nil, integrityf("signature %q lacks the vault:v<version>: prefix", truncate(str))
	}
	n, err := strconv.Atoi(ver)
	if err != nil {
		return nil, integrityf("signature version %q is not a number", ver)
	}
	if n != s.version {
		return nil, integrityf("vault signed with version %d, want pinned version %d", n, s.version)
	}
	sig, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, integrityf("decode signature: %v", err)
	}
	return sig, nil
}

// verify checks sig over digest against the pinned public key. pkcs7 and
// x509 callers do not check what a crypto.Signer returns; this catches a
// wrong key, version or scheme before a bad signature is embedded anywhere.
func (s *Signer) verify(digest, sig []byte, p *signParams) error {
	var err error
	switch pub := s.pub.(type) {
	case *rsa.PublicKey:
		if p.pss {
			err = rsa.VerifyPSS(pub, p.hash, digest, sig, &rsa.PSSOptions{SaltLength: p.salt, Hash: p.hash})
		} else {
			err = rsa.VerifyPKCS1v15(pub, p.hash, digest, sig)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			err = fmt.Errorf("invalid ECDSA signature")
		}
	default:
		err = fmt.Errorf("unsupported public key %T", s.pub)
	}
	if err != nil {
		return integrityf("signature does not verify against the pinned public key: %v", err)
	}
	return nil
}

// errorf prefixes an error with the signer's key and version.
func (s *Signer) errorf(format string, args ...any) error {
	return fmt.Errorf("sign with key %q version %d: "+format, append([]any{s.name, s.version}, args...)...)
}

func truncate(s string) string {
	if len(s) > 24 {
		return s[:24] + "…"
	}
	return s
}

package cms_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/cms"
)

// memBatch is an in-memory BatchSigner that counts its calls.
type memBatch struct {
	crypto.Signer
	calls int
}

func (b *memBatch) SignBatch(_ context.Context, digests [][]byte, opts crypto.SignerOpts) ([][]byte, error) {
	b.calls++
	sigs := make([][]byte, len(digests))
	for i, d := range digests {
		var err error
		if sigs[i], err = b.Sign(rand.Reader, d, opts); err != nil {
			return nil, err
		}
	}
	return sigs, nil
}

// signFunc is one of the three ways to sign, as the table tests call them:
// it signs each of contents and returns one CMS per content.
type signFunc func(ctx context.Context, contents [][]byte, cred model.Key, opts cms.Options) ([][]byte, error)

var signFuncs = []struct {
	name string
	sign signFunc
}{
	{"SignDetached", func(ctx context.Context, contents [][]byte, cred model.Key, opts cms.Options) ([][]byte, error) {
		var out [][]byte
		for _, c := range contents {
			der, err := cms.SignDetached(ctx, bytes.NewReader(c), cred, opts)
			if err != nil {
				return nil, err
			}
			out = append(out, der)
		}
		return out, nil
	}},
	{"SignDigest", func(ctx context.Context, contents [][]byte, cred model.Key, opts cms.Options) ([][]byte, error) {
		var out [][]byte
		for _, c := range contents {
			der, err := cms.SignDigest(ctx, sum(hashOf(opts), c), cred, opts)
			if err != nil {
				return nil, err
			}
			out = append(out, der)
		}
		return out, nil
	}},
	{"SignDigests", func(ctx context.Context, contents [][]byte, cred model.Key, opts cms.Options) ([][]byte, error) {
		var digests [][]byte
		for _, c := range contents {
			digests = append(digests, sum(hashOf(opts), c))
		}
		bs := &memBatch{Signer: cred.Signer}
		out, err := cms.SignDigests(ctx, digests, cred, bs, opts)
		if err == nil && bs.calls != 1 {
			return nil, fmt.Errorf("SignBatch called %d times, want 1", bs.calls)
		}
		return out, err
	}},
}

func hashOf(opts cms.Options) crypto.Hash {
	if opts.Hash == 0 {
		return crypto.SHA256
	}
	return opts.Hash
}

// TestSign signs with every scheme, hash and entry point, and has the
// result checked by the test verifier, by openssl and, where it can, by
// digitorus/pkcs7.
func TestSign(t *testing.T) {
	pki := newPKI(t)
	ctx := context.Background()
	keys := []struct {
		name   string
		signer crypto.Signer
		pss    []bool
		hashes []crypto.Hash
	}{
		{"RSA", pki.rsaKey, []bool{false, true}, []crypto.Hash{0, crypto.SHA384}},
		{"ECDSA", pki.ecKey, []bool{false}, []crypto.Hash{0, crypto.SHA384, crypto.SHA512}},
	}
	for _, k := range keys {
		cred := pki.cred(t, k.signer)
		for _, pss := range k.pss {
			for _, f := range signFuncs {
				for _, h := range k.hashes {
					scheme := map[bool]string{false: "PKCS1v15", true: "PSS"}[pss]
					if k.name == "ECDSA" {
						scheme = "ECDSA"
					}
					opts := cms.Options{Hash: h, PSS: pss}
					t.Run(fmt.Sprintf("%s/%s/%s/%v", k.name, scheme, f.name, hashOf(opts)), func(t *testing.T) {
						contents := [][]byte{
							[]byte("Quyết định số 123/QĐ-UBND về việc cấp giấy phép xây dựng"),
							{},
							bytes.Repeat([]byte{0, 1, 2, 0xff}, 100_000),
						}
						sigs, err := f.sign(ctx, contents, cred, opts)
						if err != nil {
							t.Fatalf("%s = %v", f.name, err)
						}
						if len(sigs) != len(contents) {
							t.Fatalf("%s returned %d signatures, want %d", f.name, len(sigs), len(contents))
						}
						for i, sig := range sigs {
							p := checkCMS(t, sig, sum(hashOf(opts), contents[i]), hashOf(opts), pki.roots())
							wantAlg := map[string]asn1.ObjectIdentifier{"PKCS1v15": oidRSAEncryption, "PSS": oidRSASSAPSS, "ECDSA": oidECDSAWith[hashOf(opts)]}[scheme]
							if !p.sigAlg.Equal(wantAlg) {
								t.Errorf("signature algorithm = %v, want %v", p.sigAlg, wantAlg)
							}
							if p.signingTime != nil || len(p.unsigned) != 0 {
								t.Errorf("signing-time or unsigned attributes present without being asked for")
							}
							opensslVerify(t, pki, sig, contents[i])
							if !pss {
								pkcs7Verify(t, pki, sig, contents[i])
							}
						}
					})
				}
			}
		}
	}
}

// pkcs7Verify has digitorus/pkcs7 check sig over content against the test
// root. pkcs7 verifies PKCS #1 v1.5 and ECDSA, not PSS.
func pkcs7Verify(t *testing.T, pki *testPKI, sig, content []byte) {
	t.Helper()
	p7, err := pkcs7.Parse(sig)
	if err != nil {
		t.Fatalf("pkcs7.Parse = %v", err)
	}
	p7.Content = content
	if err := p7.VerifyWithChain(pki.roots()); err != nil {
		t.Errorf("pkcs7 VerifyWithChain = %v", err)
	}
	p7.Content = append(bytes.Clone(content), '!')
	if err := p7.Verify(); err == nil {
		t.Errorf("pkcs7 Verify of altered content = nil, want an error")
	}
}

// TestOpenSSLPrint checks, in openssl's own words, that the attributes and
// the PSS parameters are there. openssl 3.0 prints the PSS parameters as an
// asn1parse dump, which is matched token by token.
func TestOpenSSLPrint(t *testing.T) {
	pki := newPKI(t)
	cred := pki.cred(t, pki.rsaKey)
	for _, tc := range []struct {
		name string
		opts cms.Options
		want []string // in this order
	}{
		{"PKCS1v15", cms.Options{SigningTime: true}, []string{
			"signedAttrs:",
			"object: contentType (1.2.840.113549.1.9.3)", "OBJECT:pkcs7-data",
			"object: signingTime (1.2.840.113549.1.9.5)",
			"object: messageDigest (1.2.840.113549.1.9.4)",
			"object: id-smime-aa-signingCertificateV2 (1.2.840.113549.1.9.16.2.47)",
			"signatureAlgorithm:", "algorithm: rsaEncryption (1.2.840.113549.1.1.1)", "parameter: NULL",
		}},
		{"PSS-SHA256", cms.Options{PSS: true}, []string{
			"object: id-smime-aa-signingCertificateV2 (1.2.840.113549.1.9.16.2.47)",
			"algorithm: rsassaPss (1.2.840.113549.1.1.10)",
			"cont [ 0 ]", "OBJECT :sha256", "NULL",
			"cont [ 1 ]", "OBJECT :mgf1", "OBJECT :sha256", "NULL",
			"cont [ 2 ]", "INTEGER :20",
			"signature:",
		}},
		{"PSS-SHA512", cms.Options{PSS: true, Hash: crypto.SHA512}, []string{
			"algorithm: rsassaPss (1.2.840.113549.1.1.10)",
			"cont [ 0 ]", "OBJECT :sha512", "cont [ 1 ]", "OBJECT :mgf1", "OBJECT :sha512", "cont [ 2 ]", "INTEGER :40",
			"signature:",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := hashOf(tc.opts)
			sig, err := cms.SignDigest(context.Background(), sum(h, []byte("hồ sơ")), cred, tc.opts)
			if err != nil {
				t.Fatalf("SignDigest = %v", err)
			}
			out := strings.Join(strings.Fields(opensslPrint(t, sig)), " ")
			rest := out
			for _, w := range tc.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("openssl cms -print output lacks %q after the previous expectations:\n%s", w, out)
				}
				rest = rest[i+len(w):]
			}
			if strings.Contains(out, "cont [ 3 ]") {
				t.Errorf("PSS trailer field encoded; DER leaves out its default")
			}
			if !tc.opts.SigningTime && strings.Contains(out, "signingTime") {
				t.Errorf("signingTime present without being asked for")
			}
		})
	}
}

// TestSigningTime checks the signing-time attribute and its value.
func TestSigningTime(t *testing.T) {
	pki := newPKI(t)
	cred := pki.cred(t, pki.ecKey)
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	d := sum(crypto.SHA256, []byte("x"))
	sig, err := cms.SignDigest(context.Background(), d, cred, cms.Options{SigningTime: true, Time: at})
	if err != nil {
		t.Fatalf("SignDigest = %v", err)
	}
	p := checkCMS(t, sig, d, crypto.SHA256, pki.roots())
	if p.signingTime == nil || !p.signingTime.Equal(at) {
		t.Errorf("signing-time = %v, want %v", p.signingTime, at)
	}
	if v := p.signed[oidSigningTime.String()]; len(v) == 0 || v[0] != asn1.TagUTCTime {
		t.Errorf("signing-time is not a UTCTime: %x", v)
	}
}

// TestExtraAttributes adds a commitment-type-indication (a signed attribute
// a PAdES profile may ask for) and an unsigned attribute.
func TestExtraAttributes(t *testing.T) {
	pki := newPKI(t)
	cred := pki.cred(t, pki.rsaKey)
	oidCommitment := asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 16}
	type commitment struct{ ID asn1.ObjectIdentifier }
	proofOfApproval := commitment{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 6, 5}}
	oidUnsigned := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}
	content := []byte("Văn bản đi")
	sig, err := cms.SignDetached(context.Background(), bytes.NewReader(content), cred, cms.Options{
		PSS:                true,
		SignedAttributes:   []pkcs7.Attribute{{Type: oidCommitment, Value: proofOfApproval}},
		UnsignedAttributes: []pkcs7.Attribute{{Type: oidUnsigned, Value: "ghi chú"}},
	})
	if err != nil {
		t.Fatalf("SignDetached = %v", err)
	}
	p := checkCMS(t, sig, sum(crypto.SHA256, content), crypto.SHA256, pki.roots())
	want, _ := asn1.Marshal(proofOfApproval)
	if got := p.signed[oidCommitment.String()]; !bytes.Equal(got, want) {
		t.Errorf("commitment-type-indication = %x, want %x", got, want)
	}
	if _, ok := p.unsigned[oidUnsigned.String()]; !ok {
		t.Errorf("extra unsigned attribute missing")
	}
	opensslVerify(t, pki, sig, content)
}

// TestInvalid checks requests that must be refused before anything is
// signed.
func TestInvalid(t *testing.T) {
	pki := newPKI(t)
	ctx := context.Background()
	rsaCred := pki.cred(t, pki.rsaKey)
	ecCred := pki.cred(t, pki.ecKey)
	d256 := sum(crypto.SHA256, []byte("a"))
	d384 := sum(crypto.SHA384, []byte("a"))
	sign := func(cred model.Key, opts cms.Options) func() error {
		return func() error { _, err := cms.SignDigest(ctx, d256, cred, opts); return err }
	}
	batch := func(digests [][]byte, opts cms.Options) func() error {
		return func() error {
			_, err := cms.SignDigests(ctx, digests, rsaCred, &memBatch{Signer: pki.rsaKey}, opts)
			return err
		}
	}
	many := make([][]byte, cms.MaxBatch+1)
	for i := range many {
		many[i] = d256
	}
	otherKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for _, tc := range []struct {
		name    string
		call    func() error
		invalid bool   // wants ErrInvalid
		msg     string // the error must contain it
	}{
		{"PSS with ECDSA key/SignDigest", sign(ecCred, cms.Options{PSS: true}), true, "PSS"},
		{"PSS with ECDSA key/SignDetached", func() error {
			_, err := cms.SignDetached(ctx, strings.NewReader("a"), ecCred, cms.Options{PSS: true})
			return err
		}, true, "PSS"},
		{"PSS with ECDSA key/SignDigests", func() error {
			_, err := cms.SignDigests(ctx, [][]byte{d256}, ecCred, &memBatch{Signer: pki.ecKey}, cms.Options{PSS: true})
			return err
		}, true, "PSS"},
		{"SHA-384 digest for SHA-256", func() error { _, err := cms.SignDigest(ctx, d384, rsaCred, cms.Options{}); return err }, true, "48 bytes, want 32"},
		{"SHA-256 digest for SHA-384", func() error {
			_, err := cms.SignDigest(ctx, d256, rsaCred, cms.Options{Hash: crypto.SHA384})
			return err
		}, true, "32 bytes, want 48"},
		{"empty digest", func() error { _, err := cms.SignDigest(ctx, nil, rsaCred, cms.Options{}); return err }, true, "0 bytes"},
		{"batch item of wrong length", batch([][]byte{d256, d256, d384}, cms.Options{}), true, "item 2"},
		{"empty batch", batch(nil, cms.Options{}), true, "no digests"},
		{"oversized batch", batch(many, cms.Options{}), true, "1001 digests"},
		{"SHA-1", sign(rsaCred, cms.Options{Hash: crypto.SHA1}), true, "SHA-1"},
		{"reserved signed attribute", sign(rsaCred, cms.Options{SignedAttributes: []pkcs7.Attribute{{Type: oidSigningTime, Value: time.Now()}}}), true, "set by package cms"},
		{"repeated signed attribute", sign(rsaCred, cms.Options{SignedAttributes: []pkcs7.Attribute{
			{Type: asn1.ObjectIdentifier{1, 2, 3}, Value: 1}, {Type: asn1.ObjectIdentifier{1, 2, 3}, Value: 2},
		}}), true, "repeated"},
		{"reserved unsigned attribute", sign(rsaCred, cms.Options{UnsignedAttributes: []pkcs7.Attribute{{Type: oidTimeStampToken, Value: 1}}}), true, "set by package cms"},
		{"signer key is not the certificate's", sign(model.Key{Signer: otherKey, Cert: ecCred.Cert, Chain: ecCred.Chain}, cms.Options{}), false, "public key"},
		{"batch signer key is not the certificate's", func() error {
			_, err := cms.SignDigests(ctx, [][]byte{d256}, ecCred, &memBatch{Signer: otherKey}, cms.Options{})
			return err
		}, false, "public key"},
		{"no certificate", sign(model.Key{Signer: pki.rsaKey}, cms.Options{}), false, "no signer certificate"},
		{"chain out of order", sign(model.Key{Signer: pki.rsaKey, Cert: rsaCred.Cert, Chain: []*x509.Certificate{pki.root, pki.issuing}}, cms.Options{}), false, "not issued by"},
		{"certificate expired at signing time", sign(rsaCred, cms.Options{Time: rsaCred.Cert.NotAfter.Add(time.Minute)}), false, "not valid at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if err == nil || errors.Is(err, cms.ErrInvalid) != tc.invalid || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error = %v; want one containing %q, ErrInvalid %t", err, tc.msg, tc.invalid)
			}
		})
	}
}

// lyingSigner claims the certificate's key but signs with sign.
type lyingSigner struct {
	pub  crypto.PublicKey
	sign func(digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

func (s lyingSigner) Public() crypto.PublicKey { return s.pub }
func (s lyingSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.sign(digest, opts)
}

// TestTrustButVerify checks that a signer's bad answer is caught.
func TestTrustButVerify(t *testing.T) {
	pki := newPKI(t)
	ctx := context.Background()
	cred := pki.cred(t, pki.rsaKey)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	d := sum(crypto.SHA256, []byte("a"))
	for _, tc := range []struct {
		name string
		opts cms.Options
		sign func(digest []byte, opts crypto.SignerOpts) ([]byte, error)
	}{
		{"PKCS1v15 when asked for PSS", cms.Options{PSS: true}, func(digest []byte, opts crypto.SignerOpts) ([]byte, error) {
			return rsa.SignPKCS1v15(rand.Reader, pki.rsaKey, opts.HashFunc(), digest)
		}},
		{"PSS with another salt length", cms.Options{PSS: true}, func(digest []byte, opts crypto.SignerOpts) ([]byte, error) {
			return rsa.SignPSS(rand.Reader, pki.rsaKey, opts.HashFunc(), digest, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		}},
		{"another key", cms.Options{}, func(digest []byte, opts crypto.SignerOpts) ([]byte, error) {
			return other.Sign(rand.Reader, digest, opts)
		}},
		{"another digest", cms.Options{}, func(digest []byte, opts crypto.SignerOpts) ([]byte, error) {
			return pki.rsaKey.Sign(rand.Reader, d, opts)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			liar := lyingSigner{pub: pki.rsaKey.Public(), sign: tc.sign}
			c := cred
			c.Signer = liar
			_, err := cms.SignDigest(ctx, d, c, tc.opts)
			if !errors.Is(err, cms.ErrIntegrity) {
				t.Errorf("SignDigest = %v, want ErrIntegrity", err)
			}
			_, err = cms.SignDigests(ctx, [][]byte{d, d}, cred, &memBatch{Signer: liar}, tc.opts)
			if !errors.Is(err, cms.ErrIntegrity) || !strings.Contains(err.Error(), "item 0") {
				t.Errorf("SignDigests = %v, want ErrIntegrity for item 0", err)
			}
		})
	}
	t.Run("batch answer too short", func(t *testing.T) {
		_, err := cms.SignDigests(ctx, [][]byte{d, d, d}, cred, shortBatch{pki.rsaKey}, cms.Options{})
		if !errors.Is(err, cms.ErrIntegrity) {
			t.Errorf("SignDigests = %v, want ErrIntegrity", err)
		}
	})
	t.Run("one bad item in a batch", func(t *testing.T) {
		_, err := cms.SignDigests(ctx, [][]byte{d, d, d, d}, cred, corruptBatch{memBatch{Signer: pki.rsaKey}, 3}, cms.Options{})
		if !errors.Is(err, cms.ErrIntegrity) || !strings.Contains(err.Error(), "item 3") {
			t.Errorf("SignDigests = %v, want ErrIntegrity for item 3", err)
		}
	})
}

// vouchingSigner signs with sign and claims to verify what it returns
// (cms.SelfVerifying).
type vouchingSigner struct{ lyingSigner }

func (vouchingSigner) VerifiesOwnSignatures() bool { return true }

// vouchingBatch is a batch signer that claims to verify its signatures.
type vouchingBatch struct{ *memBatch }

func (vouchingBatch) VerifiesOwnSignatures() bool { return true }

// TestSelfVerifyingSigner checks what cms relies on from a signer that
// verifies its own signatures: only such a signer's signatures go
// unverified by cms, and only when its key is the certificate's. (The
// promise is kept by keys.Signer, whose own tests hold it to it; a PDF
// signature is read back and verified once more by pades.)
func TestSelfVerifyingSigner(t *testing.T) {
	pki := newPKI(t)
	ctx := context.Background()
	cred := pki.cred(t, pki.rsaKey)
	d := sum(crypto.SHA256, []byte("a"))
	bad := func(digest []byte, opts crypto.SignerOpts) ([]byte, error) {
		sig, err := pki.rsaKey.Sign(rand.Reader, digest, opts)
		if err == nil {
			sig[len(sig)-1] ^= 1
		}
		return sig, err
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}

	c := cred
	c.Signer = lyingSigner{pub: pki.rsaKey.Public(), sign: bad}
	if _, err := cms.SignDigest(ctx, d, c, cms.Options{}); !errors.Is(err, cms.ErrIntegrity) {
		t.Errorf("SignDigest with a signer that makes no promise = %v, want ErrIntegrity", err)
	}
	c.Signer = vouchingSigner{lyingSigner{pub: pki.rsaKey.Public(), sign: bad}}
	der, err := cms.SignDigest(ctx, d, c, cms.Options{})
	if err != nil {
		t.Fatalf("SignDigest with a self-verifying signer = %v; its signature is its own to check", err)
	}
	if tryOpenSSL(pki, der, []byte("a")) == nil {
		t.Error("openssl verifies the vouching signer's corrupted signature: the test signs nothing wrong")
	}
	if _, err := cms.SignDigests(ctx, [][]byte{d, d}, cred, &memBatch{Signer: c.Signer}, cms.Options{}); !errors.Is(err, cms.ErrIntegrity) {
		t.Errorf("SignDigests with a batch signer that makes no promise = %v, want ErrIntegrity", err)
	}
	if _, err := cms.SignDigests(ctx, [][]byte{d, d}, cred, vouchingBatch{&memBatch{Signer: c.Signer}}, cms.Options{}); err != nil {
		t.Errorf("SignDigests with a self-verifying batch signer = %v", err)
	}
	// A promise from a signer whose key is not the certificate's counts
	// for nothing: the signer is refused before it signs.
	c.Signer = vouchingSigner{lyingSigner{pub: other.Public(), sign: bad}}
	if _, err := cms.SignDigest(ctx, d, c, cms.Options{}); err == nil || !strings.Contains(err.Error(), "not the certificate's") {
		t.Errorf("SignDigest with another key's vouching signer = %v, want the key refused", err)
	}
}

// uncheckableSigner signs with sign and has an Unchecked view (as
// keys.Signer does), which counts its uses and signs with uncheckedSign.
type uncheckableSigner struct {
	lyingSigner
	uncheckedSign func(digest []byte, opts crypto.SignerOpts) ([]byte, error)
	unchecked     *int
}

func (s uncheckableSigner) Unchecked() crypto.Signer {
	return lyingSigner{pub: s.pub, sign: func(digest []byte, opts crypto.SignerOpts) ([]byte, error) {
		*s.unchecked++
		return s.uncheckedSign(digest, opts)
	}}
}

// TestCallerVerifies: when the caller verifies the signature itself
// (Options.CallerVerifies, pades' read-back check), cms signs through the
// signer's Unchecked view and does not verify the signature either, so
// that it is verified once; with a time-stamp to obtain, or in a batch,
// it still checks the signature first.
func TestCallerVerifies(t *testing.T) {
	pki := newPKI(t)
	ctx := context.Background()
	cred := pki.cred(t, pki.rsaKey)
	d := sum(crypto.SHA256, []byte("a"))
	good := func(digest []byte, opts crypto.SignerOpts) ([]byte, error) {
		return pki.rsaKey.Sign(rand.Reader, digest, opts)
	}
	bad := func(digest []byte, opts crypto.SignerOpts) ([]byte, error) {
		sig, err := good(digest, opts)
		if err == nil {
			sig[len(sig)-1] ^= 1
		}
		return sig, err
	}
	unchecked := 0
	c := cred
	c.Signer = uncheckableSigner{lyingSigner{pki.rsaKey.Public(), bad}, good, &unchecked}
	der, err := cms.SignDigest(ctx, d, c, cms.Options{CallerVerifies: true})
	if err != nil || unchecked != 1 {
		t.Fatalf("SignDigest(CallerVerifies) = %v, through Unchecked %d times; want the Unchecked view once", err, unchecked)
	}
	checkCMS(t, der, d, crypto.SHA256, pki.roots())
	if _, err := cms.SignDetached(ctx, bytes.NewReader([]byte("a")), c, cms.Options{CallerVerifies: true}); err != nil || unchecked != 2 {
		t.Errorf("SignDetached(CallerVerifies) = %v, through Unchecked %d times in all; want twice", err, unchecked)
	}
	// Without the option the signer itself signs, and cms checks it.
	if _, err := cms.SignDigest(ctx, d, c, cms.Options{}); !errors.Is(err, cms.ErrIntegrity) || unchecked != 2 {
		t.Errorf("SignDigest without CallerVerifies = %v (Unchecked %d times in all); want the signer's bad signature refused", err, unchecked)
	}

	// The signature is left for the caller to verify: cms does not.
	c.Signer = lyingSigner{pub: pki.rsaKey.Public(), sign: bad}
	if _, err := cms.SignDigest(ctx, d, c, cms.Options{CallerVerifies: true}); err != nil {
		t.Errorf("SignDigest(CallerVerifies) with a bad signature = %v; want it left to the caller", err)
	}
	// Not before a time-stamp is spent on it.
	tsa := &fakeTSA{err: errors.New("the time-stamper was asked")}
	if _, err := cms.SignDigest(ctx, d, c, cms.Options{CallerVerifies: true, Timestamper: tsa}); !errors.Is(err, cms.ErrIntegrity) {
		t.Errorf("SignDigest(CallerVerifies, Timestamper) with a bad signature = %v; want ErrIntegrity before any time-stamp", err)
	}
	// SignDigests does not take the option.
	if _, err := cms.SignDigests(ctx, [][]byte{d, d}, cred, &memBatch{Signer: c.Signer}, cms.Options{CallerVerifies: true}); !errors.Is(err, cms.ErrIntegrity) {
		t.Errorf("SignDigests(CallerVerifies) with bad signatures = %v, want ErrIntegrity", err)
	}
}

// shortBatch answers with one signature too few.
type shortBatch struct{ crypto.Signer }

func (b shortBatch) SignBatch(ctx context.Context, digests [][]byte, opts crypto.SignerOpts) ([][]byte, error) {
	m := &memBatch{Signer: b.Signer}
	sigs, err := m.SignBatch(ctx, digests, opts)
	return sigs[:len(sigs)-1], err
}

// corruptBatch flips a bit of the signature of item bad.
type corruptBatch struct {
	memBatch
	bad int
}

func (b corruptBatch) SignBatch(ctx context.Context, digests [][]byte, opts crypto.SignerOpts) ([][]byte, error) {
	sigs, err := b.memBatch.SignBatch(ctx, digests, opts)
	if err == nil {
		sigs[b.bad][10] ^= 1
	}
	return sigs, err
}

// fakeTSA makes real RFC 3161 tokens with digitorus/timestamp and records
// what it was asked to stamp. If imprint is set it stamps that instead.
type fakeTSA struct {
	cert    *x509.Certificate
	key     crypto.Signer
	imprint []byte
	err     error
	digests [][]byte
	tokens  [][]byte
}

func (f *fakeTSA) Timestamp(_ context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	if f.err != nil {
		return nil, f.err
	}
	f.digests = append(f.digests, bytes.Clone(digest))
	if f.imprint != nil {
		digest = f.imprint
	}
	ts := timestamp.Timestamp{
		HashAlgorithm:     h,
		HashedMessage:     digest,
		Time:              time.Now(),
		Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 2},
		AddTSACertificate: true,
	}
	resp, err := ts.CreateResponseWithOpts(f.cert, f.key, crypto.SHA256)
	if err != nil {
		return nil, err
	}
	parsed, err := timestamp.ParseResponse(resp)
	if err != nil {
		return nil, err
	}
	f.tokens = append(f.tokens, parsed.RawToken)
	return parsed.RawToken, nil
}

// TestTimestamper checks the signature time-stamp attribute: present, the
// very token the time-stamper returned, over the hash of the signature.
func TestTimestamper(t *testing.T) {
	pki := newPKI(t)
	ctx := context.Background()
	cred := pki.cred(t, pki.rsaKey)
	tsaKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tsaCert := pki.issue(t, tsaKey.Public(), "kyso test TSA")
	content := []byte("Phiếu lý lịch tư pháp")

	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384} {
		t.Run(fmt.Sprintf("SignDetached/PSS/%v", h), func(t *testing.T) {
			tsa := &fakeTSA{cert: tsaCert, key: tsaKey}
			sig, err := cms.SignDetached(ctx, bytes.NewReader(content), cred, cms.Options{PSS: true, Hash: h, Timestamper: tsa})
			if err != nil {
				t.Fatalf("SignDetached = %v", err)
			}
			checkTimestamp(t, pki, sig, sum(h, content), h, tsa, 0)
			opensslVerify(t, pki, sig, content)
		})
	}
	t.Run("SignDigests", func(t *testing.T) {
		tsa := &fakeTSA{cert: tsaCert, key: tsaKey}
		digests := [][]byte{sum(crypto.SHA256, []byte("1")), sum(crypto.SHA256, []byte("2")), sum(crypto.SHA256, []byte("3"))}
		sigs, err := cms.SignDigests(ctx, digests, cred, &memBatch{Signer: pki.rsaKey}, cms.Options{Timestamper: tsa})
		if err != nil {
			t.Fatalf("SignDigests = %v", err)
		}
		for i, sig := range sigs {
			checkTimestamp(t, pki, sig, digests[i], crypto.SHA256, tsa, i)
		}
	})
	t.Run("token over something else", func(t *testing.T) {
		tsa := &fakeTSA{cert: tsaCert, key: tsaKey, imprint: sum(crypto.SHA256, []byte("not the signature"))}
		_, err := cms.SignDetached(ctx, bytes.NewReader(content), cred, cms.Options{Timestamper: tsa})
		if !errors.Is(err, cms.ErrIntegrity) {
			t.Errorf("SignDetached = %v, want ErrIntegrity", err)
		}
	})
	t.Run("not a token", func(t *testing.T) {
		_, err := cms.SignDetached(ctx, bytes.NewReader(content), cred, cms.Options{Timestamper: constTSA([]byte{0x30, 0x03, 0x02, 0x01, 0x01})})
		if !errors.Is(err, cms.ErrIntegrity) {
			t.Errorf("SignDetached = %v, want ErrIntegrity", err)
		}
	})
	t.Run("time-stamper fails", func(t *testing.T) {
		tsaErr := errors.New("tsa down")
		_, err := cms.SignDetached(ctx, bytes.NewReader(content), cred, cms.Options{Timestamper: &fakeTSA{err: tsaErr}})
		if !errors.Is(err, tsaErr) {
			t.Errorf("SignDetached = %v, want it to wrap %v", err, tsaErr)
		}
	})
}

type constTSA []byte

func (c constTSA) Timestamp(context.Context, []byte, crypto.Hash) ([]byte, error) { return c, nil }

// checkTimestamp checks the time-stamp attribute of sig against the i-th
// call to tsa.
func checkTimestamp(t *testing.T, pki *testPKI, sig, messageDigest []byte, h crypto.Hash, tsa *fakeTSA, i int) {
	t.Helper()
	p := checkCMS(t, sig, messageDigest, h, pki.roots())
	tok, ok := p.unsigned[oidTimeStampToken.String()]
	if !ok {
		t.Fatalf("no signature time-stamp attribute")
	}
	if !bytes.Equal(tok, tsa.tokens[i]) {
		t.Errorf("time-stamp attribute is not the token the time-stamper returned")
	}
	want := sum(h, p.signature)
	if !bytes.Equal(tsa.digests[i], want) {
		t.Errorf("time-stamper asked for %x, want the %v of the signature value %x", tsa.digests[i], h, want)
	}
	ts, err := timestamp.Parse(tok)
	if err != nil {
		t.Fatalf("timestamp.Parse = %v", err)
	}
	if !bytes.Equal(ts.HashedMessage, want) || ts.HashAlgorithm != h {
		t.Errorf("token imprint = %v %x, want %v %x", ts.HashAlgorithm, ts.HashedMessage, h, want)
	}
}

// genReader yields n pseudo-random-looking bytes without holding them.
type genReader struct {
	n, off int64
}

func (g *genReader) Read(b []byte) (int, error) {
	if g.off >= g.n {
		return 0, io.EOF
	}
	if rem := g.n - g.off; int64(len(b)) > rem {
		b = b[:rem]
	}
	for i := range b {
		x := g.off + int64(i)
		b[i] = byte(x ^ x>>8 ^ x>>16)
	}
	g.off += int64(len(b))
	return len(b), nil
}

// TestSignDetachedStreams signs 64 MiB of content and checks that far less
// than that was allocated: the content is streamed through the hash.
func TestSignDetachedStreams(t *testing.T) {
	pki := newPKI(t)
	cred := pki.cred(t, pki.ecKey)
	const size = 64 << 20
	want := crypto.SHA256.New()
	io.Copy(want, &genReader{n: size})

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sig, err := cms.SignDetached(context.Background(), &genReader{n: size}, cred, cms.Options{})
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("SignDetached = %v", err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("SignDetached of %d MiB allocated %d KiB", size>>20, alloc>>10)
	if alloc > 4<<20 {
		t.Errorf("SignDetached of %d bytes allocated %d bytes, want under 4 MiB", size, alloc)
	}
	checkCMS(t, sig, want.Sum(nil), crypto.SHA256, pki.roots())
}

// TestCanceled checks that a done context stops signing.
func TestCanceled(t *testing.T) {
	pki := newPKI(t)
	cred := pki.cred(t, pki.rsaKey)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := cms.SignDetached(ctx, strings.NewReader("a"), cred, cms.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("SignDetached = %v, want context.Canceled", err)
	}
	bs := &memBatch{Signer: pki.rsaKey}
	if _, err := cms.SignDigests(ctx, [][]byte{sum(crypto.SHA256, nil)}, cred, bs, cms.Options{}); !errors.Is(err, context.Canceled) || bs.calls != 0 {
		t.Errorf("SignDigests = %v after %d SignBatch calls, want context.Canceled before any", err, bs.calls)
	}
}

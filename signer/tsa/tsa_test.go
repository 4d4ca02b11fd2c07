package tsa_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"io"
	"math/big"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/tsa"
)

var (
	oidMD5      = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	oidSHA1     = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSHA3_256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 8}

	oidSigningTime          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
)

// imprintRequest is a v1 request over digest with NULL hash parameters.
func imprintRequest(oid asn1.ObjectIdentifier, digest []byte) request {
	var r request
	r.Version = 1
	r.MessageImprint.HashAlgorithm = pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.NullRawValue}
	r.MessageImprint.HashedMessage = digest
	return r
}

func sum256(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }
func sum384(s string) []byte { h := sha512.Sum384([]byte(s)); return h[:] }
func sum512(s string) []byte { h := sha512.Sum512([]byte(s)); return h[:] }

// TestRespond runs requests through Respond and checks the answer: a token
// with the expected contents, or a rejection with one failInfo bit.
func TestRespond(t *testing.T) {
	f := newFixture(t, tsa.Config{})
	nonce := new(big.Int).SetBytes([]byte{0x8f, 1, 2, 3, 4, 5, 6, 7, 8, 9})

	with := func(r request, edit func(*request)) request { edit(&r); return r }
	good := with(imprintRequest(oidSHA256, sum256("văn bản")), func(r *request) { r.Nonce = nonce; r.CertReq = true })
	tooBig := bytes.Repeat([]byte{0}, tsa.MaxRequestSize+1)

	for _, tc := range []struct {
		name     string
		req      []byte
		wantFail timestamp.FailureInfo // UnknownFailureInfo: granted
		wantHash crypto.Hash           // digest algorithm of the token
	}{
		{"good", good.der(t), timestamp.UnknownFailureInfo, crypto.SHA256},
		{"no nonce", with(good, func(r *request) { r.Nonce = nil }).der(t), timestamp.UnknownFailureInfo, crypto.SHA256},
		{"negative nonce", with(good, func(r *request) { r.Nonce = big.NewInt(-42) }).der(t), timestamp.UnknownFailureInfo, crypto.SHA256},
		{"certReq false", with(good, func(r *request) { r.CertReq = false }).der(t), timestamp.UnknownFailureInfo, crypto.SHA256},
		{"sha384", imprintRequest(oidSHA384, sum384("x")).der(t), timestamp.UnknownFailureInfo, crypto.SHA384},
		{"sha512", imprintRequest(oidSHA512, sum512("x")).der(t), timestamp.UnknownFailureInfo, crypto.SHA512},
		{"absent hash parameters", with(good, func(r *request) { r.MessageImprint.HashAlgorithm.Parameters = asn1.RawValue{} }).der(t), timestamp.UnknownFailureInfo, crypto.SHA256},
		{"our policy", with(good, func(r *request) { r.ReqPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 1, 10} }).der(t), timestamp.UnknownFailureInfo, crypto.SHA256},

		{"sha1", imprintRequest(oidSHA1, make([]byte, 20)).der(t), timestamp.BadAlgorithm, 0},
		{"md5", imprintRequest(oidMD5, make([]byte, 16)).der(t), timestamp.BadAlgorithm, 0},
		{"sha3-256", imprintRequest(oidSHA3_256, make([]byte, 32)).der(t), timestamp.BadAlgorithm, 0},
		{"short imprint", imprintRequest(oidSHA256, make([]byte, 20)).der(t), timestamp.BadDataFormat, 0},
		{"long imprint", imprintRequest(oidSHA256, make([]byte, 64)).der(t), timestamp.BadDataFormat, 0},
		{"sha512 length under sha384", imprintRequest(oidSHA384, make([]byte, 64)).der(t), timestamp.BadDataFormat, 0},
		{"empty imprint", imprintRequest(oidSHA256, nil).der(t), timestamp.BadDataFormat, 0},
		{"hash parameters", with(good, func(r *request) {
			r.MessageImprint.HashAlgorithm.Parameters = asn1.RawValue{Tag: asn1.TagInteger, Bytes: []byte{1}}
		}).der(t), timestamp.BadDataFormat, 0},
		{"version 2", with(good, func(r *request) { r.Version = 2 }).der(t), timestamp.BadDataFormat, 0},
		{"garbage", []byte("this is not a time-stamp request"), timestamp.BadDataFormat, 0},
		{"empty", nil, timestamp.BadDataFormat, 0},
		{"truncated", good.der(t)[:20], timestamp.BadDataFormat, 0},
		{"trailing data", append(good.der(t), 0), timestamp.BadDataFormat, 0},
		{"too big", tooBig, timestamp.BadDataFormat, 0},
		{"other policy", with(good, func(r *request) { r.ReqPolicy = asn1.ObjectIdentifier{1, 2, 3, 4} }).der(t), timestamp.UnacceptedPolicy, 0},
		{"extension", with(good, func(r *request) {
			r.Extensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 2, 3}, Value: []byte{5, 0}}}
		}).der(t), timestamp.UnacceptedExtension, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := f.auth.Respond(context.Background(), tc.req)
			if err != nil {
				t.Fatalf("Respond() error = %v, want a TimeStampResp", err)
			}
			r := decodeResp(t, resp)
			if tc.wantFail != timestamp.UnknownFailureInfo {
				checkRejection(t, r, tc.wantFail)
				return
			}
			if r.Status.Status != int(timestamp.Granted) {
				t.Fatalf("status = %d %q, want granted", r.Status.Status, r.Status.StatusString)
			}
			var req request
			if _, err := asn1.Unmarshal(tc.req, &req); err != nil {
				t.Fatal(err)
			}
			checkToken(t, f, r.Token.FullBytes, tc.req, req, tc.wantHash)
		})
	}
}

// checkRejection checks a rejection with exactly the bit want set, in DER.
func checkRejection(t *testing.T, r *tsResp, want timestamp.FailureInfo) {
	t.Helper()
	if r.Status.Status != int(timestamp.Rejection) {
		t.Fatalf("status = %d, want rejection (%d)", r.Status.Status, timestamp.Rejection)
	}
	if len(r.Token.FullBytes) != 0 {
		t.Errorf("rejection carries a token")
	}
	fi := r.Status.FailInfo
	if fi.At(int(want)) != 1 || fi.BitLength != int(want)+1 {
		t.Errorf("failInfo = %x/%d bits, want only bit %d (%v), DER-trimmed", fi.Bytes, fi.BitLength, want, want)
	}
	for i := 0; i < fi.BitLength; i++ {
		if i != int(want) && fi.At(i) == 1 {
			t.Errorf("failInfo has extra bit %d", i)
		}
	}
	if len(r.Status.StatusString) != 1 || r.Status.StatusString[0] == "" {
		t.Errorf("statusString = %q, want one text", r.Status.StatusString)
	}
}

// tstInfoHead is the start of a TSTInfo, kept raw to compare with the request.
type tstInfoHead struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint asn1.RawValue
	SerialNumber   *big.Int
	GenTime        asn1.RawValue
}

// checkToken checks a granted token against the request that asked for it.
func checkToken(t *testing.T, f *fixture, token, reqDER []byte, req request, wantHash crypto.Hash) {
	t.Helper()
	ts, err := timestamp.Parse(token)
	if err != nil {
		t.Fatalf("timestamp.Parse(token) = %v", err)
	}
	if !bytes.Equal(ts.HashedMessage, req.MessageImprint.HashedMessage) {
		t.Errorf("imprint = %x, want %x", ts.HashedMessage, req.MessageImprint.HashedMessage)
	}
	if (ts.Nonce == nil) != (req.Nonce == nil) || ts.Nonce != nil && ts.Nonce.Cmp(req.Nonce) != 0 {
		t.Errorf("nonce = %v, want %v", ts.Nonce, req.Nonce)
	}
	if got := ts.Policy.String(); got != tsa.DefaultPolicy {
		t.Errorf("policy = %s, want %s", got, tsa.DefaultPolicy)
	}
	if ts.Accuracy != time.Second {
		t.Errorf("accuracy = %v, want 1s", ts.Accuracy)
	}
	if want := f.clock.Now().UTC().Truncate(time.Millisecond); !ts.Time.Equal(want) {
		t.Errorf("genTime = %v, want %v", ts.Time, want)
	}
	if ts.SerialNumber.Sign() <= 0 || ts.SerialNumber.BitLen() > 160 {
		t.Errorf("serial = %v, want positive and at most 160 bits (RFC 3161, 2.4.2)", ts.SerialNumber)
	}
	if ts.Ordering {
		t.Error("ordering = true")
	}
	var wantCerts []*x509.Certificate
	if req.CertReq {
		wantCerts = []*x509.Certificate{f.cert}
	}
	if !slices.EqualFunc(ts.Certificates, wantCerts, (*x509.Certificate).Equal) {
		t.Errorf("token carries %d certificates, want %d", len(ts.Certificates), len(wantCerts))
	}

	// The raw TSTInfo: the imprint is the request's byte for byte, genTime
	// is UTC with fractional seconds and no trailing zeros.
	p7, err := pkcs7.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	var head tstInfoHead
	if _, err := asn1.Unmarshal(p7.Content, &head); err != nil {
		t.Fatal(err)
	}
	var reqHead struct {
		Version        int
		MessageImprint asn1.RawValue
	}
	if _, err := asn1.Unmarshal(reqDER, &reqHead); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(head.MessageImprint.FullBytes, reqHead.MessageImprint.FullBytes) {
		t.Errorf("token imprint %x, want the request's %x", head.MessageImprint.FullBytes, reqHead.MessageImprint.FullBytes)
	}
	if g := string(head.GenTime.Bytes); head.GenTime.Tag != asn1.TagGeneralizedTime || !strings.HasSuffix(g, "Z") || strings.HasSuffix(g, "0Z") || strings.HasSuffix(g, ".Z") {
		t.Errorf("genTime encoding %q (tag %d), want GeneralizedTime in Z without trailing zeros", g, head.GenTime.Tag)
	}

	// Signed by the TSA key over the expected digest, with ESSCertIDv2 and
	// no signing-time.
	p7.Certificates = []*x509.Certificate{f.cert}
	if err := p7.Verify(); err != nil {
		t.Errorf("token signature does not verify: %v", err)
	}
	if got := p7.Signers[0].DigestAlgorithm.Algorithm; !got.Equal(hashOIDFor(wantHash)) {
		t.Errorf("token digest algorithm = %v, want %v", got, wantHash)
	}
	var st time.Time
	if err := p7.UnmarshalSignedAttribute(oidSigningTime, &st); err == nil {
		t.Errorf("token has a signing-time attribute (%v)", st)
	}
	var scv2 struct {
		Certs []struct {
			CertHash     []byte
			IssuerSerial struct {
				Issuer []asn1.RawValue
				Serial *big.Int
			}
		}
	}
	if err := p7.UnmarshalSignedAttribute(oidSigningCertificateV2, &scv2); err != nil {
		t.Fatalf("signing-certificate-v2: %v", err)
	}
	certHash := sha256.Sum256(f.cert.Raw)
	if len(scv2.Certs) != 1 || !bytes.Equal(scv2.Certs[0].CertHash, certHash[:]) ||
		scv2.Certs[0].IssuerSerial.Serial.Cmp(f.cert.SerialNumber) != 0 ||
		len(scv2.Certs[0].IssuerSerial.Issuer) != 1 || !bytes.Equal(scv2.Certs[0].IssuerSerial.Issuer[0].Bytes, f.cert.RawIssuer) {
		t.Errorf("signing-certificate-v2 does not name the TSA certificate")
	}
}

func hashOIDFor(h crypto.Hash) asn1.ObjectIdentifier {
	switch h {
	case crypto.SHA256:
		return oidSHA256
	case crypto.SHA384:
		return oidSHA384
	case crypto.SHA512:
		return oidSHA512
	}
	return nil
}

// TestRespondSerialsMonotonic stamps 1000 times with a clock that stands
// still, moves and steps back: serials must strictly increase.
func TestRespondSerialsMonotonic(t *testing.T) {
	f := newFixture(t, tsa.Config{})
	req := imprintRequest(oidSHA256, sum256("serial")).der(t)
	start := f.clock.Now()
	var prev *big.Int
	for i := range 1000 {
		switch {
		case i%100 == 50:
			f.clock.Set(start.Add(-time.Duration(i) * time.Millisecond)) // step back
		case i%10 == 0:
			f.clock.Set(start.Add(time.Duration(i) * time.Microsecond))
		}
		resp, err := f.auth.Respond(context.Background(), req)
		if err != nil {
			t.Fatalf("Respond #%d: %v", i, err)
		}
		ts, err := timestamp.ParseResponse(resp)
		if err != nil {
			t.Fatalf("ParseResponse #%d: %v", i, err)
		}
		if ts.SerialNumber.BitLen() > 160 {
			t.Fatalf("serial #%d has %d bits", i, ts.SerialNumber.BitLen())
		}
		if prev != nil && ts.SerialNumber.Cmp(prev) <= 0 {
			t.Fatalf("serial #%d = %x, not above previous %x", i, ts.SerialNumber, prev)
		}
		prev = ts.SerialNumber
	}
}

// TestSerialsAcrossNodes checks that two Authorities (two kyso nodes, or one
// before and after a restart) with the same key and clock never issue the
// same serial, and that serials still sort by time.
func TestSerialsAcrossNodes(t *testing.T) {
	f := newFixture(t, tsa.Config{})
	other, err := tsa.New(tsa.Config{Now: f.clock.Now}, model.Key{Signer: f.key, Cert: f.cert})
	if err != nil {
		t.Fatal(err)
	}
	digest := sum256("nodes")
	serial := func(a *tsa.Authority) *big.Int {
		tok, err := a.Timestamp(context.Background(), digest, crypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		ts, err := timestamp.Parse(tok)
		if err != nil {
			t.Fatal(err)
		}
		return ts.SerialNumber
	}
	seen := map[string]bool{}
	for i := range 50 {
		for _, a := range []*tsa.Authority{f.auth, other} {
			s := serial(a)
			if seen[s.String()] {
				t.Fatalf("serial %x issued twice", s)
			}
			seen[s.String()] = true
		}
		if i == 25 {
			f.clock.Set(f.clock.Now().Add(time.Millisecond))
		}
	}
	before := serial(other)
	f.clock.Set(f.clock.Now().Add(time.Microsecond))
	if after := serial(f.auth); after.Cmp(before) <= 0 {
		t.Errorf("serial a microsecond later on another node = %x, not above %x", after, before)
	}
}

// TestTimestamp checks in-process stamping and its argument errors.
func TestTimestamp(t *testing.T) {
	f := newFixture(t, tsa.Config{})
	for _, tc := range []struct {
		name    string
		digest  []byte
		hash    crypto.Hash
		wantErr error
	}{
		{"sha256", sum256("a"), crypto.SHA256, nil},
		{"sha384", sum384("a"), crypto.SHA384, nil},
		{"sha512", sum512("a"), crypto.SHA512, nil},
		{"sha1", make([]byte, 20), crypto.SHA1, tsa.ErrInvalid},
		{"unknown hash", make([]byte, 32), crypto.Hash(0), tsa.ErrInvalid},
		{"short digest", make([]byte, 31), crypto.SHA256, tsa.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok, err := f.auth.Timestamp(context.Background(), tc.digest, tc.hash)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Timestamp(%v) = %v, want %v", tc.hash, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Timestamp(%v) = %v", tc.hash, err)
			}
			req := imprintRequest(hashOIDFor(tc.hash), tc.digest)
			req.CertReq = true // Timestamp always carries the certificate
			checkToken(t, f, tok, req.der(t), req, tc.hash)
		})
	}
}

// TestConfig checks defaults and the configured policy and accuracy.
func TestConfig(t *testing.T) {
	f := newFixture(t, tsa.Config{Policy: "1.2.3.4.5", Accuracy: 1500*time.Millisecond + 1})
	tok, err := f.auth.Timestamp(context.Background(), sum256("c"), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := timestamp.Parse(tok)
	if err != nil {
		t.Fatal(err)
	}
	if ts.Policy.String() != "1.2.3.4.5" {
		t.Errorf("policy = %v, want 1.2.3.4.5", ts.Policy)
	}
	if want := 1500*time.Millisecond + time.Microsecond; ts.Accuracy != want {
		t.Errorf("accuracy = %v, want %v (rounded up to a microsecond)", ts.Accuracy, want)
	}
	if f.auth.Certificate() != f.cert {
		t.Error("Certificate() is not the TSA certificate")
	}
	resp, err := f.auth.Respond(context.Background(), func() []byte {
		r := imprintRequest(oidSHA256, sum256("c"))
		r.ReqPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 1, 10} // the default, not ours
		return r.der(t)
	}())
	if err != nil {
		t.Fatal(err)
	}
	checkRejection(t, decodeResp(t, resp), timestamp.UnacceptedPolicy)

	// Sub-second accuracy gives microsecond genTime.
	c := &clock{t: time.Now().Truncate(time.Second).Add(123456789)}
	a, err := tsa.New(tsa.Config{Accuracy: 10 * time.Millisecond, Now: c.Now}, model.Key{Signer: f.key, Cert: f.cert})
	if err != nil {
		t.Fatal(err)
	}
	tok, err = a.Timestamp(context.Background(), sum256("c"), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if ts, err = timestamp.Parse(tok); err != nil {
		t.Fatal(err)
	}
	if want := c.Now().UTC().Truncate(time.Microsecond); !ts.Time.Equal(want) || ts.Accuracy != 10*time.Millisecond {
		t.Errorf("genTime = %v ± %v, want %v ± 10ms", ts.Time, ts.Accuracy, want)
	}
}

// TestNewRefuses checks the certificate, key and config checks of New.
func TestNewRefuses(t *testing.T) {
	ca := newTestCA(t, "kyso test root")
	other := newTestCA(t, "another root")
	key := newTestKey(t)
	good := ca.issueTSA(t, key.Public(), nil)
	if _, err := tsa.New(tsa.Config{}, model.Key{Signer: key, Cert: good, Chain: []*x509.Certificate{ca.Cert}}); err != nil {
		t.Fatalf("New(good certificate, chain) = %v", err)
	}
	issue := func(edit func(*x509.Certificate)) *x509.Certificate { return ca.issueTSA(t, key.Public(), edit) }
	for _, tc := range []struct {
		name    string
		cfg     tsa.Config
		signer  crypto.Signer
		cert    *x509.Certificate
		chain   []*x509.Certificate
		wantErr error
	}{
		{"non-critical EKU", tsa.Config{}, key, issue(func(c *x509.Certificate) {
			c.ExtraExtensions = []pkix.Extension{ekuExtension(t, false, oidKPTimeStamping)}
		}), nil, tsa.ErrCertificate},
		{"extra EKU", tsa.Config{}, key, issue(func(c *x509.Certificate) {
			c.ExtraExtensions = []pkix.Extension{ekuExtension(t, true, oidKPTimeStamping, oidKPCodeSigning)}
		}), nil, tsa.ErrCertificate},
		{"unknown extra EKU", tsa.Config{}, key, issue(func(c *x509.Certificate) {
			c.ExtraExtensions = []pkix.Extension{ekuExtension(t, true, oidKPTimeStamping, asn1.ObjectIdentifier{1, 2, 3, 4})}
		}), nil, tsa.ErrCertificate},
		{"wrong EKU", tsa.Config{}, key, issue(func(c *x509.Certificate) {
			c.ExtraExtensions = []pkix.Extension{ekuExtension(t, true, oidKPCodeSigning)}
		}), nil, tsa.ErrCertificate},
		{"no EKU", tsa.Config{}, key, issue(func(c *x509.Certificate) { c.ExtraExtensions = nil }), nil, tsa.ErrCertificate},
		{"no digitalSignature", tsa.Config{}, key, issue(func(c *x509.Certificate) {
			c.KeyUsage = x509.KeyUsageContentCommitment
		}), nil, tsa.ErrCertificate},
		{"keyEncipherment", tsa.Config{}, key, issue(func(c *x509.Certificate) {
			c.KeyUsage |= x509.KeyUsageKeyEncipherment
		}), nil, tsa.ErrCertificate},
		{"CA certificate", tsa.Config{}, key, issue(func(c *x509.Certificate) {
			c.IsCA = true
		}), nil, tsa.ErrCertificate},
		{"expired", tsa.Config{}, key, issue(func(c *x509.Certificate) {
			c.NotBefore, c.NotAfter = time.Now().Add(-2*time.Hour), time.Now().Add(-time.Hour)
		}), nil, tsa.ErrCertificate},
		{"chain of another CA", tsa.Config{}, key, good, []*x509.Certificate{other.Cert}, tsa.ErrCertificate},
		{"key mismatch", tsa.Config{}, newTestKey(t), good, nil, tsa.ErrKeyMismatch},
		{"nil signer", tsa.Config{}, nil, good, nil, tsa.ErrInvalid},
		{"nil certificate", tsa.Config{}, key, nil, nil, tsa.ErrInvalid},
		{"bad policy", tsa.Config{Policy: "not.an.oid"}, key, good, nil, tsa.ErrInvalid},
		{"negative accuracy", tsa.Config{Accuracy: -time.Second}, key, good, nil, tsa.ErrInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tsa.New(tc.cfg, model.Key{Signer: tc.signer, Cert: tc.cert, Chain: tc.chain})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("New() = %v, %v; want %v", a, err, tc.wantErr)
			}
		})
	}
}

// faultySigner returns a broken signature, or an error, on cue: fault
// paths a real signer cannot be made to show.
type faultySigner struct {
	crypto.Signer
	corrupt bool
	err     error
}

func (s *faultySigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	sig, err := s.Signer.Sign(r, digest, opts)
	if err == nil && s.corrupt {
		sig[len(sig)/2] ^= 1
	}
	return sig, err
}

// ctxSigner records the context it was asked to sign under.
type ctxSigner struct {
	crypto.Signer
	got context.Context
}

func (s *ctxSigner) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	s.got = ctx
	return s.Signer.Sign(nil, digest, opts)
}

type ctxKey struct{}

// TestSignerFaults checks trust-but-verify and error propagation.
func TestSignerFaults(t *testing.T) {
	ca := newTestCA(t, "kyso test root")
	key := newTestKey(t)
	cert := ca.issueTSA(t, key.Public(), nil)
	req := imprintRequest(oidSHA256, sum256("fault")).der(t)
	errVault := errors.New("vault sealed")

	for _, tc := range []struct {
		name    string
		signer  *faultySigner
		wantErr error
	}{
		{"corrupt signature", &faultySigner{Signer: key, corrupt: true}, tsa.ErrIntegrity},
		{"signer error", &faultySigner{Signer: key, err: errVault}, errVault},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := tsa.New(tsa.Config{}, model.Key{Signer: tc.signer, Cert: cert})
			if err != nil {
				t.Fatal(err)
			}
			if resp, err := a.Respond(context.Background(), req); !errors.Is(err, tc.wantErr) || resp != nil {
				t.Errorf("Respond() = %d bytes, %v; want nil, %v", len(resp), err, tc.wantErr)
			}
			if tok, err := a.Timestamp(context.Background(), sum256("fault"), crypto.SHA256); !errors.Is(err, tc.wantErr) || tok != nil {
				t.Errorf("Timestamp() = %d bytes, %v; want nil, %v", len(tok), err, tc.wantErr)
			}
		})
	}

	t.Run("context", func(t *testing.T) {
		s := &ctxSigner{Signer: key}
		a, err := tsa.New(tsa.Config{}, model.Key{Signer: s, Cert: cert})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.WithValue(context.Background(), ctxKey{}, "request")
		if _, err := a.Respond(ctx, req); err != nil {
			t.Fatal(err)
		}
		if s.got == nil || s.got.Value(ctxKey{}) != "request" {
			t.Error("SignContext did not get the request's context")
		}
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := a.Respond(cancelled, req); !errors.Is(err, context.Canceled) {
			t.Errorf("Respond(cancelled) = %v, want context.Canceled", err)
		}
	})

	t.Run("certificate expired since New", func(t *testing.T) {
		c := &clock{t: time.Now()}
		a, err := tsa.New(tsa.Config{Now: c.Now}, model.Key{Signer: key, Cert: cert})
		if err != nil {
			t.Fatal(err)
		}
		c.Set(cert.NotAfter.Add(time.Second))
		if _, err := a.Respond(context.Background(), req); !errors.Is(err, tsa.ErrCertificate) {
			t.Errorf("Respond() after NotAfter = %v, want ErrCertificate", err)
		}
	})
}

// TestConcurrentSerials stamps from several goroutines at once (run it with
// -race): every serial is unique.
func TestConcurrentSerials(t *testing.T) {
	f := newFixture(t, tsa.Config{})
	const workers, each = 8, 50
	results := make(chan *big.Int, workers*each)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				tok, err := f.auth.Timestamp(context.Background(), sum256("concurrent"), crypto.SHA256)
				if err != nil {
					errs <- err
					return
				}
				ts, err := timestamp.Parse(tok)
				if err != nil {
					errs <- err
					return
				}
				results <- ts.SerialNumber
			}
		}()
	}
	wg.Wait()
	close(results)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for s := range results {
		if seen[s.String()] {
			t.Fatalf("serial %x issued twice", s)
		}
		seen[s.String()] = true
	}
	if len(seen) != workers*each {
		t.Fatalf("%d serials, want %d", len(seen), workers*each)
	}
}

package tsa_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"sort"
	"sync"
	"testing"
	"time"

	zx509 "github.com/zmap/zcrypto/x509"
	"github.com/zmap/zlint/v3"
	"github.com/zmap/zlint/v3/lint"

	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/tsa"
)

var (
	oidExtKeyUsage    = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidKPTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidKPCodeSigning  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 3}
)

// testCA is a self-signed root made for one test, with an in-memory key.
type testCA struct{ *testpki.CA }

// newTestKey returns an in-memory P-256 key: unit tests only.
func newTestKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newTestCA(t testing.TB, name string) *testCA {
	t.Helper()
	ca, err := testpki.NewRoot(newTestKey(t), pkix.Name{CommonName: name, Organization: []string{"kyso test"}, Country: []string{"VN"}})
	if err != nil {
		t.Fatal(err)
	}
	lintCert(t, ca.Cert.Raw)
	return &testCA{ca}
}

// ekuExtension is an extended key usage extension with the given purposes.
func ekuExtension(t testing.TB, critical bool, purposes ...asn1.ObjectIdentifier) pkix.Extension {
	t.Helper()
	v, err := asn1.Marshal(purposes)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: oidExtKeyUsage, Critical: critical, Value: v}
}

// issueTSA issues a TSA certificate for pub: critical EKU id-kp-timeStamping
// only, key usage digitalSignature (RFC 3161, 2.3). edit, if not nil, changes
// the template first, to make unfit certificates.
func (ca *testCA) issueTSA(t testing.TB, pub crypto.PublicKey, edit func(*x509.Certificate)) *x509.Certificate {
	t.Helper()
	now := time.Now()
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: "kyso test TSA", Organization: []string{"kyso test"}, Country: []string{"VN"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(12 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtraExtensions:       []pkix.Extension{ekuExtension(t, true, oidKPTimeStamping)},
		BasicConstraintsValid: true,
	}
	if edit != nil {
		edit(tmpl)
	}
	cert, err := ca.Issue(tmpl, pub)
	if err != nil {
		t.Fatal(err)
	}
	if edit == nil {
		lintCert(t, cert.Raw)
	}
	return cert
}

var (
	lintOnce     sync.Once
	lintRegistry lint.Registry
)

// lintCert fails the test on an error-level zlint finding from the RFC rule
// sets (the CA/Browser Forum's TLS and S/MIME rules do not govern a TSA).
func lintCert(t testing.TB, der []byte) {
	t.Helper()
	lintOnce.Do(func() {
		reg, err := lint.GlobalRegistry().Filter(lint.FilterOptions{
			IncludeSources: lint.SourceList{lint.RFC3279, lint.RFC5280, lint.RFC5480, lint.RFC5891, lint.RFC8813},
		})
		if err != nil {
			panic(err) // constant filter
		}
		lintRegistry = reg
	})
	c, err := zx509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("zlint cannot parse certificate: %v", err)
	}
	var bad []string
	for name, r := range zlint.LintCertificateEx(c, lintRegistry).Results {
		if r.Status == lint.Error || r.Status == lint.Fatal {
			bad = append(bad, name+" "+r.Details)
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		t.Fatalf("zlint findings: %v", bad)
	}
}

// fixture is an Authority on an in-memory key under a fresh test CA.
type fixture struct {
	ca    *testCA
	key   crypto.Signer
	cert  *x509.Certificate
	auth  *tsa.Authority
	clock *clock
}

func newFixture(t testing.TB, cfg tsa.Config) *fixture {
	t.Helper()
	ca := newTestCA(t, "kyso test root")
	key := newTestKey(t)
	cert := ca.issueTSA(t, key.Public(), nil)
	c := &clock{t: time.Now().Truncate(time.Second).Add(123456789 * time.Nanosecond)}
	if cfg.Now == nil {
		cfg.Now = c.Now
	}
	a, err := tsa.New(cfg, model.Key{Signer: key, Cert: cert})
	if err != nil {
		t.Fatalf("New() = %v", err)
	}
	return &fixture{ca: ca, key: key, cert: cert, auth: a, clock: c}
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// tsResp decodes any TimeStampResp, granted or not (RFC 3161, 2.4.2).
type tsResp struct {
	Status struct {
		Status       int
		StatusString []string       `asn1:"optional,utf8"`
		FailInfo     asn1.BitString `asn1:"optional"`
	}
	Token asn1.RawValue `asn1:"optional"`
}

// decodeResp decodes a TimeStampResp strictly: no trailing bytes, and the
// encoding must be DER (re-encoding gives the same bytes).
func decodeResp(t testing.TB, der []byte) *tsResp {
	t.Helper()
	var r tsResp
	rest, err := asn1.Unmarshal(der, &r)
	if err != nil {
		t.Fatalf("TimeStampResp does not decode: %v (%x)", err, der)
	}
	if len(rest) > 0 {
		t.Fatalf("TimeStampResp has %d trailing bytes", len(rest))
	}
	return &r
}

// request builds a DER TimeStampReq (RFC 3161, 2.4.1) field by field, so
// tests can send what digitorus/timestamp would not.
type request struct {
	Version        int
	MessageImprint struct {
		HashAlgorithm pkix.AlgorithmIdentifier
		HashedMessage []byte
	}
	ReqPolicy  asn1.ObjectIdentifier `asn1:"optional"`
	Nonce      *big.Int              `asn1:"optional"`
	CertReq    bool                  `asn1:"optional"`
	Extensions []pkix.Extension      `asn1:"tag:0,optional"`
}

func (r request) der(t testing.TB) []byte {
	t.Helper()
	b, err := asn1.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

package verifier

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"os"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/signer/tsa"
)

// testPKI is an in-memory CA for the tests: a root, an issuing CA, signers,
// a time-stamp authority, and the OCSP responses and CRLs of the CA.
type testPKI struct {
	root, ca       *x509.Certificate
	rootKey, caKey crypto.Signer
	// official is an RSA-2048 civil servant with a CCCD identifier; seal
	// an agency (MST); ec an ECDSA P-256 citizen; revoked a signer whose
	// certificate is revoked an hour before now.
	official, seal, ec, revoked model.Key
	revokedAt                   time.Time
	tsa                         *tsa.Authority
	tsaCert                     *x509.Certificate
	roots                       *x509.CertPool
}

var (
	pkiOnce sync.Once
	pkiVal  *testPKI
	pkiErr  error
	serials atomic.Int64
)

func getPKI(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() { pkiVal, pkiErr = newTestPKI() })
	if pkiErr != nil {
		t.Fatalf("test PKI: %v", pkiErr)
	}
	return pkiVal
}

// issueCert issues tmpl for pub under parent (self-signed when nil),
// valid from an hour ago for validity unless tmpl sets its dates.
func issueCert(tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) (*x509.Certificate, error) {
	tmpl.SerialNumber = big.NewInt(1000 + serials.Add(1))
	if tmpl.NotBefore.IsZero() {
		tmpl.NotBefore = time.Now().Add(-time.Hour)
		tmpl.NotAfter = time.Now().Add(365 * 24 * time.Hour)
	}
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func ecKey() *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func vnName(cn, o, uid string) pkix.Name {
	n := pkix.Name{CommonName: cn, Organization: []string{o}, OrganizationalUnit: []string{"Văn phòng"}, Country: []string{"VN"}, Province: []string{"Hà Nội"}}
	if uid != "" {
		n.ExtraNames = []pkix.AttributeTypeAndValue{{Type: oidUID, Value: uid}}
	}
	return n
}

func newTestPKI() (*testPKI, error) {
	p := &testPKI{}
	rootKey, caKey := ecKey(), ecKey()
	var err error
	if p.root, err = issueCert(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "kyso Test Root CA", Organization: []string{"kyso test"}, Country: []string{"VN"}},
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, nil, rootKey.Public(), rootKey); err != nil {
		return nil, err
	}
	if p.ca, err = issueCert(&x509.Certificate{
		Subject:               pkix.Name{CommonName: "kyso Test Issuing CA", Organization: []string{"kyso test"}, Country: []string{"VN"}},
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}, p.root, caKey.Public(), rootKey); err != nil {
		return nil, err
	}
	p.rootKey, p.caKey = rootKey, caKey
	leaf := func(name pkix.Name, key crypto.Signer) (model.Key, error) {
		c, err := issueCert(&x509.Certificate{
			Subject:  name,
			KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		}, p.ca, key.Public(), p.caKey)
		return model.Key{Signer: key, Cert: c, Chain: []*x509.Certificate{p.ca, p.root}}, err
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	if p.official, err = leaf(vnName("Nguyễn Văn An", "UBND Thành phố Hà Nội", "CCCD:001099012345"), rsaKey); err != nil {
		return nil, err
	}
	if p.seal, err = leaf(vnName("Sở Tư pháp Hà Nội", "UBND Thành phố Hà Nội", "MST:0101234567"), ecKey()); err != nil {
		return nil, err
	}
	if p.ec, err = leaf(vnName("Trần Thị Bình", "Công dân", "CCCD:079188000123"), ecKey()); err != nil {
		return nil, err
	}
	if p.revoked, err = leaf(vnName("Lê Văn Cũ", "UBND Thành phố Hà Nội", "CCCD:001070000001"), ecKey()); err != nil {
		return nil, err
	}
	p.revokedAt = time.Now().Add(-30 * time.Minute)
	tsaKey := ecKey()
	if p.tsaCert, err = issueCert(&x509.Certificate{
		Subject:  pkix.Name{CommonName: "kyso Test TSA", Organization: []string{"kyso test"}, Country: []string{"VN"}},
		KeyUsage: x509.KeyUsageDigitalSignature,
		// RFC 3161, 2.3: one critical extended key usage, timeStamping.
		ExtraExtensions: []pkix.Extension{{
			Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true,
			Value: marshalDER([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}}),
		}},
	}, p.ca, tsaKey.Public(), caKey); err != nil {
		return nil, err
	}
	if p.tsa, err = tsa.New(tsa.Config{}, model.Key{Signer: tsaKey, Cert: p.tsaCert, Chain: []*x509.Certificate{p.ca, p.root}}); err != nil {
		return nil, err
	}
	p.roots = x509.NewCertPool()
	p.roots.AddCert(p.root)
	return p, nil
}

// key returns the key of CA issuer.
func (p *testPKI) key(issuer *x509.Certificate) (crypto.Signer, error) {
	switch {
	case issuer.Equal(p.root):
		return p.rootKey, nil
	case issuer.Equal(p.ca):
		return p.caKey, nil
	}
	return nil, fmt.Errorf("unknown issuer %q", issuer.Subject.CommonName)
}

func (p *testPKI) isRevoked(c *x509.Certificate) bool {
	return c.SerialNumber.Cmp(p.revoked.Cert.SerialNumber) == 0
}

// OCSP answers as the CA's responder (the issuer signs): pades.Revocation.
func (p *testPKI) OCSP(_ context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	key, err := p.key(issuer)
	if err != nil {
		return nil, err
	}
	tmpl := ocsp.Response{Status: ocsp.Good, SerialNumber: cert.SerialNumber, ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(24 * time.Hour)}
	if p.isRevoked(cert) {
		tmpl.Status, tmpl.RevokedAt = ocsp.Revoked, p.revokedAt
	}
	return ocsp.CreateResponse(issuer, issuer, tmpl, key)
}

// CRL returns issuer's CRL: pades.Revocation.
func (p *testPKI) CRL(_ context.Context, issuer *x509.Certificate) ([]byte, error) {
	key, err := p.key(issuer)
	if err != nil {
		return nil, err
	}
	rl := &x509.RevocationList{Number: big.NewInt(time.Now().UnixNano()), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(24 * time.Hour)}
	if issuer.Equal(p.ca) {
		rl.RevokedCertificateEntries = []x509.RevocationListEntry{{SerialNumber: p.revoked.Cert.SerialNumber, RevocationTime: p.revokedAt}}
	}
	return x509.CreateRevocationList(rand.Reader, rl, issuer, key)
}

// registry is kyso's certificate registry as the tests see it.
type registry struct{ p *testPKI }

func (r registry) CertificateStatus(_ context.Context, cert, issuer *x509.Certificate) (CertificateStatus, error) {
	if !issuer.Equal(r.p.ca) {
		return CertificateStatus{}, nil
	}
	if r.p.isRevoked(cert) {
		return CertificateStatus{Known: true, Revoked: true, RevokedAt: r.p.revokedAt, Reason: 1}, nil
	}
	return CertificateStatus{Known: true}, nil
}

// knownIssuer is a CA's registry as the tests see it: it knows every
// certificate the CA issued, none revoked. Tests of what a chain is need a
// known revocation status to pass (docs/verification.md, "Revocation
// policy").
type knownIssuer struct{ ca *x509.Certificate }

func (r knownIssuer) CertificateStatus(_ context.Context, _, issuer *x509.Certificate) (CertificateStatus, error) {
	if issuer.Equal(r.ca) {
		return CertificateStatus{Known: true}, nil
	}
	return CertificateStatus{}, nil
}

// signPDF signs in with cred as opts asks, with the PKI's TSA and CA.
func signPDF(t testing.TB, p *testPKI, in []byte, cred model.Key, opts pades.Options) []byte {
	t.Helper()
	var out bytes.Buffer
	if _, err := pades.New(p.tsa, p).Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out, cred, opts); err != nil {
		t.Fatalf("pades Sign(%+v) = %v", opts, err)
	}
	return out.Bytes()
}

// verifyPDF verifies doc with opts, failing the test on an error.
func verifyPDF(t testing.TB, doc []byte, opts Options) *Report {
	t.Helper()
	rep, err := VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), opts)
	if err != nil {
		t.Fatalf("VerifyPDF = %v", err)
	}
	if rep.SignatureCount != len(rep.Signatures) {
		t.Errorf("signature_count %d, want %d", rep.SignatureCount, len(rep.Signatures))
	}
	return rep
}

// trusted returns Options trusting the test PKI's root, with the PKI as
// kyso's certificate registry: the revocation status of the certificates
// it issued is known, as kyso knows its own (docs/verification.md,
// "Revocation policy"). Tests of the policy itself use Options{Roots:
// p.roots}, without a registry.
func (p *testPKI) trusted() Options { return Options{Roots: p.roots, Revocation: registry{p}} }

// basePDF is a two-page dossier.
func basePDF() []byte { return testpdf.Make(2, 2000) }

var startxrefTail = regexp.MustCompile(`startxref\s+([0-9]+)\s+%%EOF\s*$`)

// appendUpdate appends an incremental update (ISO 32000-1, 7.5.6) to doc
// that defines objs (object number → body), with a classic cross-reference
// table and a trailer pointing back to the previous one.
func appendUpdate(t testing.TB, doc []byte, objs map[int]string) []byte {
	t.Helper()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatalf("appendUpdate: open: %v", err)
	}
	tr := rdr.Trailer()
	size := int(tr.Key("Size").Int64())
	root := tr.Key("Root").GetPtr()
	m := startxrefTail.FindSubmatch(doc)
	if m == nil {
		t.Fatalf("appendUpdate: no startxref at the end")
	}
	prev, _ := strconv.Atoi(string(m[1]))
	var b bytes.Buffer
	b.Write(doc)
	if doc[len(doc)-1] != '\n' {
		b.WriteByte('\n')
	}
	offsets := map[int]int{}
	maxID := 0
	for id := range objs {
		maxID = max(maxID, id)
	}
	for id := 1; id <= maxID; id++ {
		body, ok := objs[id]
		if !ok {
			continue
		}
		offsets[id] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", id, body)
	}
	xref := b.Len()
	b.WriteString("xref\n")
	for id := 1; id <= maxID; id++ {
		if off, ok := offsets[id]; ok {
			fmt.Fprintf(&b, "%d 1\n%010d 00000 n \n", id, off)
		}
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d %d R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", max(size, maxID+1), root.GetID(), root.GetGen(), prev, xref)
	return b.Bytes()
}

// objectBody returns the body of object id as doc's final revision has it.
func objectBody(t testing.TB, doc []byte, id int) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)(?:^|\n)` + strconv.Itoa(id) + ` 0 obj\s*(.*?)\s*endobj`)
	all := re.FindAllSubmatch(doc, -1)
	if len(all) == 0 {
		t.Fatalf("object %d not found", id)
	}
	return string(all[len(all)-1][1])
}

// sigOf returns the signature of a report for field, failing if absent.
func sigOf(t testing.TB, rep *Report, i int) Signature {
	t.Helper()
	if i >= len(rep.Signatures) {
		t.Fatalf("report has %d signatures, want at least %d", len(rep.Signatures), i+1)
	}
	return rep.Signatures[i]
}

// marshalDER is asn1.Marshal for values that cannot fail.
func marshalDER(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// signaturesIn returns the signatures of doc, as the verifier finds them.
func signaturesIn(t testing.TB, doc []byte) []*pdfSig {
	t.Helper()
	rdr, err := openPDF(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	sigs, _ := findSignatures(rdr)
	return sigs
}

// embeddedRoots returns the self-signed certificates in the CMS of the
// signatures of the PDF name, to trust a test document's own test root.
func embeddedRoots(t testing.TB, name string) *x509.CertPool {
	t.Helper()
	doc, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	sigs := signaturesIn(t, doc)
	pool := x509.NewCertPool()
	for _, s := range sigs {
		if s.checkByteRange(bytes.NewReader(doc), int64(len(doc))) != nil {
			continue
		}
		sd, err := cmsasn1.ParseSignedData(s.contents)
		if err != nil {
			continue
		}
		for _, c := range sd.Certs {
			if IsSelfSigned(c) {
				pool.AddCert(c)
			}
		}
	}
	return pool
}

package app_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/testpki"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/signer/tsa"
	"github.com/kyso-vn/kyso/truststore"
	"github.com/kyso-vn/kyso/verifier"
	"github.com/kyso-vn/kyso/verifier/attacksuite"
)

// realworld is the corpus of third-party signed PDFs, beside the checkout.
const realworld = "../../shared/testdata/realworld"

// pyHankoLTA is pyHanko's test document: Sig1 (B-T, then a DSS and a
// document time-stamp: B-LTA), Sig2 (B-T, then a DSS: B-LT), each
// revision as pyHanko wrote it.
var pyHankoLTA = filepath.Join(realworld, "pyhanko", "pades-lta-dss-indirect-arrs-test-2.pdf")

// kysoPKI is a root, an issuing CA under it, a signer and a TSA, with a
// revocation source answering as their CAs do.
type kysoPKI struct {
	root, ca *testpki.CA
	signer   model.Key
	tsa      model.Key
}

func newKysoPKI(t *testing.T, tsaLife time.Duration) *kysoPKI {
	t.Helper()
	key := func() crypto.Signer {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	p := &kysoPKI{}
	var err error
	if p.root, err = testpki.NewRoot(key(), pkix.Name{CommonName: "kyso Test Root", Organization: []string{"kyso test"}}); err != nil {
		t.Fatal(err)
	}
	if p.ca, err = p.root.NewCA(key(), pkix.Name{CommonName: "kyso Test Issuing CA", Organization: []string{"kyso test"}}); err != nil {
		t.Fatal(err)
	}
	sk := key()
	sc, err := p.ca.Issue(&x509.Certificate{
		Subject:  pkix.Name{CommonName: "Nguyễn Văn An", Organization: []string{"kyso test"}},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, sk.Public())
	if err != nil {
		t.Fatal(err)
	}
	p.signer = model.Key{Signer: sk, Cert: sc, Chain: []*x509.Certificate{p.ca.Cert, p.root.Cert}}
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	tk := key()
	tc, err := p.ca.Issue(&x509.Certificate{
		Subject:         pkix.Name{CommonName: "kyso Test TSA", Organization: []string{"kyso test"}},
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtKeyUsage:     []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
		NotAfter:        time.Now().Add(tsaLife),
	}, tk.Public())
	if err != nil {
		t.Fatal(err)
	}
	p.tsa = model.Key{Signer: tk, Cert: tc, Chain: []*x509.Certificate{p.ca.Cert, p.root.Cert}}
	return p
}

// OCSP answers for the certificates the issuing CA issued; the root
// publishes a CRL only.
func (p *kysoPKI) OCSP(_ context.Context, cert, issuer *x509.Certificate) ([]byte, error) {
	if !issuer.Equal(p.ca.Cert) {
		return nil, nil
	}
	return ocsp.CreateResponse(issuer, issuer, ocsp.Response{
		Status: ocsp.Good, SerialNumber: cert.SerialNumber,
		ThisUpdate: time.Now().Add(-time.Second), NextUpdate: time.Now().Add(time.Hour),
	}, p.ca.Key)
}

func (p *kysoPKI) CRL(_ context.Context, issuer *x509.Certificate) ([]byte, error) {
	ca := p.root
	if issuer.Equal(p.ca.Cert) {
		ca = p.ca
	} else if !issuer.Equal(p.root.Cert) {
		return nil, nil
	}
	return x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(time.Now().UnixNano()), ThisUpdate: time.Now().Add(-time.Second), NextUpdate: time.Now().Add(time.Hour),
	}, ca.Cert, ca.Key)
}

// authority returns kyso's TSA made of p's TSA credential.
func (p *kysoPKI) authority(t *testing.T) *tsa.Authority {
	t.Helper()
	a, err := tsa.New(tsa.Config{}, p.tsa)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// trust is a fixed trust snapshot.
type trust struct{ roots []*x509.Certificate }

func (tr trust) Snapshot(context.Context) (verifier.Options, error) { return tr.options(), nil }

// options are the verifier's options with only the trust anchors: no
// registry, offline.
func (tr trust) options() verifier.Options {
	pool := x509.NewCertPool()
	for _, c := range tr.roots {
		pool.AddCert(c)
	}
	return verifier.Options{Roots: pool, TrustCerts: tr.roots}
}

// pyHankoRoot returns the root of pyHanko's test PKI, from the
// document's DSS.
func pyHankoRoot(t *testing.T, doc []byte) *x509.Certificate {
	t.Helper()
	for _, c := range dssData(t, doc).Certs {
		if verifier.IsSelfSigned(c) && c.Subject.CommonName == "Root CA" {
			return c
		}
	}
	t.Fatal("no root in the pyHanko document's DSS")
	return nil
}

// dssData returns what the DSS of doc holds: the validation data its
// writer gathered.
func dssData(t *testing.T, doc []byte) app.ValidationData {
	t.Helper()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	var d app.ValidationData
	dss := rdr.Trailer().Key("Root").Key("DSS")
	for _, k := range []string{"Certs", "OCSPs", "CRLs"} {
		arr := dss.Key(k)
		for i := 0; i < arr.Len(); i++ {
			if err := d.Add(k, arr.Index(i).Data()); err != nil {
				t.Fatal(err)
			}
		}
	}
	return d
}

// revisionPrefix returns doc up to the end of its n-th revision: the
// file as its writer left it then.
func revisionPrefix(t *testing.T, doc []byte, n int) []byte {
	t.Helper()
	off := 0
	for i := 0; i < n; i++ {
		j := bytes.Index(doc[off:], []byte("%%EOF"))
		if j < 0 {
			t.Fatalf("no revision %d", n)
		}
		off += j + len("%%EOF")
	}
	for off < len(doc) && (doc[off] == '\r' || doc[off] == '\n') {
		off++
	}
	return doc[:off]
}

func extendPDF(t *testing.T, x *app.Extend, in []byte, req app.ExtendRequest) []byte {
	t.Helper()
	level := req.Level
	var out bytes.Buffer
	res, err := x.ExtendPDF(context.Background(), "client:test", req, bytes.NewReader(in), int64(len(in)), &out)
	if err != nil {
		t.Fatalf("ExtendPDF(%s) = %v", level, err)
	}
	if res.Size != int64(out.Len()) || !bytes.HasPrefix(out.Bytes(), in) {
		t.Fatalf("ExtendPDF wrote %d bytes (result says %d); input kept: %t", out.Len(), res.Size, bytes.HasPrefix(out.Bytes(), in))
	}
	return out.Bytes()
}

// levels verifies doc offline with tr's anchors only and returns each
// entry's "Field indication level".
func levels(t *testing.T, tr trust, doc []byte) []string {
	t.Helper()
	rep, err := verifier.VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), tr.options())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, s := range rep.Signatures {
		out = append(out, s.Field+" "+string(s.Indication)+" "+s.Level)
		for _, c := range s.ChangesAfter {
			if !c.Allowed {
				t.Errorf("%s: change not allowed: %s %s", s.Field, c.Kind, c.Detail)
			}
		}
	}
	return out
}

// toolsAccept has poppler's pdfsig find every signature's bytes intact
// and qpdf the file sound.
func toolsAccept(t *testing.T, doc []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("qpdf", "--check", path).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors found") {
		t.Errorf("qpdf --check: %v\n%s", err, out)
	}
	out, _ = exec.Command("pdfsig", path).CombinedOutput() // exit status 1+ for untrusted certificates
	text := string(out)
	n := strings.Count(text, "Signature Validation: ")
	if n == 0 || strings.Contains(text, "Digest Mismatch") || strings.Contains(text, "Signature is Invalid") {
		t.Errorf("pdfsig does not find every signature intact:\n%s", text)
	}
}

func requireTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pdfsig", "qpdf"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (poppler-utils, qpdf): %v", tool, err)
		}
	}
}

// TestExtendThirdParty extends pyHanko's document offline. Sig1, B-T as
// pyHanko signed it (the file's first three revisions), gains B-LT and
// B-LTA with the OCSP responses and CRLs pyHanko itself gathered (handed
// in as the archivist's validation data); without them it is refused,
// naming the certificates (and, having no revocation data, it is
// INDETERMINATE before: the revocation policy). Sig2, B-LT in the published file (the DSS
// pyHanko wrote for Sig1 gives its signer's status), gains B-LTA from the
// document's own data. Every earlier signature and time-stamp stays
// TOTAL_PASSED, judged by the verifier with the trust anchors only (no
// kyso running), and pdfsig and qpdf accept the result.
func TestExtendThirdParty(t *testing.T) {
	requireTools(t)
	doc, err := os.ReadFile(pyHankoLTA)
	if err != nil {
		t.Fatal(err)
	}
	p := newKysoPKI(t, 24*time.Hour)
	tr := trust{roots: []*x509.Certificate{pyHankoRoot(t, doc), p.root.Cert}}
	x := app.NewExtend(app.ExtendDeps{Trust: tr, PDF: pades.New(p.authority(t), p)})
	pyData := dssData(t, doc)

	const ts = "Timestamp-977301ad-bec9-4cae-a0cd-f6a674c6e465"
	sig1 := revisionPrefix(t, doc, 3)
	// No revocation data for Alice in the first three revisions: the
	// revocation policy leaves Sig1 INDETERMINATE (TRY_LATER) until the
	// extension brings the data.
	if got := levels(t, tr, sig1); strings.Join(got, "; ") != "Sig1 INDETERMINATE B-T" {
		t.Fatalf("pyHanko's Sig1 as signed: %q, want INDETERMINATE at B-T", got)
	}
	var out bytes.Buffer
	_, err = x.ExtendPDF(context.Background(), "client:test", app.ExtendRequest{Level: "B-LT"}, bytes.NewReader(sig1), int64(len(sig1)), &out)
	if !errors.Is(err, pades.ErrIncomplete) || !strings.Contains(err.Error(), `"Alice"`) || !strings.Contains(err.Error(), `"Intermediate CA"`) || out.Len() != 0 {
		t.Fatalf("ExtendPDF(Sig1, no validation data) = %v, %d bytes; want ErrIncomplete naming Alice and Intermediate CA, nothing written", err, out.Len())
	}

	tests := []struct {
		name   string
		in     []byte
		req    app.ExtendRequest
		before []string
		after  []string
	}{
		{
			"Sig1 as signed, to B-LT", sig1, app.ExtendRequest{Level: "B-LT", Data: pyData},
			[]string{"Sig1 INDETERMINATE B-T"},
			[]string{"Sig1 TOTAL_PASSED B-LT"},
		},
		{
			"Sig1 as signed, to B-LTA", sig1, app.ExtendRequest{Level: "B-LTA", Data: pyData},
			[]string{"Sig1 INDETERMINATE B-T"},
			[]string{"Sig1 TOTAL_PASSED B-LTA", "Timestamp1 TOTAL_PASSED "},
		},
		{
			"published, to B-LTA", doc, app.ExtendRequest{Level: "B-LTA"},
			[]string{"Sig1 TOTAL_PASSED B-LTA", ts + " TOTAL_PASSED ", "Sig2 TOTAL_PASSED B-LT"},
			[]string{"Sig1 TOTAL_PASSED B-LTA", ts + " TOTAL_PASSED ", "Sig2 TOTAL_PASSED B-LTA", "Timestamp1 TOTAL_PASSED "},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := levels(t, tr, tt.in); strings.Join(got, "; ") != strings.Join(tt.before, "; ") {
				t.Fatalf("before: %q, want %q", got, tt.before)
			}
			out := extendPDF(t, x, tt.in, tt.req)
			if got := levels(t, tr, out); strings.Join(got, "; ") != strings.Join(tt.after, "; ") {
				t.Errorf("after ExtendPDF(%s): %q, want %q", tt.req.Level, got, tt.after)
			}
			toolsAccept(t, out)
		})
	}
}

// TestExtendKyso raises a kyso B-T document to B-LTA with the CA's
// revocation data, and a B-LTA one again (a second archive time-stamp).
func TestExtendKyso(t *testing.T) {
	requireTools(t)
	p := newKysoPKI(t, 24*time.Hour)
	tr := trust{roots: []*x509.Certificate{p.root.Cert}}
	a := p.authority(t)
	bt := signPDF(t, pades.New(a, nil), p.signer, pades.LevelBT)
	x := app.NewExtend(app.ExtendDeps{Trust: tr, PDF: pades.New(a, p)})

	lta := extendPDF(t, x, bt, app.ExtendRequest{Level: "B-LTA"})
	if got, want := strings.Join(levels(t, tr, lta), "; "), "Signature1 TOTAL_PASSED B-LTA; Timestamp1 TOTAL_PASSED "; got != want {
		t.Errorf("after ExtendPDF(B-LTA): %q, want %q", got, want)
	}
	again := extendPDF(t, x, lta, app.ExtendRequest{Level: "B-LTA"})
	if got, want := strings.Join(levels(t, tr, again), "; "), "Signature1 TOTAL_PASSED B-LTA; Timestamp1 TOTAL_PASSED ; Timestamp2 TOTAL_PASSED "; got != want {
		t.Errorf("after a second ExtendPDF(B-LTA): %q, want %q", got, want)
	}
	toolsAccept(t, again)

	// A document certified with no changes allowed (DocMDP P=1) still
	// takes a DSS and a document time-stamp (ETSI EN 319 142-1, 5.4;
	// ISO 32000-2, 12.8.2.2.2).
	certified := signPDFWith(t, pades.New(a, nil), p.signer, pades.Options{Level: pades.LevelBT, Certify: 1})
	lta = extendPDF(t, x, certified, app.ExtendRequest{Level: "B-LTA"})
	if got, want := strings.Join(levels(t, tr, lta), "; "), "Signature1 TOTAL_PASSED B-LTA; Timestamp1 TOTAL_PASSED "; got != want {
		t.Errorf("certified P=1, after ExtendPDF(B-LTA): %q, want %q", got, want)
	}
}

// signPDF signs a one-page document with cred.
func signPDF(t *testing.T, s *pades.Signer, cred model.Key, level pades.Level) []byte {
	t.Helper()
	return signPDFWith(t, s, cred, pades.Options{Level: level})
}

func signPDFWith(t *testing.T, s *pades.Signer, cred model.Key, opts pades.Options) []byte {
	t.Helper()
	in := attacksuite.FormPDF()
	var out bytes.Buffer
	if _, err := s.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out, cred, opts); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestExtendRefusesAttacks: kyso's archive time-stamp must never seal a
// forgery. A "DSS update" that also rewrites a signed page, a signature
// whose signed bytes were changed, and garbage are refused with a clear
// error and nothing written.
func TestExtendRefusesAttacks(t *testing.T) {
	doc, err := os.ReadFile(pyHankoLTA)
	if err != nil {
		t.Fatal(err)
	}
	p := newKysoPKI(t, 24*time.Hour)
	tr := trust{roots: []*x509.Certificate{pyHankoRoot(t, doc), p.root.Cert}}
	x := app.NewExtend(app.ExtendDeps{Trust: tr, PDF: pades.New(p.authority(t), p)})

	// An update that adds a DSS to the catalog, as an extension does, and
	// replaces page 1's content stream.
	page, err := attacksuite.PageOf(doc, 1)
	if err != nil {
		t.Fatal(err)
	}
	size, err := attacksuite.Size(doc)
	if err != nil {
		t.Fatal(err)
	}
	rootID, err := attacksuite.RootID(doc)
	if err != nil {
		t.Fatal(err)
	}
	catalog, err := attacksuite.ObjectBody(doc, rootID)
	if err != nil {
		t.Fatal(err)
	}
	rewritten := strings.Replace(page.Body, "/Contents", "/Contents "+itoa(size)+" 0 R /Old", 1)
	forged, err := attacksuite.Append(doc, attacksuite.Update{Form: attacksuite.XRefStream, Objects: map[int]string{
		size:     attacksuite.Stream("", "BT /F1 24 Tf 72 700 Td (Paid in full) Tj ET"),
		page.ID:  rewritten,
		size + 1: "<< /Type /DSS >>",
		rootID:   strings.Replace(catalog, "/DSS", "/DSS "+itoa(size+1)+" 0 R /OldDSS", 1),
	}})
	if err != nil {
		t.Fatal(err)
	}
	tampered, err := os.ReadFile(filepath.Join(realworld, "pdfsign", "sigmodified.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
		kind errkind.Kind
		want string
	}{
		{"DSS update rewriting a signed page", forged, errkind.InvalidDocument, "kyso extends only documents whose every signature passes"},
		{"signed bytes changed", tampered, errkind.InvalidDocument, "TOTAL_FAILED"},
		{"garbage", []byte("%PDF-1.7\n\x00\x01garbage"), errkind.Unreadable, ""},
		{"empty", nil, errkind.Unreadable, ""},
		{"unsigned", attacksuite.FormPDF(), errkind.InvalidDocument, "no signature"},
		{"broken xref", bytes.Replace(doc, []byte("startxref"), []byte("startxref\n999999999\n%%EOF\nstartxref"), 1), errkind.InvalidDocument, ""},
		{"bad level", doc, errkind.Invalid, "level"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			level := "B-LTA"
			if tt.name == "bad level" {
				level = "B-LTX"
			}
			var out bytes.Buffer
			_, err := x.ExtendPDF(context.Background(), "client:test", app.ExtendRequest{Level: level}, bytes.NewReader(tt.in), int64(len(tt.in)), &out)
			var ke *errkind.Error
			if !errors.As(err, &ke) || ke.Kind != tt.kind || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ExtendPDF = %v, want kind %v saying %q", err, tt.kind, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("ExtendPDF wrote %d bytes on error", out.Len())
			}
		})
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

// TestExtendChecksOutput: kyso's TSA does not chain to a trusted root (an
// operator's mistake): the new archive time-stamp could not be validated,
// so B-LTA is refused, saying so, and nothing is written; B-LT, which
// adds no time-stamp of kyso's, goes through.
func TestExtendChecksOutput(t *testing.T) {
	doc, err := os.ReadFile(pyHankoLTA)
	if err != nil {
		t.Fatal(err)
	}
	p := newKysoPKI(t, 24*time.Hour)
	tr := trust{roots: []*x509.Certificate{pyHankoRoot(t, doc)}} // not kyso's root
	x := app.NewExtend(app.ExtendDeps{Trust: tr, PDF: pades.New(p.authority(t), p)})
	var out bytes.Buffer
	_, err = x.ExtendPDF(context.Background(), "t", app.ExtendRequest{Level: "B-LTA"}, bytes.NewReader(doc), int64(len(doc)), &out)
	if !errors.Is(err, pades.ErrIncomplete) || !strings.Contains(err.Error(), `ends at "kyso Test Root", which is not a trust anchor`) {
		t.Fatalf("ExtendPDF with kyso's TSA untrusted = %v, want ErrIncomplete saying its root is not a trust anchor", err)
	}
	if out.Len() != 0 {
		t.Errorf("ExtendPDF wrote %d bytes", out.Len())
	}
	// B-LT adds no time-stamp of kyso's: it goes through.
	extendPDF(t, x, doc, app.ExtendRequest{Level: "B-LT"})
}

// onlineTrust is a trust snapshot whose verifier checks revocation online
// (truststore's fetcher), through a network that is down.
type onlineTrust struct{ trust }

func (o onlineTrust) Snapshot(context.Context) (verifier.Options, error) {
	opts := o.options()
	opts.Online = truststore.OnlineRevocation{Client: &http.Client{Transport: downTransport{}}}
	return opts, nil
}

type downTransport struct{}

func (downTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("network down")
}

// TestExtendCuresMissingRevocation: a signature INDETERMINATE only for
// want of revocation data (TRY_LATER: the verifier checks online and the
// network is down) is what an extension is for: it is extended with the
// CA's data, and the result is TOTAL_PASSED at B-LTA offline from what it
// carries.
func TestExtendCuresMissingRevocation(t *testing.T) {
	p := newKysoPKI(t, 24*time.Hour)
	tr := onlineTrust{trust{roots: []*x509.Certificate{p.root.Cert}}}
	a := p.authority(t)
	bt := signPDF(t, pades.New(a, nil), p.signer, pades.LevelBT)
	opts, _ := tr.Snapshot(context.Background())
	rep, err := verifier.VerifyPDF(context.Background(), bytes.NewReader(bt), int64(len(bt)), opts)
	if err != nil || rep.Signatures[0].Indication != verifier.Indeterminate || rep.Signatures[0].SubIndication != verifier.TryLater {
		t.Fatalf("before: %+v, %v; want INDETERMINATE/TRY_LATER", rep.Signatures, err)
	}
	x := app.NewExtend(app.ExtendDeps{Trust: tr, PDF: pades.New(a, p)})
	lta := extendPDF(t, x, bt, app.ExtendRequest{Level: "B-LTA"})
	rep, err = verifier.VerifyPDF(context.Background(), bytes.NewReader(lta), int64(len(lta)), opts)
	if err != nil || !rep.Valid || rep.Signatures[0].Level != verifier.LevelBLTA {
		t.Errorf("after: %+v, %v; want valid at B-LTA with the network still down", rep.Signatures, err)
	}
}

// TestExtendRealWorldCorpus extends every PDF of the real-world corpus,
// offline, trusting the Vietnamese anchors and kyso's test root: each is
// either extended, every verdict kept, or refused with an error of the
// caller's kind (never an internal error, never a panic), nothing
// written.
func TestExtendRealWorldCorpus(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(realworld, "*", "*.pdf"))
	if err != nil || len(files) < 10 {
		t.Fatalf("corpus: %d files, %v", len(files), err)
	}
	p := newKysoPKI(t, 24*time.Hour)
	roots := []*x509.Certificate{p.root.Cert}
	var inter []*x509.Certificate
	crts, _ := filepath.Glob(filepath.Join(realworld, "roots", "*.crt"))
	for _, f := range crts {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var d app.ValidationData
		if err := d.Add(f, b); err != nil {
			t.Fatal(err)
		}
		for _, c := range d.Certs {
			if verifier.IsSelfSigned(c) {
				roots = append(roots, c)
			} else {
				inter = append(inter, c)
			}
		}
	}
	tr := corpusTrust{trust{roots: roots}, inter}
	x := app.NewExtend(app.ExtendDeps{Trust: tr, PDF: pades.New(p.authority(t), p)})
	for _, f := range files {
		t.Run(filepath.Base(filepath.Dir(f))+"/"+filepath.Base(f), func(t *testing.T) {
			doc, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			_, err = x.ExtendPDF(context.Background(), "t", app.ExtendRequest{Level: "B-LTA"}, bytes.NewReader(doc), int64(len(doc)), &out)
			var ke *errkind.Error
			switch {
			case err == nil:
				t.Logf("extended")
			case errors.As(err, &ke) && (ke.Kind == errkind.InvalidDocument || ke.Kind == errkind.Unreadable || ke.Kind == errkind.Invalid):
				t.Logf("refused: %v", err)
				if out.Len() != 0 {
					t.Errorf("refused, yet %d bytes written", out.Len())
				}
			default:
				t.Errorf("ExtendPDF = %v, want success or a refusal of the caller's kind", err)
			}
		})
	}
}

// corpusTrust adds intermediates to a trust snapshot.
type corpusTrust struct {
	trust
	inter []*x509.Certificate
}

func (c corpusTrust) Snapshot(context.Context) (verifier.Options, error) {
	o := c.options()
	o.Intermediates = x509.NewCertPool()
	for _, i := range c.inter {
		o.Intermediates.AddCert(i)
	}
	o.TrustCerts = append(o.TrustCerts, c.inter...)
	return o, nil
}

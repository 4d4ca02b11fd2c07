package xmldsig_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/xmlsig"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/xmldsig"
	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

var keyCache struct {
	sync.Mutex
	m map[string]crypto.Signer
}

// benchKey is the RSA-2048 test key of the benchmarks.
func benchKey(b *testing.B) crypto.Signer {
	b.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	return k
}

// testKey returns a test key of the kind named ("rsa2048", "p256",
// "p384"), made once per test binary.
func testKey(t *testing.T, kind string) crypto.Signer {
	t.Helper()
	keyCache.Lock()
	defer keyCache.Unlock()
	if k, ok := keyCache.m[kind]; ok {
		return k
	}
	var k crypto.Signer
	var err error
	switch kind {
	case "rsa2048":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "p256":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	}
	if err != nil || k == nil {
		t.Fatalf("key %s: %v", kind, err)
	}
	if keyCache.m == nil {
		keyCache.m = map[string]crypto.Signer{}
	}
	keyCache.m[kind] = k
	return k
}

func cred(t *testing.T, pki *xmltest.PKI, s crypto.Signer, cn, uid string) model.Key {
	t.Helper()
	return model.Key{Signer: s, Cert: pki.Issue(t, s.Public(), cn, "Trung tâm Dịch vụ công", uid), Chain: []*x509.Certificate{pki.Issuing}}
}

// xmlsecOK runs xmlsec1 on doc and fails the test unless it verifies.
func xmlsecOK(t *testing.T, pki *xmltest.PKI, doc []byte, extra ...string) {
	t.Helper()
	out, err := pki.XMLSec(t, doc, extra...)
	if err != nil || !strings.Contains(out, "OK") {
		t.Fatalf("xmlsec1 --verify = %v\n%s\ndocument:\n%s", err, out, doc)
	}
}

// xmlsecFails runs xmlsec1 on doc and fails the test if it verifies.
func xmlsecFails(t *testing.T, pki *xmltest.PKI, doc []byte, extra ...string) {
	t.Helper()
	if out, err := pki.XMLSec(t, doc, extra...); err == nil {
		t.Fatalf("xmlsec1 --verify succeeded on a document that must not verify:\n%s", out)
	}
}

// TestSignXMLSec signs with every profile and algorithm kyso makes and has
// xmlsec1 verify each signature, chain included.
func TestSignXMLSec(t *testing.T) {
	pki := xmltest.NewPKI(t)
	invoice := xmltest.Invoice{Items: 3, EmptyBlocks: true}.Make()
	dossier := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<!-- hồ sơ -->
<HoSo xmlns="urn:kyso:test:hoso" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" Id="hoso">
  <TTHS Id="tths"><MaHS>000.00.01.H26-260920-0001</MaHS><TenTTHC>Cấp bản sao trích lục hộ tịch</TenTTHC></TTHS>
  <CongDan><HoTen>Nguyễn Thị Ánh</HoTen><CCCD>001099012345</CCCD></CongDan>
  <ChuKy/>
</HoSo>
`)
	for _, alg := range []struct {
		key  string
		hash crypto.Hash
	}{
		{"rsa2048", crypto.SHA256}, {"rsa2048", crypto.SHA384}, {"rsa2048", crypto.SHA512},
		{"p256", crypto.SHA256}, {"p384", crypto.SHA384}, {"p256", crypto.SHA512},
	} {
		hosoIDs := []string{"--id-attr:Id", "urn:kyso:test:hoso:TTHS", "--id-attr:Id", "urn:kyso:test:hoso:HoSo"}
		for _, tc := range []struct {
			name string
			doc  []byte
			opts xmldsig.Options
			loc  string // the element that receives the signature
			args []string
		}{
			{"einvoice-vn", invoice, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN}, "NBan/>", nil},
			{"einvoice-vn/no-DSCKS", xmltest.Invoice{}.Make(), xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, IncludeChain: true}, "/HDon>", nil},
			{"enveloped/whole", dossier, xmldsig.Options{Profile: xmldsig.ProfileEnveloped}, "/HoSo>", nil},
			{"enveloped/ids", dossier, xmldsig.Options{Profile: xmldsig.ProfileEnveloped, Location: "/HoSo/ChuKy", References: []string{"tths", "hoso"}}, "ChuKy/>", hosoIDs},
		} {
			t.Run(fmt.Sprintf("%s/%s/%v", tc.name, alg.key, alg.hash), func(t *testing.T) {
				tc.opts.Hash = alg.hash
				c := cred(t, pki, testKey(t, alg.key), "Trung tâm Dịch vụ công Hà Nội", "MST:0101234567")
				signedRes, err := xmldsig.Sign(context.Background(), tc.doc, c, tc.opts)
				if err != nil {
					t.Fatalf("Sign = %v", err)
				}
				signed := signedRes.Document
				if !bytes.Contains(signed, []byte(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"`)) {
					t.Errorf("the signature is not an unprefixed Signature:\n%s", signed)
				}
				xmlsecOK(t, pki, signed, tc.args...)
				// The input's bytes are all there, in order, but for
				// the element that receives the signature.
				i := bytes.Index(tc.doc, []byte(tc.loc))
				before, after := tc.doc[:i], tc.doc[i+len(tc.loc):]
				if !bytes.HasPrefix(signed, before) || !bytes.HasSuffix(signed, after) {
					t.Errorf("the document around the signature was rewritten:\n%s", signed)
				}
			})
		}
	}
}

// TestSignEInvoiceLayout checks the e-invoice layout: where the signature
// is, what it references, the algorithms and KeyInfo.
func TestSignEInvoiceLayout(t *testing.T) {
	pki := xmltest.NewPKI(t)
	c := cred(t, pki, testKey(t, "rsa2048"), "Trung tâm Dịch vụ công Hà Nội", "MST:0101234567")
	at := time.Now().Add(-time.Minute).Truncate(time.Second)
	signed, err := xmldsig.Sign(context.Background(), xmltest.Invoice{DataID: "SigningData", EmptyBlocks: true}.Make(), c,
		xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, ID: "seller", Time: at})
	if err != nil {
		t.Fatalf("Sign = %v", err)
	}
	if signed.SignatureID != "seller" {
		t.Errorf("SignatureID = %q, want seller", signed.SignatureID)
	}
	d, err := xmldsig.Parse(signed.Document, xmldsig.Limits{})
	if err != nil {
		t.Fatalf("Parse(signed) = %v", err)
	}
	el := d.Root().FindElement("./DSCKS/NBan/Signature")
	if el == nil {
		t.Fatalf("no Signature in HDon/DSCKS/NBan:\n%s", signed.Document)
	}
	s, err := xmlsig.ReadSignature(el)
	if err != nil {
		t.Fatalf("ReadSignature = %v", err)
	}
	if s.ID != "seller" || s.C14N != xmlsig.C14N10 || s.Method != xmlsig.RSASHA256 {
		t.Errorf("Signature Id %q, c14n %q, method %q; want seller, %s, %s", s.ID, s.C14N, s.Method, xmlsig.C14N10, xmlsig.RSASHA256)
	}
	if len(s.References) != 2 {
		t.Fatalf("%d references, want 2", len(s.References))
	}
	r0, r1 := s.References[0], s.References[1]
	if r0.URI != "#SigningData" || len(r0.Transforms) != 1 || r0.Transforms[0].Algorithm != xmlsig.TransformEnveloped || r0.DigestMethod != xmlsig.DigestSHA256 {
		t.Errorf("reference 1 = %q %v %q; want #SigningData, enveloped-signature, sha256", r0.URI, r0.Transforms, r0.DigestMethod)
	}
	obj := d.ByID(strings.TrimPrefix(r1.URI, "#"))
	if len(r1.Transforms) != 0 || len(obj) != 1 || obj[0].Tag != "Object" {
		t.Fatalf("reference 2 = %q with %d transforms; want an Object without transforms", r1.URI, len(r1.Transforms))
	}
	st := obj[0].FindElement("./SignatureProperties/SignatureProperty[@Target='#seller']/SigningTime")
	want := at.In(time.FixedZone("", 7*3600)).Format("2006-01-02T15:04:05+07:00")
	if st == nil || st.Text() != want {
		t.Errorf("SigningTime = %v, want %s in SignatureProperty Target=#seller", st, want)
	}
	if len(s.Certificates) != 1 || !bytes.Equal(s.Certificates[0], c.Cert.Raw) {
		t.Errorf("KeyInfo has %d certificates, want the signer's only", len(s.Certificates))
	}
	if len(s.SubjectNames) != 1 || !strings.Contains(s.SubjectNames[0], "UID=MST:0101234567") || !strings.HasPrefix(s.SubjectNames[0], "UID=MST:0101234567,CN=Trung tâm Dịch vụ công Hà Nội") {
		t.Errorf("X509SubjectName = %q", s.SubjectNames)
	}
	if err := xmldsig.CheckSignature(d, el, c.Cert); err != nil {
		t.Errorf("CheckSignature = %v", err)
	}
}

// TestSignCountersign signs an invoice as the seller, then as the tax
// authority in CQT with a second key: both verify in xmlsec1, the first
// stays valid, and a changed amount breaks both.
func TestSignCountersign(t *testing.T) {
	pki := xmltest.NewPKI(t)
	seller := cred(t, pki, testKey(t, "rsa2048"), "Trung tâm Dịch vụ công Hà Nội", "MST:0101234567")
	tax := cred(t, pki, testKey(t, "p256"), "Tổng cục Thuế", "MST:0100231226")
	inv := xmltest.Invoice{Items: 5, WithMCCQT: true}.Make()
	ctx := context.Background()
	s1Res, err := xmldsig.Sign(ctx, inv, seller, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, ID: "seller"})
	if err != nil {
		t.Fatalf("Sign(seller) = %v", err)
	}
	s1 := s1Res.Document
	s2Res, err := xmldsig.Sign(ctx, s1, tax, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, ID: "cqt", Location: "/HDon/DSCKS/CQT", References: []string{"mccqt", "seller"}})
	if err != nil {
		t.Fatalf("Sign(tax authority) = %v", err)
	}
	s2 := s2Res.Document
	if !bytes.HasPrefix(s2, s1[:bytes.Index(s1, []byte("</DSCKS>"))]) {
		t.Errorf("countersigning rewrote the seller's signature")
	}
	d, err := xmldsig.Parse(s2, xmldsig.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Root().FindElement("./DSCKS/NBan/Signature") == nil || d.Root().FindElement("./DSCKS/CQT/Signature") == nil {
		t.Fatalf("signatures not in NBan and CQT:\n%s", s2)
	}
	for _, id := range []string{"seller", "cqt"} {
		xmlsecOK(t, pki, s2, "--node-id", id)
	}
	if err := xmldsig.CheckSignature(d, d.ByID("seller")[0], seller.Cert); err != nil {
		t.Errorf("the seller's signature after countersigning: %v", err)
	}

	// A changed amount breaks the seller's signature (and the tax
	// authority's, which covers it).
	bad := bytes.Replace(s2, []byte("<DGia>150000</DGia>"), []byte("<DGia>15000</DGia>"), 1)
	if bytes.Equal(bad, s2) {
		t.Fatal("amount not found")
	}
	for _, id := range []string{"seller", "cqt"} {
		xmlsecFails(t, pki, bad, "--node-id", id)
	}
	db, err := xmldsig.Parse(bad, xmldsig.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := xmldsig.CheckSignature(db, db.ByID("seller")[0], seller.Cert); err == nil {
		t.Errorf("the seller's signature verifies after the amount changed")
	}
}

// TestSignRefuses lists requests Sign refuses with ErrInvalid.
func TestSignRefuses(t *testing.T) {
	pki := xmltest.NewPKI(t)
	rsaCred := cred(t, pki, testKey(t, "rsa2048"), "A", "")
	ecCred := cred(t, pki, testKey(t, "p256"), "B", "")
	inv := xmltest.Invoice{}.Make()
	dup := bytes.Replace(inv, []byte("<TTChung>"), []byte(`<TTChung Id="data">`), 1)
	for _, tc := range []struct {
		name string
		doc  []byte
		c    model.Key
		opts xmldsig.Options
	}{
		{"no profile", inv, rsaCred, xmldsig.Options{}},
		{"unknown profile", inv, rsaCred, xmldsig.Options{Profile: "xades-x"}},
		{"SHA-1", inv, rsaCred, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, Hash: crypto.SHA1}},
		{"PSS with ECDSA", inv, ecCred, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, PSS: true}},
		{"not an invoice", []byte("<a Id='x'/>"), rsaCred, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN}},
		{"DLHDon without Id", bytes.Replace(inv, []byte(` Id="data"`), nil, 1), rsaCred, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN}},
		{"duplicate Id", dup, rsaCred, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN}},
		{"unknown reference", inv, rsaCred, xmldsig.Options{Profile: xmldsig.ProfileEnveloped, References: []string{"nope"}}},
		{"missing location", inv, rsaCred, xmldsig.Options{Profile: xmldsig.ProfileEnveloped, Location: "/HDon/Nope"}},
		{"bad location", inv, rsaCred, xmldsig.Options{Profile: xmldsig.ProfileEnveloped, Location: "HDon"}},
		{"existing signature Id", inv, rsaCred, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, ID: "data"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := xmldsig.Sign(context.Background(), tc.doc, tc.c, tc.opts)
			if !errors.Is(err, xmldsig.ErrInvalid) {
				t.Errorf("Sign = %v, want ErrInvalid", err)
			}
		})
	}
}

// TestSignPSSInterop checks RSASSA-PSS signatures with tools kyso did not
// write. Debian's xmlsec1 1.2 has no RSASSA-PSS (1.3 added it), so the
// check is split: a copy whose SignatureMethod names rsa-sha256 has xmlsec1
// verify every reference and print the canonical SignedInfo it computes;
// with the method's URI put back (canonicalisation does not touch it),
// openssl verifies the PSS signature value over it.
func TestSignPSSInterop(t *testing.T) {
	pki := xmltest.NewPKI(t)
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA512} {
		t.Run(h.String(), func(t *testing.T) {
			c := cred(t, pki, testKey(t, "rsa2048"), "Trung tâm Dịch vụ công Hà Nội", "MST:0101234567")
			res, err := xmldsig.Sign(context.Background(), xmltest.Invoice{Items: 2}.Make(), c, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, PSS: true, Hash: h})
			if err != nil {
				t.Fatalf("Sign = %v", err)
			}
			pss := map[crypto.Hash]string{crypto.SHA256: xmlsig.RSAPSSSHA256, crypto.SHA512: xmlsig.RSAPSSSHA512}[h]
			pkcs1 := map[crypto.Hash]string{crypto.SHA256: xmlsig.RSASHA256, crypto.SHA512: xmlsig.RSASHA512}[h]
			if !bytes.Contains(res.Document, []byte(`<SignatureMethod Algorithm="`+pss+`">`)) {
				t.Fatalf("no %s SignatureMethod", pss)
			}
			out, _ := pki.XMLSec(t, bytes.Replace(res.Document, []byte(pss), []byte(pkcs1), 1), "--store-signatures", "--print-debug")
			if !strings.Contains(out, "SignedInfo References (ok/all): 2/2") {
				t.Fatalf("xmlsec1 does not verify both references:\n%s", out)
			}
			start, end := "== PreSigned data - start buffer:\n", "\n== PreSigned data - end buffer"
			i, j := strings.Index(out, start), strings.Index(out, end)
			if i < 0 || j < i {
				t.Fatalf("no canonical SignedInfo in xmlsec1's output:\n%s", out)
			}
			si := strings.Replace(out[i+len(start):j], pkcs1, pss, 1)
			d, err := xmldsig.Parse(res.Document, xmldsig.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			s, err := xmlsig.ReadSignature(d.Signatures()[0])
			if err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			pub, err := x509.MarshalPKIXPublicKey(c.Cert.PublicKey)
			if err != nil {
				t.Fatal(err)
			}
			write := func(name string, b []byte) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, b, 0o600); err != nil {
					t.Fatal(err)
				}
				return p
			}
			pubPEM := write("pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}))
			args := []string{"dgst", "-" + strings.ToLower(strings.ReplaceAll(h.String(), "-", "")), "-sigopt", "rsa_padding_mode:pss",
				"-sigopt", fmt.Sprintf("rsa_pss_saltlen:%d", h.Size()), "-verify", pubPEM, "-signature", write("sig.bin", s.Value), write("si.xml", []byte(si))}
			if o, err := exec.Command("openssl", args...).CombinedOutput(); err != nil || !strings.Contains(string(o), "Verified OK") {
				t.Errorf("openssl %s: %v\n%s", strings.Join(args, " "), err, o)
			}
		})
	}
}

// batchKey is an in-memory key that signs batches, counting the calls.
type batchKey struct {
	crypto.Signer
	calls int
}

func (b *batchKey) SignBatch(_ context.Context, digests [][]byte, opts crypto.SignerOpts) ([][]byte, error) {
	b.calls++
	var out [][]byte
	for _, d := range digests {
		s, err := b.Sign(rand.Reader, d, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// TestSignBatch signs several invoices with one batch call; a document
// that cannot be signed gets its own error and the others are signed.
func TestSignBatch(t *testing.T) {
	pki := xmltest.NewPKI(t)
	bk := &batchKey{Signer: testKey(t, "p256")}
	c := cred(t, pki, bk, "Trung tâm Dịch vụ công Hà Nội", "MST:0101234567")
	docs := [][]byte{
		xmltest.Invoice{Number: 1}.Make(),
		[]byte("<not-an-invoice/>"),
		xmltest.Invoice{Number: 3, Items: 20}.Make(),
		[]byte("not XML"),
	}
	res, err := xmldsig.SignBatch(context.Background(), docs, c, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN})
	if err != nil {
		t.Fatalf("SignBatch = %v", err)
	}
	if bk.calls != 1 {
		t.Errorf("%d batch calls, want 1", bk.calls)
	}
	for i, r := range res {
		switch i {
		case 0, 2:
			if r.Err != nil {
				t.Fatalf("document %d: %v", i, r.Err)
			}
			xmlsecOK(t, pki, r.Result.Document)
		case 1:
			if !errors.Is(r.Err, xmldsig.ErrInvalid) {
				t.Errorf("document 1 (not an invoice): %v, want ErrInvalid", r.Err)
			}
		case 3:
			if !errors.Is(r.Err, xmldsig.ErrMalformed) {
				t.Errorf("document 3 (not XML): %v, want ErrMalformed", r.Err)
			}
		}
	}
	if res[0].Result.SignatureID == res[2].Result.SignatureID {
		t.Errorf("two signatures with Id %q", res[0].Result.SignatureID)
	}
	if _, err := xmldsig.SignBatch(context.Background(), docs, c, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, ID: "same"}); !errors.Is(err, xmldsig.ErrInvalid) {
		t.Errorf("one Id for a batch: %v, want ErrInvalid", err)
	}
}

// TestSignEnveloping wraps documents in an enveloping signature: xmlsec1
// verifies it, and the data keeps its namespaces inside the Object.
func TestSignEnveloping(t *testing.T) {
	pki := xmltest.NewPKI(t)
	for _, tc := range []struct {
		name, doc string
		ns        string // namespace of the data's first child element
	}{
		{"plain", `<?xml version="1.0"?><!-- c --><HoSo><MaHS>H26-0001</MaHS></HoSo>`, ""},
		{"prefixed", `<p:HoSo xmlns:p="urn:p"><MaHS a="1&#10;2">H26</MaHS></p:HoSo>`, ""},
		{"default namespace", `<HoSo xmlns="urn:hoso"><MaHS>H26</MaHS></HoSo>`, "urn:hoso"},
	} {
		for _, key := range []string{"rsa2048", "p256"} {
			t.Run(tc.name+"/"+key, func(t *testing.T) {
				c := cred(t, pki, testKey(t, key), "Sở Tư pháp Hà Nội", "")
				res, err := xmldsig.Sign(context.Background(), []byte(tc.doc), c, xmldsig.Options{Profile: xmldsig.ProfileEnveloping, ID: "env"})
				if err != nil {
					t.Fatalf("Sign = %v", err)
				}
				xmlsecOK(t, pki, res.Document)
				d, err := xmldsig.Parse(res.Document, xmldsig.Limits{})
				if err != nil {
					t.Fatal(err)
				}
				if !xmlsig.IsSignature(d.Root()) {
					t.Fatalf("document element %s, want Signature", d.Root().FullTag())
				}
				data := d.ByID("env-Data")
				if len(data) != 1 || len(data[0].ChildElements()) != 1 {
					t.Fatalf("no data Object:\n%s", res.Document)
				}
				kid := data[0].ChildElements()[0].ChildElements()[0]
				if ns := xmlsig.NamespaceOf(kid); ns != tc.ns {
					t.Errorf("%s is in namespace %q inside the Object, want %q:\n%s", kid.Tag, ns, tc.ns, res.Document)
				}
			})
		}
	}
	if _, err := xmldsig.Sign(context.Background(), []byte("<a Id='x'/>"), cred(t, pki, testKey(t, "p256"), "A", ""), xmldsig.Options{Profile: xmldsig.ProfileEnveloping, References: []string{"x"}}); !errors.Is(err, xmldsig.ErrInvalid) {
		t.Errorf("enveloping with references: %v, want ErrInvalid", err)
	}
}

// TestSignDetached signs a file kept apart from the signature: xmlsec1
// finds it beside the signature file and verifies; changed, it fails.
func TestSignDetached(t *testing.T) {
	pki := xmltest.NewPKI(t)
	content := []byte("%PDF-1.7\n% hồ sơ đề nghị cấp phép\n%%EOF\n")
	for _, key := range []string{"rsa2048", "p256"} {
		t.Run(key, func(t *testing.T) {
			c := cred(t, pki, testKey(t, key), "Sở Tư pháp Hà Nội", "")
			res, err := xmldsig.Sign(context.Background(), content, c, xmldsig.Options{Profile: xmldsig.ProfileDetached, DetachedURI: "hoso.pdf", ID: "det"})
			if err != nil {
				t.Fatalf("Sign = %v", err)
			}
			dir := t.TempDir()
			sigFile := filepath.Join(dir, "hoso.pdf.xml")
			if err := os.WriteFile(sigFile, res.Document, 0o600); err != nil {
				t.Fatal(err)
			}
			// xmlsec1 counts a relative URI as "remote" and resolves it
			// against its working directory.
			run := func() error {
				args := append([]string{"--verify", "--enabled-reference-uris", "same-doc,remote", "--trusted-pem", filepath.Join(pki.Dir, "root.pem"),
					"--untrusted-pem", filepath.Join(pki.Dir, "issuing.pem")}, xmltest.XMLSecIDs...)
				cmd := exec.Command("xmlsec1", append(args, sigFile)...)
				cmd.Dir = dir
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Logf("xmlsec1: %s", out)
				}
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, "hoso.pdf"), content, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := run(); err != nil {
				t.Fatalf("xmlsec1 rejects the detached signature: %v", err)
			}
			if err := os.WriteFile(filepath.Join(dir, "hoso.pdf"), append(content, ' '), 0o600); err != nil {
				t.Fatal(err)
			}
			if run() == nil {
				t.Errorf("xmlsec1 accepts the detached signature over changed content")
			}
		})
	}
	for _, uri := range []string{"", "../etc/passwd", "/etc/passwd", "http://x/y", "a b.pdf", "#id"} {
		if _, err := xmldsig.Sign(context.Background(), content, cred(t, pki, testKey(t, "p256"), "A", ""), xmldsig.Options{Profile: xmldsig.ProfileDetached, DetachedURI: uri}); !errors.Is(err, xmldsig.ErrInvalid) {
			t.Errorf("detached URI %q: %v, want ErrInvalid", uri, err)
		}
	}
}

// TestSignKeepsEarlier: a signature that would change what an earlier
// one covers is refused with ErrIntegrity: the earlier signature signs
// the whole document (URI=""), so any markup added breaks it.
func TestSignKeepsEarlier(t *testing.T) {
	pki := xmltest.NewPKI(t)
	first := cred(t, pki, testKey(t, "p256"), "Trung tâm Dịch vụ công Hà Nội", "MST:0101234567")
	second := cred(t, pki, testKey(t, "p256"), "Tổng cục Thuế", "MST:0100231226")
	ctx := context.Background()
	s1, err := xmldsig.Sign(ctx, xmltest.Invoice{Items: 2}.Make(), first, xmldsig.Options{Profile: xmldsig.ProfileEnveloped, ID: "whole"})
	if err != nil {
		t.Fatalf("Sign(whole document) = %v", err)
	}
	_, err = xmldsig.Sign(ctx, s1.Document, second, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, ID: "seller"})
	if !errors.Is(err, xmldsig.ErrIntegrity) {
		t.Errorf("Sign over a whole-document signature = %v, want ErrIntegrity", err)
	}
}

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
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/errkind"

	"github.com/kyso-vn/kyso/internal/xmlsig"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/xmldsig"
	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

const realworldXML = "../../shared/testdata/realworld-xml"

// xmlFixture is a test PKI with a seller's seal and a tax authority's key.
type xmlFixture struct {
	pki         *xmltest.PKI
	seller, tax model.Key
}

func newXMLFixture(t *testing.T) *xmlFixture {
	t.Helper()
	pki := xmltest.NewPKI(t)
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &xmlFixture{
		pki:    pki,
		seller: model.Key{Signer: rk, Cert: pki.Issue(t, rk.Public(), "Trung tâm Dịch vụ công Hà Nội", "Trung tâm Dịch vụ công", "MST:0101234567"), Chain: []*x509.Certificate{pki.Issuing}},
		tax:    model.Key{Signer: ek, Cert: pki.Issue(t, ek.Public(), "Tổng cục Thuế", "Bộ Tài chính", "MST:0100231226"), Chain: []*x509.Certificate{pki.Issuing}},
	}
}

func (f *xmlFixture) opts() Options {
	inter := x509.NewCertPool()
	inter.AddCert(f.pki.Issuing)
	return Options{Roots: f.pki.Roots(), Intermediates: inter, Revocation: knownIssuer{f.pki.Issuing}}
}

// invoice returns a seller-signed e-invoice and its countersigned form.
func (f *xmlFixture) invoice(t *testing.T, inv xmltest.Invoice) (signed, countersigned []byte) {
	t.Helper()
	ctx := context.Background()
	s1Res, err := xmldsig.Sign(ctx, inv.Make(), f.seller, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, ID: "seller"})
	if err != nil {
		t.Fatalf("Sign(seller) = %v", err)
	}
	s1 := s1Res.Document
	s2Res, err := xmldsig.Sign(ctx, s1, f.tax, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, ID: "cqt", Location: "/HDon/DSCKS/CQT"})
	if err != nil {
		t.Fatalf("Sign(tax authority) = %v", err)
	}
	s2 := s2Res.Document
	return s1, s2
}

func verifyXML(t *testing.T, doc []byte, opts Options) *Report {
	t.Helper()
	rep, err := VerifyXML(context.Background(), doc, opts)
	if err != nil {
		t.Fatalf("VerifyXML = %v", err)
	}
	return rep
}

func wantSig(t *testing.T, s Signature, ind Indication, sub SubIndication) {
	t.Helper()
	if s.Indication != ind || s.SubIndication != sub {
		t.Errorf("signature %s: %s/%s (%s), want %s/%s; warnings %q", s.Field, s.Indication, s.SubIndication, s.Detail, ind, sub, s.Warnings)
	}
}

// TestVerifyXMLInvoice verifies a seller-signed, tax-authority
// countersigned e-invoice: both pass, the facts are the invoice's and the
// certificate's tax code is compared with the seller's.
func TestVerifyXMLInvoice(t *testing.T) {
	f := newXMLFixture(t)
	s1, s2 := f.invoice(t, xmltest.Invoice{Number: 42, Items: 3, Seller: "Trung tâm Dịch vụ công Hà Nội"})
	rep := verifyXML(t, s1, f.opts())
	if !rep.Valid || rep.SignatureCount != 1 {
		t.Fatalf("seller-signed invoice: valid %t, %d signatures: %+v", rep.Valid, rep.SignatureCount, rep.Signatures)
	}
	rep = verifyXML(t, s2, f.opts())
	if !rep.Valid || rep.SignatureCount != 2 {
		t.Fatalf("countersigned invoice: valid %t, %d signatures: %+v", rep.Valid, rep.SignatureCount, rep.Signatures)
	}
	seller, tax := rep.Signatures[0], rep.Signatures[1]
	if seller.Field != "/HDon/DSCKS/NBan/Signature" || tax.Field != "/HDon/DSCKS/CQT/Signature" {
		t.Errorf("fields %q, %q", seller.Field, tax.Field)
	}
	inv := seller.EInvoice
	if inv == nil {
		t.Fatal("no e-invoice facts")
	}
	if inv.Block != "seller" || inv.Seller != "Trung tâm Dịch vụ công Hà Nội" || inv.SellerTaxCode != "0101234567" || inv.Number != "42" || inv.Series != "C26TAA" || !inv.DataCovered {
		t.Errorf("seller facts = %+v", inv)
	}
	if inv.CertificateTaxCode != "0101234567" || inv.TaxCodeMatch == nil || !*inv.TaxCodeMatch {
		t.Errorf("seller tax code match = %v (%q)", inv.TaxCodeMatch, inv.CertificateTaxCode)
	}
	if inv.SigningTime == "" || seller.ClaimedTime != inv.SigningTime {
		t.Errorf("signing time %q, claimed %q", inv.SigningTime, seller.ClaimedTime)
	}
	if tax.EInvoice.Block != "tax_authority" || tax.EInvoice.TaxCodeMatch != nil {
		t.Errorf("tax authority facts = %+v", tax.EInvoice)
	}
	if len(seller.References) != 2 || seller.References[0].Covers != "/HDon/DLHDon" || !seller.References[0].DigestValid ||
		seller.References[1].Covers != "/HDon/DSCKS/NBan/Signature/Object" {
		t.Errorf("seller references = %+v", seller.References)
	}
	if seller.Level != LevelXMLDSig || seller.SignatureAlgorithm != "RSA PKCS#1 v1.5 with SHA-256" || tax.SignatureAlgorithm != "ECDSA with SHA-256" {
		t.Errorf("level %q, algorithms %q, %q", seller.Level, seller.SignatureAlgorithm, tax.SignatureAlgorithm)
	}
	if seller.Signer.Name != "Trung tâm Dịch vụ công Hà Nội" || len(seller.Chain) != 3 {
		t.Errorf("signer %+v, chain of %d", seller.Signer, len(seller.Chain))
	}

	// A certificate of another tax code signing as the seller is pointed
	// out.
	other := f.seller
	other.Cert = f.pki.Issue(t, f.seller.Signer.Public(), "Công ty khác", "Công ty khác", "MST:0109999999")
	s3Res, err := xmldsig.Sign(context.Background(), xmltest.Invoice{}.Make(), other, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN})
	if err != nil {
		t.Fatal(err)
	}
	s3 := s3Res.Document
	s := verifyXML(t, s3, f.opts()).Signatures[0]
	if m := s.EInvoice.TaxCodeMatch; m == nil || *m || !slices.ContainsFunc(s.Warnings, func(w string) bool { return strings.Contains(w, "MST:0109999999") }) {
		t.Errorf("mismatched tax code: match %v, warnings %q", m, s.Warnings)
	}
}

// TestVerifyXMLChangedAmount: a changed amount breaks the seller's
// signature (HASH_FAILURE), whatever was added after it.
func TestVerifyXMLChangedAmount(t *testing.T) {
	f := newXMLFixture(t)
	_, s2 := f.invoice(t, xmltest.Invoice{Items: 2})
	bad := bytes.Replace(s2, []byte("<DGia>150000</DGia>"), []byte("<DGia>150001</DGia>"), 1)
	rep := verifyXML(t, bad, f.opts())
	if rep.Valid {
		t.Fatal("a changed invoice is valid")
	}
	for _, s := range rep.Signatures {
		wantSig(t, s, TotalFailed, HashFailure)
		if s.References[0].DigestValid {
			t.Errorf("reference to the invoice data still valid: %+v", s.References[0])
		}
	}
	// Changing white space inside the signed data breaks it too (the
	// canonical form keeps it); outside it, it does not.
	ws := bytes.Replace(s2, []byte("<SHDon>"), []byte("<SHDon> "), 1)
	wantSig(t, verifyXML(t, ws, f.opts()).Signatures[0], TotalFailed, HashFailure)
	outside := bytes.Replace(s2, []byte("</DLHDon>\n"), []byte("</DLHDon>\n\n\t  "), 1)
	if rep := verifyXML(t, outside, f.opts()); !rep.Valid {
		t.Errorf("white space outside the signed data invalidates: %+v", rep.Signatures)
	}
}

// TestVerifyXMLWrapping: the signed DLHDon kept elsewhere and a forged
// one put where applications read it. xmlsec1 (core validation only)
// accepts the document; kyso must not.
func TestVerifyXMLWrapping(t *testing.T) {
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{})
	orig := signed[bytes.Index(signed, []byte("<DLHDon")) : bytes.Index(signed, []byte("</DLHDon>"))+len("</DLHDon>")]
	forged := bytes.Replace(bytes.Replace(orig, []byte(`Id="data"`), []byte(`Id="forged"`), 1), []byte("<DGia>150000</DGia>"), []byte("<DGia>1</DGia>"), 1)

	t.Run("moved", func(t *testing.T) {
		// <HDon><DLHDon Id="forged">…</DLHDon><DSCKS>…</DSCKS><CCKSKhac>the original</CCKSKhac>
		doc := bytes.Replace(signed, orig, forged, 1)
		doc = bytes.Replace(doc, []byte("</HDon>"), append(append([]byte("<Kho>"), orig...), []byte("</Kho></HDon>")...), 1)
		if out, err := f.pki.XMLSec(t, doc); err != nil {
			t.Fatalf("xmlsec1 rejects the wrapped document (the test no longer shows the attack): %v\n%s", err, out)
		}
		s := verifyXML(t, doc, f.opts()).Signatures[0]
		wantSig(t, s, Indeterminate, SignedDataNotFound)
		if s.EInvoice.DataCovered || s.References[0].Covers != "/HDon/Kho/DLHDon" {
			t.Errorf("covered %t, reference covers %q", s.EInvoice.DataCovered, s.References[0].Covers)
		}
	})
	t.Run("duplicate Id", func(t *testing.T) {
		// The forged data carries the signed Id too, first.
		dup := bytes.Replace(forged, []byte(`Id="forged"`), []byte(`Id="data"`), 1)
		doc := bytes.Replace(signed, orig, append(dup, orig...), 1)
		rep := verifyXML(t, doc, f.opts())
		wantSig(t, rep.Signatures[0], TotalFailed, FormatFailure)
		if !strings.Contains(rep.Signatures[0].Detail, "several elements") || len(rep.Warnings) == 0 {
			t.Errorf("detail %q, document warnings %q", rep.Signatures[0].Detail, rep.Warnings)
		}
	})
}

// TestVerifyXMLComments: a comment in signed data is not part of the
// canonical form (the signature stays valid, as in every implementation),
// and the facts are read from all the text, not the text before the
// comment (the comment-truncation attack on SAML).
func TestVerifyXMLComments(t *testing.T) {
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{})
	doc := bytes.Replace(signed, []byte("<MST>0101234567</MST>"), []byte("<MST>0101<!-- -->234567</MST>"), 1)
	out, xerr := f.pki.XMLSec(t, doc)
	rep := verifyXML(t, doc, f.opts())
	if !rep.Valid || xerr != nil {
		t.Fatalf("comment in signed data: kyso valid %t, xmlsec1 %v %s", rep.Valid, xerr, out)
	}
	if got := rep.Signatures[0].EInvoice.SellerTaxCode; got != "0101234567" {
		t.Errorf("seller tax code read as %q, want 0101234567", got)
	}
}

// TestVerifyXMLParserAttacks: DTDs, entities and external references are
// refused before anything is read or fetched; oversized and deeply nested
// documents are refused.
func TestVerifyXMLParserAttacks(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`<!ENTITY x "pwned">`))
	}))
	defer srv.Close()
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{})
	body := string(signed[bytes.Index(signed, []byte("<HDon>")):])
	for _, tc := range []struct {
		name string
		doc  string
		opts Options
	}{
		{"external entity", `<?xml version="1.0"?><!DOCTYPE HDon [<!ENTITY x SYSTEM "file:///etc/passwd">]>` + strings.Replace(body, "<PBan>2.0.1", "<PBan>&x;", 1), Options{}},
		{"external DTD", `<!DOCTYPE HDon SYSTEM "` + srv.URL + `/x.dtd">` + body, Options{}},
		{"parameter entity", `<!DOCTYPE HDon [<!ENTITY % p SYSTEM "` + srv.URL + `/p"> %p;]>` + body, Options{}},
		{"billion laughs", `<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><l>&c;</l>`, Options{}},
		{"undefined entity", `<HDon>&x;</HDon>`, Options{}},
		{"deep nesting", strings.Repeat("<a>", 100_000) + strings.Repeat("</a>", 100_000), Options{}},
		{"too large", body, Options{MaxSize: 1024}},
		{"not UTF-8", `<?xml version="1.0" encoding="ISO-8859-1"?><a>` + "\xe9" + `</a>`, Options{}},
		{"two roots", `<a/><b/>`, Options{}},
		{"undeclared prefix", `<p:a/>`, Options{}},
		{"duplicate attribute", `<a x="1" x="2"/>`, Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := VerifyXML(context.Background(), []byte(tc.doc), tc.opts)
			if !errors.Is(err, ErrUnreadable) {
				t.Errorf("VerifyXML = %+v, %v; want ErrUnreadable", rep, err)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the verifier made %d network requests", n)
	}
}

// signRaw completes a signature template in doc: it fills in the digest
// of each reference (whatever the reference selects) and signs SignedInfo
// with key by method — how a careless or hostile signer would, and the
// way to make the SHA-1 signatures kyso refuses to make.
func signRaw(t *testing.T, doc string, key crypto.Signer, method string) []byte {
	t.Helper()
	d, err := xmlsig.Parse([]byte(doc), xmlsig.Limits{})
	if err != nil {
		t.Fatalf("Parse(template) = %v", err)
	}
	el := d.Signatures()[0]
	s, err := xmlsig.ReadSignature(el)
	if err != nil {
		t.Fatalf("ReadSignature(template) = %v", err)
	}
	for _, r := range s.References {
		dg, err := d.DigestReference(s, r)
		if err != nil {
			t.Fatalf("DigestReference(%q) = %v", r.URI, err)
		}
		doc = strings.Replace(doc, "<DigestValue>AA==</DigestValue>", "<DigestValue>"+base64.StdEncoding.EncodeToString(dg.Digest)+"</DigestValue>", 1)
	}
	if d, err = xmlsig.Parse([]byte(doc), xmlsig.Limits{}); err != nil {
		t.Fatal(err)
	}
	s, err = xmlsig.ReadSignature(d.Signatures()[0])
	if err != nil {
		t.Fatal(err)
	}
	si, err := d.SignedInfoBytes(s)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := xmlsig.SignatureMethod(method)
	h := m.Hash.New()
	h.Write(si)
	sig, err := key.Sign(rand.Reader, h.Sum(nil), m.Hash)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.Replace(doc, "<SignatureValue>AA==</SignatureValue>", "<SignatureValue>"+base64.StdEncoding.EncodeToString(sig)+"</SignatureValue>", 1))
}

func template(body, method, digest string, refs ...string) string {
	var b strings.Builder
	b.WriteString(`<Signature xmlns="http://www.w3.org/2000/09/xmldsig#" Id="s"><SignedInfo><CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/><SignatureMethod Algorithm="` + method + `"/>`)
	for _, r := range refs {
		b.WriteString(r + `<DigestMethod Algorithm="` + digest + `"/><DigestValue>AA==</DigestValue></Reference>`)
	}
	b.WriteString(`</SignedInfo><SignatureValue>AA==</SignatureValue><KeyInfo><X509Data><X509Certificate>CERT</X509Certificate></X509Data></KeyInfo></Signature>`)
	return strings.Replace(body, "<!--SIG-->", b.String(), 1)
}

// TestVerifyXMLSelectsNothing: a reference whose transforms select
// nothing (the enveloped transform applied to the signature itself) signs
// no data, however good its digest and signature value.
func TestVerifyXMLSelectsNothing(t *testing.T) {
	f := newXMLFixture(t)
	cert := base64.StdEncoding.EncodeToString(f.seller.Cert.Raw)
	env := `<Reference URI="#s"><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>`
	doc := strings.Replace(template(`<HoSo><Data Id="d">x</Data><!--SIG--></HoSo>`, xmlsig.RSASHA256, xmlsig.DigestSHA256, env), "CERT", cert, 1)
	signed := signRaw(t, doc, f.seller.Signer, xmlsig.RSASHA256)
	s := verifyXML(t, signed, f.opts()).Signatures[0]
	wantSig(t, s, TotalFailed, FormatFailure)
	if !strings.Contains(s.Detail, "selects nothing") {
		t.Errorf("detail %q", s.Detail)
	}
}

// TestVerifyXMLSHA1: a SHA-1 signature verifies, with a warning.
func TestVerifyXMLSHA1(t *testing.T) {
	f := newXMLFixture(t)
	cert := base64.StdEncoding.EncodeToString(f.seller.Cert.Raw)
	env := `<Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>`
	doc := strings.Replace(template(`<HoSo><Data>Đơn đề nghị</Data><!--SIG--></HoSo>`, xmlsig.RSASHA1, xmlsig.DigestSHA1, env), "CERT", cert, 1)
	signed := signRaw(t, doc, f.seller.Signer, xmlsig.RSASHA1)
	xmlsecOut, err := f.pki.XMLSec(t, signed)
	if err != nil {
		t.Fatalf("xmlsec1 rejects the SHA-1 test signature: %v\n%s", err, xmlsecOut)
	}
	s := verifyXML(t, signed, f.opts()).Signatures[0]
	wantSig(t, s, TotalPassed, "")
	if !slices.ContainsFunc(s.Warnings, func(w string) bool { return strings.Contains(w, "SHA-1, which is weak") }) {
		t.Errorf("no weak-algorithm warning: %q", s.Warnings)
	}
}

// TestVerifyXMLAgreesWithXMLSec: for documents kyso signs and then
// tampers with in several ways, kyso never says valid where xmlsec1 says
// the signature is broken.
func TestVerifyXMLAgreesWithXMLSec(t *testing.T) {
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{Items: 2})
	for name, doc := range map[string][]byte{
		"intact":          signed,
		"amount":          bytes.Replace(signed, []byte("<TgTTTBSo>"), []byte("<TgTTTBSo>1"), 1),
		"signing time":    bytes.Replace(signed, []byte("<SigningTime>20"), []byte("<SigningTime>19"), 1),
		"digest":          bytes.Replace(signed, []byte("<DigestValue>"), []byte("<DigestValue>AAAA"), 1),
		"attribute space": bytes.Replace(signed, []byte(`<DLHDon Id="data">`), []byte(`<DLHDon Id="data" xml:lang="vi">`), 1),
		"newline in attr": bytes.Replace(signed, []byte(`<DLHDon Id="data">`), []byte("<DLHDon Id=\"data\" x=\"a\nb\">"), 1),
		// Byte-level forms e-invoice software writes the same document
		// in: the parser reads them as the same nodes, so the signature
		// stays intact for both.
		"BOM":                   append([]byte("\xef\xbb\xbf"), signed...),
		"CRLF":                  bytes.ReplaceAll(signed, []byte("\n"), []byte("\r\n")),
		"lowercase utf-8":       bytes.Replace(signed, []byte(`encoding="UTF-8"`), []byte(`encoding="utf-8"`), 1),
		"no declaration":        signed[bytes.IndexByte(signed, '\n')+1:],
		"tab in start tag":      bytes.Replace(signed, []byte(`<DLHDon Id="data">`), []byte("<DLHDon\tId=\"data\"\t>"), 1),
		"single-quoted attr":    bytes.Replace(signed, []byte(`<DLHDon Id="data">`), []byte(`<DLHDon Id='data'>`), 1),
		"tab in signed text":    bytes.Replace(signed, []byte("<TgTTTBChu>"), []byte("<TgTTTBChu>\t"), 1),
		"char ref for a letter": bytes.Replace(signed, []byte("<TgTTTBChu>T"), []byte("<TgTTTBChu>&#84;"), 1),
	} {
		t.Run(name, func(t *testing.T) {
			_, xerr := f.pki.XMLSec(t, doc)
			rep, err := VerifyXML(context.Background(), doc, f.opts())
			if err != nil {
				t.Fatalf("VerifyXML = %v", err)
			}
			if rep.Valid != (xerr == nil) {
				t.Errorf("kyso valid %t, xmlsec1 error %v: %+v", rep.Valid, xerr, rep.Signatures[0])
			}
			if sameNodes := []string{"BOM", "CRLF", "lowercase utf-8", "no declaration", "tab in start tag", "single-quoted attr", "char ref for a letter"}; slices.Contains(sameNodes, name) && !rep.Valid {
				t.Errorf("the same document written differently is not valid: %+v", rep.Signatures[0])
			}
		})
	}
}

// TestVerifyXMLRealWorld runs the verifier over the third-party signed
// XML of realworld-xml and checks the verdict its source expects (README).
// The DSS test PKIs have no trust anchor here, so "valid" there means
// intact: every reference and the signature value check out, and the
// indication is INDETERMINATE for want of a trust anchor, not failed.
func TestVerifyXMLRealWorld(t *testing.T) {
	if _, err := os.Stat(realworldXML); err != nil {
		t.Fatalf("realworld-xml corpus not found beside the checkout: %v", err)
	}
	roots := func(files ...string) Options {
		r, in := x509.NewCertPool(), x509.NewCertPool()
		for _, name := range files {
			data, err := os.ReadFile(filepath.Join(realworldXML, "roots", name))
			if err != nil {
				t.Fatal(err)
			}
			if b, _ := pem.Decode(data); b != nil {
				data = b.Bytes
			}
			c, err := x509.ParseCertificate(data)
			if err != nil {
				t.Fatal(err)
			}
			if IsSelfSigned(c) {
				r.AddCert(c)
			} else {
				in.AddCert(c)
			}
		}
		return Options{Roots: r, Intermediates: in}
	}
	at := func(o Options, s string) Options {
		tm, _ := time.Parse(time.RFC3339, s)
		o.Now = func() time.Time { return tm }
		return o
	}
	const intact = "intact"
	cases := []struct {
		file string
		opts Options
		// want is, per signature, "intact" or an indication/sub-indication.
		want []string
	}{
		{"dss/Signature-X-BE_ECON-3.xml", Options{}, []string{intact}},
		{"dss/dss-signed.xml", Options{}, []string{intact}},
		{"dss/xades-extended-t.xml", Options{}, []string{intact}},
		{"dss/xades-lta-valid.xml", Options{}, []string{intact}},
		{"dss/XSW-enveloped-fake-signedProperties.xml", Options{}, []string{"INDETERMINATE/SIGNED_DATA_NOT_FOUND"}},
		{"dss/dss-signed-altered-refRemoved.xml", Options{}, []string{"TOTAL_FAILED/SIG_CRYPTO_FAILURE"}},
		{"dss/xades-tampered-reference.xml", Options{}, []string{"TOTAL_FAILED/FORMAT_FAILURE"}},
		{"dss/xades-wrong-sign-cert-digest.xml", Options{}, []string{"INDETERMINATE/NO_SIGNING_CERTIFICATE_FOUND"}},
		{"saml/saml_external_ns.xml", Options{}, []string{intact}},
		{"saml/valid_saml.xml", Options{}, []string{intact, intact}},
		{"saml/valid_saml_signature_wrapping.xml", Options{}, []string{"TOTAL_FAILED/FORMAT_FAILURE", "TOTAL_FAILED/FORMAT_FAILURE"}},
		{"saml/valid_saml_withcomments.xml", Options{}, []string{"TOTAL_FAILED/SIG_CRYPTO_FAILURE", intact}},
		{"xmlsec/phaos-signature-rsa-enveloped.xml", at(roots("xmlsec-phaos-rsa-ca-cert.der"), "2009-01-01T10:00:00Z"), []string{intact}},
		{"xmlsec/phaos-signature-rsa-enveloped-bad-digest-val.xml", at(roots("xmlsec-phaos-rsa-ca-cert.der"), "2009-01-01T10:00:00Z"), []string{"TOTAL_FAILED/HASH_FAILURE"}},
		{"xmlsec/xmldsig11-signature-enveloping-p256_sha256.xml", Options{}, []string{"INDETERMINATE/NO_SIGNING_CERTIFICATE_FOUND"}},
		{"xmlsec/aleksey-enveloping-expired-cert.xml", roots("xmlsec-keys-cacert.pem", "xmlsec-keys-ca2cert.pem"), []string{"INDETERMINATE/OUT_OF_BOUNDS_NO_POE"}},
	}
	// A file of the corpus without an expected verdict here (the
	// Vietnamese e-invoices its README lists, or files added later) is
	// still read: it must give a report with an indication for every
	// signature, never a crash; its verdict is logged to be judged.
	listed := map[string]bool{}
	for _, tc := range cases {
		listed[tc.file] = true
	}
	err := filepath.WalkDir(realworldXML, func(path string, de os.DirEntry, err error) error {
		if err != nil || de.IsDir() || !strings.EqualFold(filepath.Ext(path), ".xml") {
			return err
		}
		rel, _ := filepath.Rel(realworldXML, path)
		if listed[filepath.ToSlash(rel)] {
			return nil
		}
		t.Run("unlisted/"+filepath.ToSlash(rel), func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := VerifyXML(context.Background(), data, Options{})
			if err != nil {
				// A document refused as a whole (not XML, a DTD, over a
				// limit) is an answer too, if it says so as the document's
				// fault rather than an internal one.
				if errkind.KindOf(err) != errkind.InvalidDocument {
					t.Errorf("refused with %v (kind %v), want a report or an invalid-document error", err, errkind.KindOf(err))
				}
				t.Logf("refused: %v", err)
				return
			}
			for i, s := range rep.Signatures {
				if s.Indication == "" {
					t.Errorf("signature %d has no indication", i+1)
				}
				t.Logf("signature %d: %s/%s (%s)", i+1, s.Indication, s.SubIndication, s.Detail)
			}
			t.Logf("%s: valid=%v, %d signatures, not judged here", rel, rep.Valid, len(rep.Signatures))
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(realworldXML, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			rep := verifyXML(t, data, tc.opts)
			if len(rep.Signatures) != len(tc.want) {
				t.Fatalf("%d signatures, want %d", len(rep.Signatures), len(tc.want))
			}
			if rep.Valid {
				t.Errorf("valid without a trusted, current chain")
			}
			if strings.Contains(tc.file, "p256") && !strings.Contains(rep.Signatures[0].Detail, "verifies with a bare public key") {
				t.Errorf("the ECDSA KeyValue signature: %s, want it to verify with its bare key", rep.Signatures[0].Detail)
			}
			for i, s := range rep.Signatures {
				got := fmt.Sprintf("%s/%s", s.Indication, s.SubIndication)
				if tc.want[i] != intact {
					if got != tc.want[i] {
						t.Errorf("signature %d: %s (%s), want %s", i+1, got, s.Detail, tc.want[i])
					}
					continue
				}
				switch s.SubIndication {
				case SigCryptoFailure, HashFailure, FormatFailure, SignedDataNotFound, NoSigningCertificateFound:
					t.Errorf("signature %d: %s (%s), want intact", i+1, got, s.Detail)
				}
				if s.Indication == TotalFailed {
					t.Errorf("signature %d: %s (%s), want intact", i+1, got, s.Detail)
				}
				for _, r := range s.References {
					if !r.DigestValid {
						t.Errorf("signature %d: reference %q not valid: %s", i+1, r.URI, r.Problem)
					}
				}
			}
		})
	}
}

// TestVerifyXMLEnveloping verifies an enveloping signature kyso made: the
// reference covers the data Object.
func TestVerifyXMLEnveloping(t *testing.T) {
	f := newXMLFixture(t)
	res, err := xmldsig.Sign(context.Background(), []byte(`<HoSo><MaHS>H26-0001</MaHS></HoSo>`), f.tax, xmldsig.Options{Profile: xmldsig.ProfileEnveloping, ID: "env"})
	if err != nil {
		t.Fatal(err)
	}
	rep := verifyXML(t, res.Document, f.opts())
	s := rep.Signatures[0]
	if !rep.Valid || s.Field != "/Signature" || s.References[0].Covers != "/Signature/Object[1]" || s.EInvoice != nil {
		t.Errorf("enveloping: valid %t, field %q, references %+v", rep.Valid, s.Field, s.References)
	}
	bad := bytes.Replace(res.Document, []byte("H26-0001"), []byte("H26-0002"), 1)
	wantSig(t, verifyXML(t, bad, f.opts()).Signatures[0], TotalFailed, HashFailure)
}

// TestVerifyXMLEnvelopingInvoice: an e-invoice kyso signed enveloping
// (the invoice in the signature's Object, as POST /v1/sign/xml allows) is
// valid: the reference covers its DLHDon. An unsigned invoice added in a
// second Object is not covered, and the document is not valid.
func TestVerifyXMLEnvelopingInvoice(t *testing.T) {
	f := newXMLFixture(t)
	res, err := xmldsig.Sign(context.Background(), xmltest.Invoice{Number: 3}.Make(), f.tax, xmldsig.Options{Profile: xmldsig.ProfileEnveloping, ID: "env"})
	if err != nil {
		t.Fatal(err)
	}
	rep := verifyXML(t, res.Document, f.opts())
	if !rep.Valid || len(rep.Warnings) != 0 || rep.Signatures[0].Indication != TotalPassed {
		t.Errorf("enveloping e-invoice: valid %t, warnings %v, %+v", rep.Valid, rep.Warnings, rep.Signatures)
	}
	end := bytes.LastIndex(res.Document, []byte("</"))
	forged := slices.Concat(res.Document[:end], []byte(`<Object><HDon><DLHDon><TTChung><SHDon>4</SHDon></TTChung><NDHDon><TToan><TgTTTBSo>1</TgTTTBSo></TToan></NDHDon></DLHDon></HDon></Object>`), res.Document[end:])
	rep = verifyXML(t, forged, f.opts())
	if rep.Valid || !slices.ContainsFunc(rep.Warnings, func(w string) bool {
		return strings.HasPrefix(w, "the e-invoice data /Signature/Object[") && strings.HasSuffix(w, "]/HDon/DLHDon is not covered by a valid signature")
	}) {
		t.Errorf("enveloping e-invoice with an unsigned one added: valid %t, warnings %v", rep.Valid, rep.Warnings)
	}
}

// TestVerifyXMLWrappedInvoice: an invoice inside a tax authority message
// (TDiep/DLieu/HDon) is still read as an e-invoice; a signature outside
// any HDon has no e-invoice facts.
func TestVerifyXMLWrappedInvoice(t *testing.T) {
	f := newXMLFixture(t)
	_, s2 := f.invoice(t, xmltest.Invoice{Number: 14})
	body := s2[bytes.Index(s2, []byte("<HDon>")):]
	msg := append(append([]byte(`<?xml version="1.0" encoding="UTF-8"?><TDiep><TTChung><MLTDiep>202</MLTDiep></TTChung><DLieu>`), body...), []byte("</DLieu></TDiep>")...)
	rep := verifyXML(t, msg, f.opts())
	if !rep.Valid || len(rep.Signatures) != 2 {
		t.Fatalf("wrapped invoice: valid %t: %+v", rep.Valid, rep.Signatures)
	}
	for _, s := range rep.Signatures {
		if s.EInvoice == nil || s.EInvoice.Number != "14" || !s.EInvoice.DataCovered || s.References[0].Covers != "/TDiep/DLieu/HDon/DLHDon" {
			t.Errorf("%s: e-invoice %+v, references %+v", s.Field, s.EInvoice, s.References)
		}
	}
	if b := rep.Signatures[0].EInvoice.Block; b != "seller" {
		t.Errorf("block %q, want seller", b)
	}
}

// TestVerifyXMLWorkBudget: a document whose signatures would canonicalise
// it again and again is cut short with FORMAT_FAILURE, not hashed for
// minutes.
func TestVerifyXMLWorkBudget(t *testing.T) {
	f := newXMLFixture(t)
	cert := base64.StdEncoding.EncodeToString(f.seller.Cert.Raw)
	ref := `<Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>`
	refs := make([]string, xmlsig.MaxReferences)
	for i := range refs {
		refs[i] = ref
	}
	body := "<HoSo><Data>" + strings.Repeat("Hồ sơ ", 20000) + "</Data><!--SIG--></HoSo>"
	doc := strings.Replace(template(body, xmlsig.RSASHA256, xmlsig.DigestSHA256, refs...), "CERT", cert, 1)
	signed := signRaw(t, doc, f.seller.Signer, xmlsig.RSASHA256)
	s := verifyXML(t, signed, f.opts()).Signatures[0]
	wantSig(t, s, TotalFailed, FormatFailure)
	processed := 0
	for _, r := range s.References {
		if r.DigestValid {
			processed++
		}
	}
	// The budget is workFactor times the document plus 1 MiB: at least
	// workFactor whole-document references, and not all 64.
	if processed < workFactor || processed == len(s.References) || !strings.Contains(s.Detail, "canonicalise more than") {
		t.Errorf("%d of %d references processed (want %d to %d): %s", processed, len(s.References), workFactor, len(s.References)-1, s.Detail)
	}
}

// TestVerifyXMLDetached: a detached signature verifies with its content,
// fails with changed content, and without it says the reference is not
// followed.
func TestVerifyXMLDetached(t *testing.T) {
	f := newXMLFixture(t)
	content := []byte("%PDF-1.7\n% hồ sơ\n%%EOF\n")
	res, err := xmldsig.Sign(context.Background(), content, f.seller, xmldsig.Options{Profile: xmldsig.ProfileDetached, DetachedURI: "hoso.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyXMLDetached(context.Background(), res.Document, "hoso.pdf", content, f.opts())
	if err != nil || !rep.Valid || rep.Signatures[0].References[0].Covers != "detached: hoso.pdf" {
		t.Fatalf("VerifyXMLDetached = %v, %+v", err, rep)
	}
	rep, err = VerifyXMLDetached(context.Background(), res.Document, "hoso.pdf", append(content, ' '), f.opts())
	if err != nil {
		t.Fatal(err)
	}
	wantSig(t, rep.Signatures[0], TotalFailed, HashFailure)
	s := verifyXML(t, res.Document, f.opts()).Signatures[0]
	wantSig(t, s, TotalFailed, FormatFailure)
	if !strings.Contains(s.Detail, "not fetched") {
		t.Errorf("without the content: %s", s.Detail)
	}
}

// TestVerifyXMLUnsignedInvoice: an unsigned invoice slipped into a message
// beside a signed one makes the document not valid.
func TestVerifyXMLUnsignedInvoice(t *testing.T) {
	f := newXMLFixture(t)
	signed, _ := f.invoice(t, xmltest.Invoice{Number: 1})
	body := signed[bytes.Index(signed, []byte("<HDon>")):]
	forged := xmltest.Invoice{Number: 2, Amount: 1, DataID: "other"}.Make()
	forged = forged[bytes.Index(forged, []byte("<HDon>")):]
	msg := append(append(append([]byte(`<TDiep><DLieu>`), forged...), body...), []byte("</DLieu></TDiep>")...)
	rep := verifyXML(t, msg, f.opts())
	if rep.Valid || rep.SignatureCount != 1 || rep.Signatures[0].Indication != TotalPassed {
		t.Errorf("valid %t, %d signatures: %+v", rep.Valid, rep.SignatureCount, rep.Signatures)
	}
	if !slices.ContainsFunc(rep.Warnings, func(w string) bool { return strings.Contains(w, "/TDiep/DLieu/HDon[1]/DLHDon is not covered") }) {
		t.Errorf("warnings %q", rep.Warnings)
	}
}

// TestVerifyXMLChainedC14N rebuilds the layout of a published RSA-SHA1
// e-invoice (a .NET signer): the data reference has enveloped-signature
// then inclusive C14N, the SigningTime reference exclusive then
// inclusive C14N, so the second canonicalisation takes octets. kyso and
// xmlsec1 both accept it, and both reject it once the signing time is
// changed.
func TestVerifyXMLChainedC14N(t *testing.T) {
	f := newXMLFixture(t)
	cert := base64.StdEncoding.EncodeToString(f.seller.Cert.Raw)
	body := strings.Replace(string(xmltest.Invoice{EmptyBlocks: true}.Make()), "<NBan/>", "<NBan><!--SIG--></NBan>", 1)
	data := `<Reference URI="#data"><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature" /><Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315" /></Transforms>`
	st := `<Reference URI="#st" Type="https://vninvoice.vn/2021/xmldsig#SignatureProperties"><Transforms><Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#" /><Transform Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315" /></Transforms>`
	doc := strings.Replace(template(body, xmlsig.RSASHA1, xmlsig.DigestSHA1, data, st), "CERT", cert, 1)
	doc = strings.Replace(doc, "</KeyInfo></Signature>", `</KeyInfo><Object Id="st"><SignatureProperties><SignatureProperty Target="signatureProperties"><SigningTime>2023-10-19T11:11:51</SigningTime></SignatureProperty></SignatureProperties></Object></Signature>`, 1)
	signed := signRaw(t, doc, f.seller.Signer, xmlsig.RSASHA1)
	if out, err := f.pki.XMLSec(t, signed); err != nil {
		t.Fatalf("xmlsec1 rejects the test signature: %v\n%s", err, out)
	}
	s := verifyXML(t, signed, f.opts()).Signatures[0]
	wantSig(t, s, TotalPassed, "")
	for _, r := range s.References {
		if !r.DigestValid {
			t.Errorf("reference %q: %s", r.URI, r.Problem)
		}
	}
	if !strings.HasPrefix(s.ClaimedTime, "2023-10-19T11:11:51") {
		t.Errorf("claimed time %q, want the SigningTime object's", s.ClaimedTime)
	}
	changed := bytes.Replace(signed, []byte("<SigningTime>2023"), []byte("<SigningTime>2022"), 1)
	if _, err := f.pki.XMLSec(t, changed); err == nil {
		t.Fatal("xmlsec1 accepts a changed signing time")
	}
	wantSig(t, verifyXML(t, changed, f.opts()).Signatures[0], TotalFailed, HashFailure)
}

// TestVerifyXMLNegativeSerial: a published test e-invoice's signer
// certificate has a negative serial number, which crypto/x509 refuses.
// The signature value still verifies with its key (xmlsec1 agrees): the
// signature is INDETERMINATE for want of a readable certificate, not
// "carries no certificate", and a value made by another key fails.
func TestVerifyXMLNegativeSerial(t *testing.T) {
	f := newXMLFixture(t)
	key := f.seller.Signer.(*rsa.PrivateKey)
	cert := base64.StdEncoding.EncodeToString(xmltest.NegativeSerial(t, key, "KIỂM THỬ HĐĐT"))
	env := `<Reference URI="#data"><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>`
	body := strings.Replace(string(xmltest.Invoice{EmptyBlocks: true}.Make()), "<NBan/>", "<NBan><!--SIG--></NBan>", 1)
	doc := strings.Replace(template(body, xmlsig.RSASHA256, xmlsig.DigestSHA256, env), "CERT", cert, 1)
	signed := signRaw(t, doc, key, xmlsig.RSASHA256)
	if out, err := f.pki.XMLSec(t, signed, "--insecure"); err != nil {
		t.Fatalf("xmlsec1 --insecure rejects the test signature: %v\n%s", err, out)
	}
	s := verifyXML(t, signed, f.opts()).Signatures[0]
	wantSig(t, s, Indeterminate, NoSigningCertificateFound)
	if !strings.Contains(s.Detail, "negative serial") {
		t.Errorf("detail %q does not say why the certificate cannot be read", s.Detail)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	forged := signRaw(t, doc, other, xmlsig.RSASHA256)
	if _, err := f.pki.XMLSec(t, forged, "--insecure"); err == nil {
		t.Fatal("xmlsec1 accepts a value made by another key")
	}
	wantSig(t, verifyXML(t, forged, f.opts()).Signatures[0], TotalFailed, SigCryptoFailure)
}

// TestSameDNWindows: X509SubjectName as Windows signers write it in
// e-invoices (S=, E=, OID.0.9.2342.19200300.100.1.1=MST:…, a quoted value
// with commas, most specific first or last) names the certificate
// whose subject has those attributes, in any order, and not one whose
// tax code differs though its common name is the same.
func TestSameDNWindows(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	subj := pkix.Name{
		Country: []string{"VN"}, Province: []string{"TP Hồ Chí Minh"}, Locality: []string{"285/94B Cách mạng tháng 8, Phường 12, Quận 10, TP Hồ Chí Minh"},
		Organization: []string{"MÃ SỐ THUẾ TEST 109"}, CommonName: "MÃ SỐ THUẾ TEST 109",
		ExtraNames: []pkix.AttributeTypeAndValue{{Type: xmltest.OIDUID, Value: "MST:0106324653"}, {Type: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}, Value: "info@example.vn"}},
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: subj, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]bool{
		`C=VN, S=TP Hồ Chí Minh, L="285/94B Cách mạng tháng 8, Phường 12, Quận 10, TP Hồ Chí Minh", O=MÃ SỐ THUẾ TEST 109, CN=MÃ SỐ THUẾ TEST 109, OID.0.9.2342.19200300.100.1.1=MST:0106324653, E=info@example.vn`: true,
		`E=info@example.vn,UID=MST:0106324653,CN=MÃ SỐ THUẾ TEST 109,O=MÃ SỐ THUẾ TEST 109,L=285/94B Cách mạng tháng 8\, Phường 12\, Quận 10\, TP Hồ Chí Minh,ST=TP Hồ Chí Minh,C=VN`:                               true,
		`C=VN, S=TP Hồ Chí Minh, L="285/94B Cách mạng tháng 8, Phường 12, Quận 10, TP Hồ Chí Minh", O=MÃ SỐ THUẾ TEST 109, CN=MÃ SỐ THUẾ TEST 109, OID.0.9.2342.19200300.100.1.1=MST:0106324654, E=info@example.vn`: false,
		`CN=MÃ SỐ THUẾ TEST 109, C=VN`: false,
		`CN="MÃ SỐ THUẾ TEST 109`:      false,
	} {
		if got := sameDN(name, cert); got != want {
			t.Errorf("sameDN(%q) = %t, want %t", name, got, want)
		}
	}
}

// TestXAdESProductionPlace: a XAdES signature's SignatureProductionPlace
// is its location in the report (EU DSS's Belgian sample says Vilvoorde).
func TestXAdESProductionPlace(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(realworldXML, "dss/Signature-X-BE_ECON-3.xml"))
	if err != nil {
		t.Fatal(err)
	}
	rep, err := VerifyXML(context.Background(), doc, Options{})
	if err != nil {
		t.Fatalf("VerifyXML = %v", err)
	}
	if len(rep.Signatures) != 1 {
		t.Fatalf("%d signatures, want 1", len(rep.Signatures))
	}
	if got := rep.Signatures[0].Location; got != "Vilvoorde" {
		t.Errorf("location %q, want Vilvoorde", got)
	}
}

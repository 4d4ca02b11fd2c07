// Package xmltest makes XML documents and runs xmlsec1 for the tests of
// signer/xmldsig, the verifier and the API: e-invoices in the layout of
// Circular 78/2021/TT-BTC (the General Department of Taxation's XML
// format), and a test PKI.
package xmltest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Invoice describes a generated e-invoice.
type Invoice struct {
	// DataID is the Id of DLHDon ("data" when empty).
	DataID string
	// Number is SHDon, the invoice number; Series KHHDon.
	Number int
	Series string
	// Seller and SellerMST name the seller and its tax code.
	Seller, SellerMST string
	// Items is the number of goods lines; each adds about 500 bytes.
	Items int
	// Amount is the unit price of every line (VND).
	Amount int
	// WithMCCQT adds the tax authority's code element (MCCQT, Id
	// "mccqt") between DLHDon and DSCKS.
	WithMCCQT bool
	// EmptyBlocks writes DSCKS with empty NBan, NMua, CQT and CCKSKhac.
	EmptyBlocks bool
}

// Make returns the invoice as XML. Without DSCKS unless EmptyBlocks.
func (inv Invoice) Make() []byte {
	if inv.DataID == "" {
		inv.DataID = "data"
	}
	if inv.Seller == "" {
		inv.Seller = "Trung tâm Dịch vụ công Thành phố Hà Nội"
	}
	if inv.SellerMST == "" {
		inv.SellerMST = "0101234567"
	}
	if inv.Series == "" {
		inv.Series = "C26TAA"
	}
	if inv.Amount == 0 {
		inv.Amount = 150000
	}
	if inv.Items == 0 {
		inv.Items = 1
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n<HDon>\n")
	fmt.Fprintf(&b, `  <DLHDon Id=%q>
    <TTChung>
      <PBan>2.0.1</PBan>
      <THDon>Hóa đơn giá trị gia tăng</THDon>
      <KHMSHDon>1</KHMSHDon>
      <KHHDon>%s</KHHDon>
      <SHDon>%d</SHDon>
      <NLap>2026-09-20</NLap>
      <DVTTe>VND</DVTTe>
      <TGia>1</TGia>
      <HTTToan>TM/CK</HTTToan>
      <MSTTCGP>0100109106</MSTTCGP>
    </TTChung>
    <NDHDon>
      <NBan>
        <Ten>%s</Ten>
        <MST>%s</MST>
        <DChi>Số 1 Tràng Tiền, Hoàn Kiếm, Hà Nội</DChi>
        <SDThoai>024 3825 0000</SDThoai>
      </NBan>
      <NMua>
        <Ten>Công ty TNHH Ánh Dương &amp; Cộng sự</Ten>
        <MST>0312345678</MST>
        <DChi>12 Lê Lợi, Quận 1, TP Hồ Chí Minh</DChi>
      </NMua>
      <DSHHDVu>
`, inv.DataID, inv.Series, inv.Number, inv.Seller, inv.SellerMST)
	total := 0
	for i := 1; i <= inv.Items; i++ {
		fmt.Fprintf(&b, `        <HHDVu>
          <TChat>1</TChat>
          <STT>%d</STT>
          <MHHDVu>DV%04d</MHHDVu>
          <THHDVu>Phí dịch vụ cấp bản sao trích lục hộ tịch, lần %d</THHDVu>
          <DVTinh>Lần</DVTinh>
          <SLuong>1</SLuong>
          <DGia>%d</DGia>
          <ThTien>%d</ThTien>
          <TSuat>10%%</TSuat>
        </HHDVu>
`, i, i, i, inv.Amount, inv.Amount)
		total += inv.Amount
	}
	tax := total / 10
	fmt.Fprintf(&b, `      </DSHHDVu>
      <TToan>
        <THTTLTSuat><LTSuat><TSuat>10%%</TSuat><ThTien>%d</ThTien><TThue>%d</TThue></LTSuat></THTTLTSuat>
        <TgTCThue>%d</TgTCThue>
        <TgTThue>%d</TgTThue>
        <TgTTTBSo>%d</TgTTTBSo>
        <TgTTTBChu>Tổng cộng theo số</TgTTTBChu>
      </TToan>
    </NDHDon>
  </DLHDon>
`, total, tax, total, tax, total+tax)
	if inv.WithMCCQT {
		b.WriteString("  <MCCQT Id=\"mccqt\">00A1B2C3D4E5F60718293A4B5C6D7E8F9A</MCCQT>\n")
	}
	if inv.EmptyBlocks {
		b.WriteString("  <DSCKS>\n    <NBan/>\n    <NMua/>\n    <CQT/>\n    <CCKSKhac/>\n  </DSCKS>\n")
	}
	b.WriteString("</HDon>\n")
	return []byte(b.String())
}

// PKI is a root CA and an issuing CA under it, with ECDSA keys in memory
// (test keys: the only private keys allowed outside Vault).
type PKI struct {
	Root, Issuing       *x509.Certificate
	rootKey, issuingKey *ecdsa.PrivateKey
	// Dir holds root.pem and issuing.pem for xmlsec1.
	Dir string
}

// NewPKI makes a PKI valid from an hour ago for a day.
func NewPKI(t testing.TB) *PKI {
	t.Helper()
	p := &PKI{Dir: t.TempDir()}
	var err error
	if p.rootKey, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	if p.issuingKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ca := func(cn string) *x509.Certificate {
		return &x509.Certificate{
			SerialNumber: serial(), Subject: pkix.Name{Country: []string{"VN"}, Organization: []string{"kyso test"}, CommonName: cn},
			NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true,
		}
	}
	rt := ca("kyso test root")
	p.Root = create(t, rt, rt, p.rootKey.Public(), p.rootKey)
	p.Issuing = create(t, ca("kyso test issuing CA"), p.Root, p.issuingKey.Public(), p.rootKey)
	for name, c := range map[string]*x509.Certificate{"root.pem": p.Root, "issuing.pem": p.Issuing} {
		if err := os.WriteFile(filepath.Join(p.Dir, name), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// OIDUID is the userId attribute type (RFC 4519), which Vietnamese
// certificates use for "MST:<tax code>" and "CCCD:<citizen id>".
var OIDUID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}

// Issue issues a signing certificate for pub with common name cn,
// organisation org and, if uid is not empty, the UID uid ("MST:…").
func (p *PKI) Issue(t testing.TB, pub crypto.PublicKey, cn, org, uid string) *x509.Certificate {
	t.Helper()
	subj := pkix.Name{Country: []string{"VN"}, Province: []string{"Hà Nội"}, Organization: []string{org}, CommonName: cn}
	if uid != "" {
		subj.ExtraNames = []pkix.AttributeTypeAndValue{{Type: OIDUID, Value: uid}}
	}
	return create(t, &x509.Certificate{
		SerialNumber: serial(), Subject: subj,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(12 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}, p.Issuing, pub, p.issuingKey)
}

// IssueTSA issues a time-stamping certificate for pub (RFC 3161, 2.3:
// critical extended key usage timeStamping only).
func (p *PKI) IssueTSA(t testing.TB, pub crypto.PublicKey) *x509.Certificate {
	t.Helper()
	eku, err := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	if err != nil {
		t.Fatal(err)
	}
	return create(t, &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{Country: []string{"VN"}, Organization: []string{"kyso test"}, CommonName: "kyso test TSA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(12 * time.Hour),
		KeyUsage:        x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: eku}},
	}, p.Issuing, pub, p.issuingKey)
}

// Roots returns a pool with the root.
func (p *PKI) Roots() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(p.Root)
	return pool
}

func create(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatalf("create certificate: %v", err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse certificate: %v", err)
	}
	return c
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	return n
}

// XMLSecIDs are the --id-attr arguments that register the Id attributes
// of kyso's profiles for xmlsec1.
var XMLSecIDs = []string{
	"--id-attr:Id", "DLHDon",
	"--id-attr:Id", "MCCQT",
	"--id-attr:Id", "http://www.w3.org/2000/09/xmldsig#:Object",
	"--id-attr:Id", "http://www.w3.org/2000/09/xmldsig#:Signature",
	"--id-attr:Id", "http://uri.etsi.org/01903/v1.3.2#:SignedProperties",
}

// XMLSec runs xmlsec1 --verify on doc, trusting p's root (and p's issuing
// CA as an intermediate), with extra arguments, and returns its error and
// its standard output followed by its standard error.
func (p *PKI) XMLSec(t testing.TB, doc []byte, extra ...string) (string, error) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.xml")
	if err := os.WriteFile(f, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--verify", "--enabled-reference-uris", "empty,same-doc",
		"--trusted-pem", filepath.Join(p.Dir, "root.pem"), "--untrusted-pem", filepath.Join(p.Dir, "issuing.pem")}
	args = append(args, XMLSecIDs...)
	args = append(args, extra...)
	args = append(args, f)
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("xmlsec1", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String() + stderr.String(), err
}

// NegativeSerial returns a self-signed certificate for key with common
// name cn and a negative serial number, as old Windows tools (makecert)
// made them and published e-invoice test certificates still carry:
// crypto/x509 refuses to parse it, OpenSSL reads it.
func NegativeSerial(t testing.TB, key crypto.Signer, cn string) []byte {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{Country: []string{"VN"}, CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(12 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	var cert struct {
		TBS, Alg asn1.RawValue
		Sig      asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &cert); err != nil {
		t.Fatal(err)
	}
	// The TBSCertificate's fields, the serial (after the explicit
	// version) replaced.
	var fields []byte
	for rest, i := cert.TBS.Bytes, 0; len(rest) > 0; i++ {
		var f asn1.RawValue
		if rest, err = asn1.Unmarshal(rest, &f); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			if f.FullBytes, err = asn1.Marshal(new(big.Int).Neg(serial())); err != nil {
				t.Fatal(err)
			}
		}
		fields = append(fields, f.FullBytes...)
	}
	tbs, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSequence, IsCompound: true, Bytes: fields})
	if err != nil {
		t.Fatal(err)
	}
	h := crypto.SHA256.New()
	h.Write(tbs)
	sig, err := key.Sign(rand.Reader, h.Sum(nil), crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	cert.TBS = asn1.RawValue{FullBytes: tbs}
	cert.Sig = asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}
	out, err := asn1.Marshal(cert)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509.ParseCertificate(out); err == nil {
		t.Fatal("crypto/x509 parses the negative-serial certificate")
	}
	return out
}

// Seeds returns fuzzing seeds: the third-party signed XML of the shared
// corpus (corpus is its realworld-xml directory, relative to the test's
// package), a generated e-invoice and some hostile inputs (a DTD with an
// entity, attribute values to normalise, a duplicated ID).
func Seeds(tb testing.TB, corpus string) [][]byte {
	tb.Helper()
	names, _ := filepath.Glob(filepath.Join(corpus, "*", "*.xml"))
	if len(names) == 0 {
		tb.Fatal("no realworld-xml seeds beside the checkout")
	}
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	return append(out,
		Invoice{Items: 2, WithMCCQT: true, EmptyBlocks: true}.Make(),
		[]byte(`<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>`),
		[]byte("<a xmlns:p='urn:p' p:x='1&#10;2\n3' xml:lang='vi'><!--c--><?pi d?><b xmlns=''><![CDATA[<&>]]></b></a>"),
		[]byte(`<r xmlns="urn:D"><c xmlns="" Id="x"/><c Id="x"/></r>`),
	)
}

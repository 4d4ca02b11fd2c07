package truststore_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/truststore"
)

// exportRepoTSL writes the repository's bundle (trust/vn) as a trusted list.
func exportRepoTSL(t *testing.T) ([]byte, *truststore.Bundle) {
	t.Helper()
	b, err := truststore.LoadBundle(context.Background(), truststore.BundleDir("../trust/vn"), []*x509.Certificate{repoSigner(t).cert})
	if err != nil {
		t.Fatal(err)
	}
	issued := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	xml, err := truststore.ExportTSL(b.Certs, truststore.TSLExport{Operator: "kyso test", Territory: "VN", Sequence: b.Manifest.Version,
		Issued: issued, NextUpdate: issued.AddDate(0, 6, 0)})
	if err != nil {
		t.Fatal(err)
	}
	return xml, b
}

// schemaDir holds the XML schemas kyso's tests validate against, with
// the catalog that maps the locations they import to the copies there
// (its README.md): TS 119 612's among them.
const schemaDir = "../verifier/etsireport/testdata/xsd"

// xmllintSchema validates doc against TS 119 612's schema with xmllint,
// offline.
func xmllintSchema(t *testing.T, doc []byte) (string, error) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "tl.xml")
	if err := os.WriteFile(f, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("xmllint", "--nonet", "--noout", "--schema", filepath.Join(schemaDir, "ts_119612v020101_xsd.xsd"), f)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+filepath.Join(schemaDir, "catalog.xml"))
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestExportTSLSchemaValid: the trusted list kyso exports of its bundle
// is valid against ETSI TS 119 612's XML schema (xmllint), and importing
// it gives back the bundle's certificates, each once.
func TestExportTSLSchemaValid(t *testing.T) {
	doc, b := exportRepoTSL(t)
	if out, err := xmllintSchema(t, doc); err != nil {
		t.Fatalf("xmllint --schema: %v\n%s", err, out)
	}
	tl, err := truststore.ImportTSL(doc)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Certs) != len(b.Certs) || len(tl.Left) != 0 || tl.Territory != "VN" || tl.Sequence != b.Manifest.Version {
		t.Fatalf("ImportTSL(export) = %d certificates, left %v, territory %q, sequence %d; want the bundle's %d", len(tl.Certs), tl.Left, tl.Territory, tl.Sequence, len(b.Certs))
	}
	for _, want := range b.Certs {
		found := false
		for _, got := range tl.Certs {
			found = found || got.Cert.Equal(want.Cert)
		}
		if !found {
			t.Errorf("%s not imported back", want.File)
		}
	}
	// The schema check can fail: a list without its scheme's operator
	// name is refused by xmllint.
	bad := bytes.Replace(doc, []byte("<SchemeOperatorName>"), []byte("<SchemeOperatorNam>"), 1)
	bad = bytes.Replace(bad, []byte("</SchemeOperatorName>"), []byte("</SchemeOperatorNam>"), 1)
	if _, err := xmllintSchema(t, bad); err == nil {
		t.Errorf("xmllint accepted a list without SchemeOperatorName")
	}
}

// TestImportTSLStatus: only services whose status is granted are
// imported; a withdrawn one is named in Left.
func TestImportTSLStatus(t *testing.T) {
	doc, b := exportRepoTSL(t)
	// Withdraw the first service.
	withdrawn := bytes.Replace(doc, []byte("Svcstatus/granted"), []byte("Svcstatus/withdrawn"), 1)
	tl, err := truststore.ImportTSL(withdrawn)
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Certs) != len(b.Certs)-1 || len(tl.Left) != 1 || !strings.Contains(tl.Left[0], "withdrawn") {
		t.Errorf("ImportTSL with one service withdrawn = %d certificates, left %v; want %d and the withdrawn one named", len(tl.Certs), tl.Left, len(b.Certs)-1)
	}
	for _, bad := range []string{"", "<x/>", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><TrustServiceStatusList xmlns="http://uri.etsi.org/02231/v2#"/>`} {
		if _, err := truststore.ImportTSL([]byte(bad)); !errors.Is(err, truststore.ErrTSL) {
			t.Errorf("ImportTSL(%q) = %v, want ErrTSL", bad, err)
		}
	}
}

// sigTemplate is an enveloped XML signature template for xmlsec1.
const sigTemplate = `<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="tl-sig">
<ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>
<ds:Reference URI="">
<ds:Transforms>
<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
</ds:Transforms>
<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>
<ds:DigestValue/>
</ds:Reference>
</ds:SignedInfo>
<ds:SignatureValue/>
<ds:KeyInfo><ds:X509Data/></ds:KeyInfo>
</ds:Signature>
`

// TestCheckTSLSignature: a trusted list signed by xmlsec1 (a tool kyso
// did not write) with the scheme operator's key passes
// CheckTSLSignature with that operator pinned; with another operator
// pinned, or once a byte of the list changed, it does not.
func TestCheckTSLSignature(t *testing.T) {
	doc, _ := exportRepoTSL(t)
	dir := t.TempDir()
	tpl := bytes.Replace(doc, []byte("</TrustServiceStatusList>"), []byte(sigTemplate+"</TrustServiceStatusList>"), 1)
	in, out := filepath.Join(dir, "tpl.xml"), filepath.Join(dir, "signed.xml")
	if err := os.WriteFile(in, tpl, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("xmlsec1", "--sign", "--privkey-pem", "testdata/bundle-signer.key,../trust/bundle-signer.crt", "--output", out, in)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xmlsec1 --sign: %v\n%s", err, b)
	}
	signed, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if o, err := xmllintSchema(t, signed); err != nil {
		t.Fatalf("the signed list is not schema-valid: %v\n%s", err, o)
	}
	ctx := context.Background()
	if err := truststore.CheckTSLSignature(ctx, signed, []*x509.Certificate{repoSigner(t).cert}); err != nil {
		t.Fatalf("CheckTSLSignature with the operator pinned = %v", err)
	}
	if tl, err := truststore.ImportTSL(signed); err != nil || !tl.Signed {
		t.Errorf("ImportTSL(signed) = %v, Signed %v", err, tl != nil && tl.Signed)
	}
	if err := truststore.CheckTSLSignature(ctx, signed, []*x509.Certificate{otherSigner(t).cert}); !errors.Is(err, truststore.ErrTSL) {
		t.Errorf("CheckTSLSignature with another operator pinned = %v, want ErrTSL", err)
	}
	tampered := bytes.Replace(signed, []byte("Svcstatus/granted"), []byte("Svcstatus/withdrawn"), 1)
	if err := truststore.CheckTSLSignature(ctx, tampered, []*x509.Certificate{repoSigner(t).cert}); !errors.Is(err, truststore.ErrTSL) {
		t.Errorf("CheckTSLSignature of a changed list = %v, want ErrTSL", err)
	}
	if err := truststore.CheckTSLSignature(ctx, doc, []*x509.Certificate{repoSigner(t).cert}); !errors.Is(err, truststore.ErrTSL) {
		t.Errorf("CheckTSLSignature of an unsigned list = %v, want ErrTSL", err)
	}
}

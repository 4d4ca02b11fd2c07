package extca

import (
	"crypto/x509"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestChainAndCRL: a root, an intermediate and a CA certificate from a CSR
// verify in openssl and Go, and the CRLs are signed by their CAs and list
// a revoked certificate.
func TestChainAndCRL(t *testing.T) {
	dir := t.TempDir()
	root := NewRoot(t, dir, "root", Opts{Subject: "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test Root CA"})
	srv := httptest.NewServer(NewServer(root))
	defer srv.Close()
	inter := root.NewIntermediate(t, dir, "inter", Opts{Subject: "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test Intermediate CA",
		Ext: DefaultCAExt + "crlDistributionPoints=URI:" + srv.URL + "/root.crl\n"})
	csr := filepath.Join(dir, "leaf.csr")
	Run(t, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", filepath.Join(dir, "leaf.key"), "-out", csr, "-utf8", "-subj", "/C=VN/O=Ủy ban nhân dân/CN=Issuing CA")
	leaf := inter.Sign(t, csr, filepath.Join(dir, "leaf.pem"), Opts{})
	if out := Run(t, "verify", "-CAfile", root.CertPEM, "-untrusted", inter.CertPEM, leaf); !strings.Contains(out, ": OK") {
		t.Fatalf("openssl verify: %s", out)
	}
	if inter.Cert.CheckSignatureFrom(root.Cert) != nil || len(inter.Cert.CRLDistributionPoints) != 1 || inter.Cert.MaxPathLen != -1 {
		t.Errorf("intermediate = %+v", inter.Cert)
	}
	rl, err := x509.ParseRevocationList(root.CRL())
	if err != nil || rl.CheckSignatureFrom(root.Cert) != nil {
		t.Fatalf("root CRL: %v", err)
	}
	inter.Revoke(t, leaf)
	rl, err = x509.ParseRevocationList(inter.CRL())
	if err != nil || rl.CheckSignatureFrom(inter.Cert) != nil || len(rl.RevokedCertificateEntries) != 1 {
		t.Fatalf("intermediate CRL after revocation: %v, %d entries", err, len(rl.RevokedCertificateEntries))
	}
}

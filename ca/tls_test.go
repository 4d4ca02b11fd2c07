package ca_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/store"
)

func TestParseTLSHosts(t *testing.T) {
	tests := []struct {
		hosts   []string
		wantDNS []string
		wantIPs int
		wantErr string
	}{
		{[]string{"kyso.example.gov.vn", "127.0.0.1", "::1", "localhost"}, []string{"kyso.example.gov.vn", "localhost"}, 2, ""},
		{nil, nil, 0, "no host"},
		{[]string{"*.example.gov.vn"}, nil, 0, "not a lower-case DNS name"},
		{[]string{"Kyso.Example.gov.vn"}, nil, 0, "not a lower-case DNS name"},
		{[]string{"kyso.example.gov.vn."}, nil, 0, "not a lower-case DNS name"},
		{[]string{"kyso"}, nil, 0, "fully qualified"},
		{[]string{"-bad.example.vn"}, nil, 0, "not a lower-case DNS name"},
		{[]string{"fe80::1%eth0"}, nil, 0, "zone"},
		{[]string{"a.vn", "a.vn"}, nil, 0, "twice"},
		{[]string{"https://a.vn"}, nil, 0, "not"},
	}
	for _, tc := range tests {
		dns, ips, err := ca.ParseTLSHosts(tc.hosts)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseTLSHosts(%q) = %v, want an error containing %q", tc.hosts, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(dns, tc.wantDNS) || len(ips) != tc.wantIPs {
			t.Errorf("ParseTLSHosts(%q) = %q, %v, %v; want %q and %d addresses", tc.hosts, dns, ips, err, tc.wantDNS, tc.wantIPs)
		}
	}
}

// TestTLSServerCredential issues kyso's HTTPS certificate with its key in
// Vault, reuses it while it is fresh and for the same hosts, and renews it
// (with a new key version) for other hosts or when a third of its life is
// left.
func TestTLSServerCredential(t *testing.T) {
	e := newEnv(t, nil)
	e.bootstrap(t)
	ctx := context.Background()
	hosts := []string{"kyso.example.gov.vn", "127.0.0.1"}
	first, err := e.ca.TLSServerCredential(ctx, hosts)
	if err != nil {
		t.Fatalf("TLSServerCredential(%q) = %v", hosts, err)
	}
	c := first.Cert
	if !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) || c.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("EKU %v, KeyUsage %v; want serverAuth and digitalSignature", c.ExtKeyUsage, c.KeyUsage)
	}
	if pub, ok := c.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Errorf("public key %T, want ECDSA P-256", c.PublicKey)
	}
	roots := x509.NewCertPool()
	roots.AddCert(first.Chain[len(first.Chain)-1])
	inter := x509.NewCertPool()
	inter.AddCert(first.Chain[0])
	for _, h := range hosts {
		if _, err := c.Verify(x509.VerifyOptions{DNSName: h, Roots: roots, Intermediates: inter}); err != nil {
			t.Errorf("Verify(DNSName %q) = %v", h, err)
		}
	}
	if _, err := c.Verify(x509.VerifyOptions{DNSName: "other.example.gov.vn", Roots: roots, Intermediates: inter}); err == nil {
		t.Error("the certificate verifies for a host it was not issued for")
	}
	// The Vault signer signs what TLS 1.3 asks of an ECDSA P-256 key: a
	// plain ECDSA signature over a SHA-256 digest.
	digest := sha256.Sum256([]byte("TLS 1.3, server CertificateVerify"))
	sig, err := first.Signer.Sign(rand.Reader, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatalf("Sign() = %v", err)
	}
	if !ecdsa.VerifyASN1(c.PublicKey.(*ecdsa.PublicKey), digest[:], sig) {
		t.Error("the Vault signature does not verify under the certificate's key")
	}
	rec, err := e.store.GetCertificate(ctx, first.CertID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Profile != ca.ProfileTLSServer || rec.CredentialID != "" || rec.KeyVersion != 1 || rec.Status != store.CertActive {
		t.Errorf("record = %+v, want an active tls-server certificate without credential, key version 1", rec)
	}
	info, err := e.keys.Info(ctx, rec.KeyName)
	if err != nil {
		t.Fatal(err)
	}
	if info.Exportable || info.AllowPlaintextBackup {
		t.Errorf("TLS key exportable=%v allow_plaintext_backup=%v, want false/false", info.Exportable, info.AllowPlaintextBackup)
	}

	again, err := e.ca.TLSServerCredential(ctx, []string{"127.0.0.1", "kyso.example.gov.vn"})
	if err != nil || again.CertID != first.CertID {
		t.Errorf("second TLSServerCredential = %v, %v; want the same certificate %s", again, err, first.CertID)
	}
	other, err := e.ca.TLSServerCredential(ctx, []string{"kyso.hanoi.gov.vn"})
	if err != nil {
		t.Fatal(err)
	}
	if other.CertID == first.CertID || !slices.Equal(other.Cert.DNSNames, []string{"kyso.hanoi.gov.vn"}) || len(other.Cert.IPAddresses) != 0 {
		t.Errorf("for other hosts: certificate %s names %v %v", other.CertID, other.Cert.DNSNames, other.Cert.IPAddresses)
	}
	if other.Cert.PublicKey.(*ecdsa.PublicKey).Equal(c.PublicKey) {
		t.Error("a new TLS certificate reuses the previous key version")
	}
	// Two thirds of 90 days later, the certificate is renewed.
	e.now = e.now.Add(61 * 24 * time.Hour)
	renewed, err := e.ca.TLSServerCredential(ctx, []string{"kyso.hanoi.gov.vn"})
	if err != nil {
		t.Fatal(err)
	}
	if renewed.CertID == other.CertID {
		t.Error("a TLS certificate with less than a third of its life left was not renewed")
	}
	if _, err := e.ca.TLSServerCredential(ctx, []string{"*.hanoi.gov.vn"}); !errors.Is(err, ca.ErrInvalid) {
		t.Errorf("TLSServerCredential(wildcard) = %v, want ErrInvalid", err)
	}
}

// clientCSR makes a CSR with a throwaway key: the client system's own key,
// which kyso never holds. The CSR asks for things kyso must ignore.
func clientCSR(t *testing.T) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	evil, _ := url.Parse(ca.ClientURIPrefix + "cli_someoneelse")
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:  pkix.Name{CommonName: "kyso Root CA", Organization: []string{"kyso"}},
		DNSNames: []string{"kyso.example.gov.vn"},
		URIs:     []*url.URL{evil},
	}, key)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

// TestClientCert issues a client system's TLS certificate from its CSR,
// maps it back to the client while it is in force, and refuses it once
// revoked, as it refuses other kyso certificates and foreign ones.
func TestClientCert(t *testing.T) {
	e := newEnv(t, nil)
	e.bootstrap(t)
	ctx := context.Background()
	key, csr := clientCSR(t)
	issued, err := e.ca.IssueClientCert(ctx, ca.ClientCertRequest{ClientID: "cli_abc234", ClientName: "e-office Hà Nội", CSR: csr})
	if err != nil {
		t.Fatalf("IssueClientCert() = %v", err)
	}
	c := issued.Leaf
	if !slices.Equal(c.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) || c.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("EKU %v, KeyUsage %v; want clientAuth and digitalSignature", c.ExtKeyUsage, c.KeyUsage)
	}
	if len(c.URIs) != 1 || c.URIs[0].String() != ca.ClientURIPrefix+"cli_abc234" {
		t.Errorf("URIs = %v, want only %scli_abc234", c.URIs, ca.ClientURIPrefix)
	}
	if c.Subject.CommonName != "e-office Hà Nội" || len(c.Subject.Organization) != 0 || len(c.DNSNames) != 0 {
		t.Errorf("subject %q, DNS names %v: the CSR's requests were copied", c.Subject, c.DNSNames)
	}
	if !key.PublicKey.Equal(c.PublicKey) {
		t.Error("the certificate is not for the CSR's key")
	}
	if issued.Record.Profile != ca.ProfileTLSClient || issued.Record.KeyName != "" || issued.Record.CredentialID != "" {
		t.Errorf("record = %+v, want a tls-client certificate without Vault key or credential", issued.Record)
	}
	id, err := e.ca.ClientCertID(ctx, c)
	if err != nil || id != "cli_abc234" {
		t.Fatalf("ClientCertID() = %q, %v; want cli_abc234", id, err)
	}
	cas, err := e.ca.TLSClientCAs(ctx)
	if err != nil || len(cas) != 2 {
		t.Errorf("TLSClientCAs() = %d certificates, %v; want the root and the issuing CA", len(cas), err)
	}

	// Not a client certificate: a citizen's, kyso's own TLS server's, a
	// foreign CA's.
	cit, err := e.ca.Issue(ctx, citizen)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := e.ca.TLSServerCredential(ctx, []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	fkey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ftmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: c.Issuer, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), URIs: c.URIs, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	fder, _ := x509.CreateCertificate(rand.Reader, ftmpl, ftmpl, fkey.Public(), fkey)
	foreign, _ := x509.ParseCertificate(fder)
	for name, leaf := range map[string]*x509.Certificate{"citizen": cit.Leaf, "tls-server": srv.Cert, "foreign": foreign} {
		if id, err := e.ca.ClientCertID(ctx, leaf); !errors.Is(err, ca.ErrClientCert) {
			t.Errorf("ClientCertID(%s) = %q, %v; want ErrClientCert", name, id, err)
		}
	}

	if _, err := e.ca.Renew(ctx, issued.Record.ID); !errors.Is(err, ca.ErrConflict) {
		t.Errorf("Renew(client certificate) = %v, want ErrConflict", err)
	}
	if _, err := e.ca.Revoke(ctx, issued.Record.ID, "keyCompromise"); err != nil {
		t.Fatalf("Revoke(client certificate) = %v", err)
	}
	if id, err := e.ca.ClientCertID(ctx, c); !errors.Is(err, ca.ErrClientCert) || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("ClientCertID(revoked) = %q, %v; want ErrClientCert saying revoked", id, err)
	}
	crlDER, err := e.ca.CRL(ctx, "issuing-1")
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(crlDER)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(crl.RevokedCertificateEntries, func(r x509.RevocationListEntry) bool { return r.SerialNumber.Cmp(c.SerialNumber) == 0 }) {
		t.Error("the revoked client certificate is not on the CRL")
	}
}

func TestClientCertRejectsBadInput(t *testing.T) {
	e := newEnv(t, nil)
	e.bootstrap(t)
	ctx := context.Background()
	_, good := clientCSR(t)
	block, _ := pem.Decode(good)
	tampered := append([]byte(nil), block.Bytes...)
	tampered[len(tampered)-5] ^= 0xff // in the signature
	weak, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	weakDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "x"}}, weak)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  ca.ClientCertRequest
	}{
		{"no CSR", ca.ClientCertRequest{ClientID: "cli_a", ClientName: "A"}},
		{"certificate, not CSR", ca.ClientCertRequest{ClientID: "cli_a", ClientName: "A", CSR: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes})}},
		{"bad signature", ca.ClientCertRequest{ClientID: "cli_a", ClientName: "A", CSR: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: tampered})}},
		{"P-224 key", ca.ClientCertRequest{ClientID: "cli_a", ClientName: "A", CSR: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: weakDER})}},
		{"two blocks", ca.ClientCertRequest{ClientID: "cli_a", ClientName: "A", CSR: append(append([]byte(nil), good...), good...)}},
		{"bad client ID", ca.ClientCertRequest{ClientID: "cli/a", ClientName: "A", CSR: good}},
	}
	for _, tc := range tests {
		if _, err := e.ca.IssueClientCert(ctx, tc.req); !errors.Is(err, ca.ErrInvalid) {
			t.Errorf("IssueClientCert(%s) = %v, want ErrInvalid", tc.name, err)
		}
	}
	for _, p := range []string{ca.ProfileTLSClient, ca.ProfileTLSServer} {
		if _, err := e.ca.Issue(ctx, ca.Request{Profile: p, Subject: model.Subject{Name: "x"}}); !errors.Is(err, ca.ErrInvalid) {
			t.Errorf("Issue(profile %s) = %v, want ErrInvalid", p, err)
		}
	}
}

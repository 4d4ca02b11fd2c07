package app_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/store"
)

// caKeys hands the CA a keys.Manager (Vault Transit) as ca.Keys, as
// cmd/kyso's wiring does.
type caKeys struct{ m *keys.Manager }

func (k caKeys) CreateKey(ctx context.Context, name, keyType string) error {
	kt, err := keys.ParseKeyType(keyType)
	if err != nil {
		return err
	}
	return k.m.Create(ctx, name, kt)
}

func (k caKeys) RotateKey(ctx context.Context, name string) (int, error) {
	return k.m.Rotate(ctx, name)
}

func (k caKeys) KeySigner(ctx context.Context, name string, version int) (crypto.Signer, error) {
	s, err := k.m.Signer(ctx, name, version)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// newTLSCA is kyso's own CA on a real Vault mount and real SQLite,
// bootstrapped.
func newTLSCA(t *testing.T) (*ca.Authority, store.Store) {
	t.Helper()
	ctx := t.Context()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	km, err := keys.New(vaulttest.Client(t), keys.Config{Mount: vaulttest.NewMount(t)})
	if err != nil {
		t.Fatal(err)
	}
	authority, err := ca.New(ca.Config{BaseURL: "https://kyso.example.gov.vn", RootKeyType: "rsa-2048", IssuingKeyType: "rsa-2048"}, st, caKeys{km})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := authority.Bootstrap(ctx); err != nil {
		t.Fatalf("Bootstrap() = %v", err)
	}
	return authority, st
}

// operatorPEM is an operator's server certificate, valid from notBefore
// to notAfter, signed by a CA of the operator's, and its key (a test
// key), as PEM.
func operatorPEM(t *testing.T, notBefore, notAfter time.Time) (certPEM, keyPEM []byte, leaf *x509.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Operator Test CA"}, NotBefore: notBefore, NotAfter: notAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: notBefore, NotAfter: notAfter, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ = x509.ParseCertificate(der)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPEM = append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})...)
	return certPEM, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), leaf
}

// TestTLSFromFile: in mode file, the operator's certificate and key (read
// by cmd) are served as given, with the chain; an expired certificate, a
// key that is not the certificate's and a mode with no certificate are
// refused. client_auth none asks the CA for nothing.
func TestTLSFromFile(t *testing.T) {
	ctx := t.Context()
	now := time.Now()
	certPEM, keyPEM, leaf := operatorPEM(t, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	sec := ca.TLSSection{Mode: "file", CertFile: "/etc/kyso/tls.crt", KeyFile: "/etc/kyso/tls.key"}
	sec.Defaults()
	tl, err := app.NewTLS(ctx, app.TLSConfig{Section: sec, CertPEM: certPEM, KeyPEM: keyPEM}, nil, nil)
	if err != nil {
		t.Fatalf("NewTLS(file) = %v", err)
	}
	c := tl.Certificate()
	if c == nil || len(c.Certificate) != 2 || !c.Leaf.Equal(leaf) {
		t.Fatalf("Certificate() = %v, want the operator's leaf and its CA", c)
	}
	if !tl.NotAfter().Equal(leaf.NotAfter) || tl.ClientAuth() != "none" || tl.ClientCAs() != nil {
		t.Errorf("NotAfter %v, ClientAuth %q, ClientCAs %v; want %v, none, nil", tl.NotAfter(), tl.ClientAuth(), tl.ClientCAs(), leaf.NotAfter)
	}
	if err := tl.Refresh(ctx); err != nil || tl.Certificate() != c {
		t.Errorf("Refresh() = %v and changed the certificate: mode file keeps the operator's", err)
	}

	later := func() time.Time { return now.Add(91 * 24 * time.Hour) }
	_, otherKey, _ := operatorPEM(t, now.Add(-time.Hour), now.Add(time.Hour))
	for _, tc := range []struct {
		name string
		cfg  app.TLSConfig
		want string
	}{
		{"expired", app.TLSConfig{Section: sec, CertPEM: certPEM, KeyPEM: keyPEM, Now: later}, "tls: the certificate in /etc/kyso/tls.crt expired at " + leaf.NotAfter.Format(time.RFC3339)},
		{"another key", app.TLSConfig{Section: sec, CertPEM: certPEM, KeyPEM: otherKey}, "tls: "},
		{"no PEM", app.TLSConfig{Section: sec, CertPEM: []byte("not PEM"), KeyPEM: keyPEM}, "tls: "},
		{"mode off", app.TLSConfig{Section: ca.TLSSection{Mode: "off", ClientAuth: "none"}}, `tls: mode "off"`},
	} {
		if got, err := app.NewTLS(ctx, tc.cfg, nil, nil); err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("NewTLS(%s) = %v, %v; want an error %q…", tc.name, got, err, tc.want)
		}
	}
}

// TestTLSOwnCertificate: in mode ca, kyso's CA issues the server
// certificate (key in Vault) for the hosts, the chain served stops below
// the root, a refresh keeps a fresh certificate (as a restart does), and
// the client CAs are kyso's.
func TestTLSOwnCertificate(t *testing.T) {
	ctx := t.Context()
	authority, _ := newTLSCA(t)
	sec := ca.TLSSection{Mode: "ca", Hosts: []string{"kyso.example.gov.vn", "127.0.0.1"}, ClientAuth: "optional"}
	tl, err := app.NewTLS(ctx, app.TLSConfig{Section: sec}, authority, nil)
	if err != nil {
		t.Fatalf("NewTLS(ca) = %v", err)
	}
	c := tl.Certificate()
	if c == nil || c.Leaf == nil || len(c.Certificate) != 2 {
		t.Fatalf("Certificate() = %v, want the leaf and the issuing CA", c)
	}
	if err := c.Leaf.VerifyHostname("kyso.example.gov.vn"); err != nil {
		t.Errorf("server certificate: %v", err)
	}
	if pub, ok := c.Leaf.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(c.PrivateKey.(crypto.Signer).Public()) {
		t.Errorf("server key %T does not match its signer", c.Leaf.PublicKey)
	}
	if !tl.NotAfter().Equal(c.Leaf.NotAfter) {
		t.Errorf("NotAfter() = %v, want %v", tl.NotAfter(), c.Leaf.NotAfter)
	}
	// The client CAs are kyso's: the server's own certificate chains to them.
	if _, err := c.Leaf.Verify(x509.VerifyOptions{Roots: tl.ClientCAs(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("kyso's server certificate does not chain to ClientCAs(): %v", err)
	}
	if err := tl.Refresh(ctx); err != nil {
		t.Fatalf("Refresh() = %v", err)
	}
	if tl.Certificate() != c {
		t.Error("Refresh() replaced a fresh server certificate")
	}
	again, err := app.NewTLS(ctx, app.TLSConfig{Section: sec}, authority, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !again.Certificate().Leaf.Equal(c.Leaf) {
		t.Error("a second NewTLS (a restart) issued another certificate although the first is fresh")
	}
	// Other hosts are another certificate.
	other, err := app.NewTLS(ctx, app.TLSConfig{Section: ca.TLSSection{Mode: "ca", Hosts: []string{"ky.example.gov.vn"}, ClientAuth: "none"}}, authority, nil)
	if err != nil {
		t.Fatal(err)
	}
	if other.Certificate().Leaf.Equal(c.Leaf) || other.ClientCAs() != nil {
		t.Error("a certificate for other hosts is the same, or client_auth none has client CAs")
	}
}

// TestClientCertBinding: a client system's TLS certificate is issued only
// to a registered, enabled client, and names it only while it is enabled
// and not past its expiry; a certificate kyso did not issue names none.
func TestClientCertBinding(t *testing.T) {
	ctx := t.Context()
	authority, st := newTLSCA(t)
	for _, c := range []*model.Client{
		{ID: "cli_a", Name: "e-office Hà Nội", Organizations: []string{"Ủy ban nhân dân Thành phố Hà Nội"}, KeyHash: []byte("hash-a")},
		{ID: "cli_off", Name: "e-office cũ", KeyHash: []byte("hash-off")},
	} {
		if err := st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	b := app.ClientCertBinding{CA: authority, Clients: st}
	_, csr := clientCSR(t, "e-office Hà Nội")
	issued, err := b.IssueClientCert(ctx, "cli_a", csr)
	if err != nil {
		t.Fatalf("IssueClientCert(cli_a) = %v", err)
	}
	if err := st.SetClientDisabled(ctx, "cli_off", true); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]errkind.Kind{"cli_nosuch": errkind.NotFound, "cli_off": errkind.Conflict} {
		if _, err := b.IssueClientCert(ctx, id, csr); errkind.KindOf(err) != want {
			t.Errorf("IssueClientCert(%s) = %v, want kind %v", id, err, want)
		}
	}

	cl, err := b.ClientByCert(ctx, issued.Leaf)
	if err != nil || cl.ID != "cli_a" {
		t.Fatalf("ClientByCert(cli_a's certificate) = %v, %v", cl, err)
	}
	refused := func(what string) {
		t.Helper()
		if cl, err := b.ClientByCert(ctx, issued.Leaf); errkind.KindOf(err) != errkind.Unauthorized {
			t.Errorf("ClientByCert(%s) = %v, %v; want Unauthorized", what, cl, err)
		}
	}
	// The client's expiry ends its certificate's use, as its key's.
	future := app.ClientCertBinding{CA: authority, Clients: st, Now: func() time.Time { return time.Now().Add(48 * time.Hour) }}
	if err := st.SetClientKeyHash(ctx, "cli_a", []byte("hash-a"), time.Now().Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.ClientByCert(ctx, issued.Leaf); err != nil {
		t.Errorf("ClientByCert before the client's expiry = %v", err)
	}
	if cl, err := future.ClientByCert(ctx, issued.Leaf); errkind.KindOf(err) != errkind.Unauthorized {
		t.Errorf("ClientByCert after the client's expiry = %v, %v; want Unauthorized", cl, err)
	}
	if err := st.SetClientDisabled(ctx, "cli_a", true); err != nil {
		t.Fatal(err)
	}
	refused("a disabled client's certificate")
	if err := st.SetClientDisabled(ctx, "cli_a", false); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteClient(ctx, "cli_a"); err != nil {
		t.Fatal(err)
	}
	refused("a deleted client's certificate")

	// A certificate of another CA names no client, whatever it says.
	_, _, foreign := operatorPEM(t, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if cl, err := b.ClientByCert(ctx, foreign); err == nil {
		t.Errorf("ClientByCert(a foreign certificate) = %v, want an error", cl)
	}
}

// clientCSR makes a client system's key (a test key) and a CSR for it.
func clientCSR(t *testing.T, name string) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: name}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

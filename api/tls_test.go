package api_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/ca"
)

// tlsServer serves h over HTTPS with api.TLSConfig of certs and api.HSTS,
// as kyso serve does, and returns its address.
func tlsServer(t *testing.T, certs api.TLSCertificates, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: api.HSTS(h), TLSConfig: api.TLSConfig(certs), ErrorLog: log.New(io.Discard, "", 0)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.ServeTLS(ln, "", "")
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return ln.Addr().String()
}

// testIssuer is a CA of the test's own (test keys).
type testIssuer struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestIssuer(t *testing.T, cn string) testIssuer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return testIssuer{cert, key}
}

// leaf issues a certificate of tmpl (serial and validity set here) for a
// new test key.
func (is testIssuer) leaf(t *testing.T, tmpl *x509.Certificate) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, is.cert, &key.PublicKey, is.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}
}

// handshake dials addr trusting roots, with mutate applied to the client's
// config, and reports the handshake's error.
func handshake(addr string, roots *x509.CertPool, mutate func(*tls.Config)) error {
	c := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
	if mutate != nil {
		mutate(c)
	}
	conn, err := tls.Dial("tcp", addr, c)
	if err != nil {
		return err
	}
	// TLS 1.3 reports a refused client certificate on the first read.
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	_, err = conn.Write([]byte("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"))
	if err == nil {
		_, err = conn.Read(make([]byte, 1))
	}
	conn.Close()
	return err
}

// TestTLSConfigPolicy: the HTTPS listener serves the certificate of
// app.TLS (here the operator's, mode file) over TLS 1.2 and 1.3 with
// ECDHE and an AEAD only, X25519 or P-256, and sends HSTS; older
// versions, static RSA, CBC and other curves are refused.
func TestTLSConfigPolicy(t *testing.T) {
	opCA := newTestIssuer(t, "Operator Test CA")
	srv := opCA.leaf(t, &x509.Certificate{Subject: pkix.Name{CommonName: "127.0.0.1"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	keyDER, err := x509.MarshalPKCS8PrivateKey(srv.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	sec := ca.TLSSection{Mode: "file"}
	sec.Defaults()
	certs, err := app.NewTLS(t.Context(), app.TLSConfig{Section: sec,
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate[0]}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := tlsServer(t, certs, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	roots := x509.NewCertPool()
	roots.AddCert(opCA.cert)

	client := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}}
	resp, err := client.Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.TLS.Version != tls.VersionTLS13 || resp.ProtoMajor != 2 || !resp.TLS.PeerCertificates[0].Equal(srv.Leaf) {
		t.Errorf("GET over HTTPS: TLS %x, HTTP/%d, the operator's certificate %v; want TLS 1.3, HTTP/2 and it",
			resp.TLS.Version, resp.ProtoMajor, resp.TLS.PeerCertificates[0].Equal(srv.Leaf))
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != "max-age=31536000" {
		t.Errorf("Strict-Transport-Security = %q, want max-age=31536000", got)
	}

	for _, h := range []struct {
		name   string
		mutate func(*tls.Config)
		ok     bool
	}{
		{"TLS 1.3", nil, true},
		{"TLS 1.2 ECDHE-ECDSA-AES128-GCM", func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
		}, true},
		{"TLS 1.2 ECDHE-ECDSA-CHACHA20", func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
		}, true},
		{"TLS 1.3 X25519 only", func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.X25519} }, true},
		{"TLS 1.3 P-256 only", func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.CurveP256} }, true},
		{"TLS 1.1", func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS11, tls.VersionTLS11 }, false},
		{"TLS 1.2 ECDHE with CBC", func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256}
		}, false},
		{"TLS 1.3 P-384 only", func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.CurveP384} }, false},
	} {
		if err := handshake(addr, roots, h.mutate); (err == nil) != h.ok {
			t.Errorf("handshake %s: err = %v, want success %v", h.name, err, h.ok)
		}
	}
}

// TestTLSConfigRequireClientCert: with client_auth require and kyso's
// own certificate (mode ca, key in Vault), a connection is served only
// with a client certificate that chains to kyso's CA; none, or one of a
// foreign CA, fails the handshake.
func TestTLSConfigRequireClientCert(t *testing.T) {
	s := newStack(t, stackOpts{})
	certs, err := app.NewTLS(t.Context(), app.TLSConfig{Section: ca.TLSSection{Mode: "ca", Hosts: []string{"127.0.0.1"}, ClientAuth: "require"}}, s.ca, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := tlsServer(t, certs, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	roots := x509.NewCertPool()
	for _, c := range certs.Certificate().Certificate[1:] {
		ic, _ := x509.ParseCertificate(c)
		roots.AddCert(ic) // the issuing CA: enough for the test client
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "e-office"}}, key)
	if err != nil {
		t.Fatal(err)
	}
	issued, err := s.ca.IssueClientCert(t.Context(), ca.ClientCertRequest{ClientID: "cli_test", ClientName: "e-office",
		CSR: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: csr})})
	if err != nil {
		t.Fatal(err)
	}
	kysoCert := tls.Certificate{Certificate: [][]byte{issued.Leaf.Raw, issued.Chain[0].Raw}, PrivateKey: key, Leaf: issued.Leaf}
	foreign := newTestIssuer(t, issued.Chain[0].Subject.CommonName).leaf(t, &x509.Certificate{Subject: pkix.Name{CommonName: "e-office"},
		URIs: issued.Leaf.URIs, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	with := func(c *tls.Certificate) func(*tls.Config) {
		return func(cfg *tls.Config) {
			cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return c, nil }
		}
	}
	if err := handshake(addr, roots, with(&kysoCert)); err != nil {
		t.Errorf("handshake with a kyso client certificate: %v", err)
	}
	if err := handshake(addr, roots, nil); err == nil {
		t.Error("a connection without a client certificate was served under require")
	}
	if err := handshake(addr, roots, with(&foreign)); err == nil {
		t.Error("a client certificate from a foreign CA was accepted")
	}
}

package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"mime/multipart"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/api"
	"github.com/kyso-vn/kyso/internal/devvault"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/store"
)

// newClientKey makes a client system's key pair and a CSR for it. The key
// is the client's own (a test key here); kyso only ever sees the CSR.
func newClientKey(t testing.TB, name string) (*ecdsa.PrivateKey, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: name}}, key)
	if err != nil {
		t.Fatal(err)
	}
	return key, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
}

// serveEnv is a real Vault and a kyso serve process (run in-process) on
// one data directory, restartable with another config.
type serveEnv struct {
	t      *testing.T
	vault  *devvault.Vault
	dir    string
	listen string
	base   string
	// metrics is the URL of GET /metrics on the operator listener.
	metrics string
	cfg     map[string]any
	cfgPth  string
	cancel  context.CancelFunc
	done    chan error
	admin   string
}

func newServeEnv(t *testing.T) *serveEnv {
	t.Helper()
	bin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	v, err := devvault.Start(context.Background(), devvault.Config{Bin: bin, Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = v.Stop() })
	t.Setenv("VAULT_TOKEN", v.RootToken)
	dir := t.TempDir()
	listen, metrics := freePort(t), freePort(t)
	return &serveEnv{t: t, vault: v, dir: dir, listen: listen, base: "https://" + listen,
		metrics: "http://" + metrics + "/metrics",
		cfgPth:  filepath.Join(dir, "kyso.json"),
		cfg: map[string]any{
			"listen":   listen,
			"metrics":  map[string]any{"listen": metrics}, // not the default port: another kyso may run here
			"database": map[string]any{"path": filepath.Join(dir, "kyso.db")},
			"vault":    map[string]any{"addr": v.Addr, "mount": v.Mount},
			// Small CA keys: fast key generation in tests.
			"ca": map[string]any{"root_key_type": "rsa-2048", "issuing_key_type": "rsa-2048"},
		}}
}

// start runs kyso serve with tlsCfg as the config's tls section and waits
// until probe gets 200 from /readyz.
func (e *serveEnv) start(tlsCfg map[string]any, probe *http.Client) {
	t := e.t
	t.Helper()
	e.cfg["tls"] = tlsCfg
	b, _ := json.Marshal(e.cfg)
	writeFileT(t, e.cfgPth, b)
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel, e.done = cancel, make(chan error, 1)
	go func() { e.done <- run(ctx, io.Discard, []string{"serve", "--config", e.cfgPth}) }()
	t.Cleanup(e.stop)
	deadline := time.Now().Add(2 * time.Minute)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		if resp, err := probe.Get(e.base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case err := <-e.done:
			e.done <- err
			t.Fatalf("kyso serve exited: %v", err)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatal("kyso serve not ready within 2 minutes")
		}
	}
	if e.admin == "" {
		var tok bytes.Buffer
		if err := run(context.Background(), &tok, []string{"admin", "create-token", "--config", e.cfgPth, "--name", "tls test"}); err != nil {
			t.Fatal(err)
		}
		e.admin = strings.TrimSpace(tok.String())
	}
}

// stop stops kyso serve; a second call does nothing.
func (e *serveEnv) stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	e.cancel = nil
	select {
	case err := <-e.done:
		if err != nil && !errors.Is(err, context.Canceled) {
			e.t.Errorf("kyso serve stopped with %v", err)
		}
	case <-time.After(time.Minute):
		e.t.Error("kyso serve did not stop within a minute")
	}
}

// httpsClient trusts only roots and presents cert (if any).
func httpsClient(roots *x509.CertPool, cert *tls.Certificate, mutate func(*tls.Config)) *http.Client {
	c := &tls.Config{RootCAs: roots}
	if cert != nil {
		c.Certificates = []tls.Certificate{*cert}
	}
	if mutate != nil {
		mutate(c)
	}
	return &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: c, ForceAttemptHTTP2: true}}
}

// do sends a request with an optional bearer token and JSON body and
// returns the status, the body and the response.
func do(t *testing.T, c *http.Client, method, u, token string, body any) (int, []byte, *http.Response) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, u, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out, resp
}

// testCA is a throwaway CA of the test (not kyso's): it signs the server
// certificate of tls.mode file, and a foreign client certificate.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T, cn string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{cert: c, key: key}
}

// leaf issues a certificate for a new key with tmpl's names and EKU.
func (ca *testCA) leaf(t *testing.T, tmpl *x509.Certificate) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

// TestServeTLSFromFile serves HTTPS with the operator's certificate and key
// from files: a client trusting the operator's CA connects over TLS 1.3
// and gets HSTS; plain HTTP and TLS 1.1 are refused.
func TestServeTLSFromFile(t *testing.T) {
	e := newServeEnv(t)
	opCA := newTestCA(t, "Operator Test CA")
	srv := opCA.leaf(t, &x509.Certificate{Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	keyDER, err := x509.MarshalPKCS8PrivateKey(srv.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile := writeFileT(t, filepath.Join(e.dir, "tls.crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate[0]}))
	keyFile := writeFileT(t, filepath.Join(e.dir, "tls.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	client := httpsClient(pool(opCA.cert), nil, nil)
	e.start(map[string]any{"mode": "file", "cert_file": certFile, "key_file": keyFile}, client)

	code, _, resp := do(t, client, "GET", e.base+"/healthz", "", nil)
	if code != 200 || resp.TLS == nil || resp.TLS.Version != tls.VersionTLS13 {
		t.Fatalf("GET /healthz over HTTPS = %d, TLS %v", code, resp.TLS)
	}
	if !bytes.Equal(resp.TLS.PeerCertificates[0].Raw, srv.Certificate[0]) {
		t.Error("kyso does not serve the certificate from tls.cert_file")
	}
	// Operators are warned of the certificate's end by
	// kyso_certificate_expiry_days{kind="tls"}: the days to its notAfter.
	series, text := scrape(t, e.metrics)
	want := time.Until(resp.TLS.PeerCertificates[0].NotAfter).Hours() / 24
	if got, ok := series[`kyso_certificate_expiry_days{kind="tls",name="server"}`]; !ok || got < want-0.1 || got > want+0.1 {
		t.Errorf("kyso_certificate_expiry_days of the TLS certificate = %v (present %t), want %.2f:\n%s", got, ok, want, text)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != api.HSTSValue {
		t.Errorf("Strict-Transport-Security = %q, want %q", got, api.HSTSValue)
	}
	if resp, err := http.Get("http://" + e.listen + "/healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode == 200 {
			t.Error("plain HTTP is answered 200 on the HTTPS listener")
		}
	}
	old := httpsClient(pool(opCA.cert), nil, func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS11, tls.VersionTLS11 })
	if resp, err := old.Get(e.base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Error("a TLS 1.1 client was served")
	}
}

// TestServeTLSOwnCAAndMutualTLS serves HTTPS with a certificate kyso issues
// itself (key in Vault), refuses old protocols and weak suites, and
// authenticates client systems by kyso-issued client certificates: with
// optional client auth, then, after a restart, with required client auth.
func TestServeTLSOwnCAAndMutualTLS(t *testing.T) {
	e := newServeEnv(t)
	// Until kyso's root is known, the readiness probe cannot verify the
	// server; the root it then fetches must verify everything after.
	insecure := httpsClient(nil, nil, func(c *tls.Config) { c.InsecureSkipVerify = true })
	tlsCfg := map[string]any{"mode": "ca", "hosts": []string{"127.0.0.1", "localhost"}, "client_auth": "optional"}
	e.start(tlsCfg, insecure)
	_, rootDER, _ := do(t, insecure, "GET", e.base+"/pki/root.crt", "", nil)
	root, err := x509.ParseCertificate(rootDER)
	if err != nil {
		t.Fatal(err)
	}
	roots := pool(root)
	strict := httpsClient(roots, nil, nil)

	code, _, resp := do(t, strict, "GET", e.base+"/readyz", "", nil)
	if code != 200 || resp.TLS.Version != tls.VersionTLS13 {
		t.Fatalf("GET /readyz trusting kyso's root = %d, TLS version %x", code, resp.TLS.Version)
	}
	if got := resp.Header.Get("Strict-Transport-Security"); got != api.HSTSValue {
		t.Errorf("Strict-Transport-Security = %q, want %q", got, api.HSTSValue)
	}
	serverCert := resp.TLS.PeerCertificates[0]
	if pub, ok := serverCert.PublicKey.(*ecdsa.PublicKey); !ok || pub.Curve != elliptic.P256() {
		t.Errorf("server key %T, want ECDSA P-256", serverCert.PublicKey)
	}
	if len(resp.TLS.PeerCertificates) != 2 {
		t.Errorf("server sends %d certificates, want the leaf and the issuing CA", len(resp.TLS.PeerCertificates))
	}
	if err := serverCert.VerifyHostname("localhost"); err != nil {
		t.Errorf("server certificate: %v", err)
	}
	// The server key is a non-exportable Transit key.
	if k := vaulttest.Root(t, e.vault).TransitKey(e.vault.Mount, "kyso-tls-server"); k.Exportable || k.Type != "ecdsa-p256" {
		t.Errorf("kyso-tls-server: exportable=%v type=%v, want false and ecdsa-p256", k.Exportable, k.Type)
	}

	// Protocol versions, suites and groups. TLS 1.2 with ECDHE and AES-GCM
	// is served (the server key signs TLS 1.2's ECDHE parameters too).
	handshakes := []struct {
		name   string
		mutate func(*tls.Config)
		ok     bool
	}{
		{"TLS 1.2 ECDHE-ECDSA-AES128-GCM", func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}
		}, true},
		{"TLS 1.2 ECDHE-ECDSA-CHACHA20", func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}
		}, true},
		{"TLS 1.3 X25519 only", func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.X25519} }, true},
		{"TLS 1.1", func(c *tls.Config) { c.MinVersion, c.MaxVersion = tls.VersionTLS11, tls.VersionTLS11 }, false},
		{"TLS 1.2 RSA key exchange, CBC", func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_128_GCM_SHA256}
		}, false},
		{"TLS 1.2 ECDHE with CBC", func(c *tls.Config) {
			c.MaxVersion = tls.VersionTLS12
			c.CipherSuites = []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256}
		}, false},
		{"TLS 1.3 P-384 only", func(c *tls.Config) { c.CurvePreferences = []tls.CurveID{tls.CurveP384} }, false},
	}
	for _, h := range handshakes {
		conn, err := tls.Dial("tcp", e.listen, func() *tls.Config {
			c := &tls.Config{RootCAs: roots, ServerName: "127.0.0.1"}
			h.mutate(c)
			return c
		}())
		if err == nil {
			conn.Close()
		}
		if (err == nil) != h.ok {
			t.Errorf("handshake %s: err = %v, want success %v", h.name, err, h.ok)
		}
	}

	// openssl agrees: it verifies the chain up to kyso's root over TLS 1.3
	// and is refused TLS 1.1 and a static-RSA suite.
	rootPEM := writeFileT(t, filepath.Join(e.dir, "root.pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: rootDER}))
	sclient := func(args ...string) (string, error) {
		cmd := exec.Command("openssl", append([]string{"s_client", "-connect", e.listen, "-CAfile", rootPEM, "-verify_return_error", "-servername", "localhost"}, args...)...)
		cmd.Stdin = strings.NewReader("")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := sclient("-brief"); err != nil || !strings.Contains(out, "Verification: OK") || !strings.Contains(out, "TLSv1.3") {
		t.Errorf("openssl s_client -brief: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"-tls1_1"}, {"-tls1_2", "-cipher", "AES128-SHA"}, {"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA256"}} {
		if out, err := sclient(args...); err == nil {
			t.Errorf("openssl s_client %v connected:\n%s", args, out)
		}
	}

	// Mutual TLS. Two client systems, a seal credential of the Hanoi
	// agency that client A may use and client B may not.
	mkClient := func(name, org string) (string, string) {
		code, out, _ := do(t, strict, "POST", e.base+"/v1/clients", e.admin, map[string]any{"name": name, "organizations": []string{org}})
		var c struct {
			ID     string `json:"id"`
			APIKey string `json:"api_key"`
		}
		if err := json.Unmarshal(out, &c); err != nil || code != 201 {
			t.Fatalf("create client = %d %s", code, out)
		}
		return c.ID, c.APIKey
	}
	idA, keyA := mkClient("e-office Hà Nội", hanoi)
	idB, keyB := mkClient("e-office Đà Nẵng", "Ủy ban nhân dân Thành phố Đà Nẵng")
	code, out, _ := do(t, strict, "POST", e.base+"/v1/certificates", e.admin, map[string]any{"profile": "seal", "subject": map[string]string{
		"organization": hanoi, "tax_code": "0103410294", "locality": "Hà Nội"}})
	if code != 201 {
		t.Fatalf("issue seal = %d %s", code, out)
	}
	var seal struct {
		CredentialID string `json:"credential_id"`
	}
	if err := json.Unmarshal(out, &seal); err != nil {
		t.Fatal(err)
	}

	clientCert := func(id, name string) (tls.Certificate, string) {
		t.Helper()
		key, csr := newClientKey(t, name)
		code, out, resp := do(t, strict, "POST", e.base+"/v1/clients/"+id+"/certificate", e.admin, map[string]string{"csr": csr})
		if code != 201 {
			t.Fatalf("issue client certificate = %d %s", code, out)
		}
		var got map[string]any
		_ = json.Unmarshal(out, &got)
		if got["profile"] != "tls-client" || resp.Header.Get("Location") != "/v1/certificates/"+got["id"].(string) {
			t.Errorf("client certificate answer: profile %v, Location %q", got["profile"], resp.Header.Get("Location"))
		}
		leaf := pemCert(t, got["certificate"].(string))
		if len(leaf.URIs) != 1 || leaf.URIs[0].String() != "urn:kyso:client:"+id {
			t.Errorf("client certificate URIs = %v, want urn:kyso:client:%s", leaf.URIs, id)
		}
		issuing := pemCert(t, got["chain"].(string))
		return tls.Certificate{Certificate: [][]byte{leaf.Raw, issuing.Raw}, PrivateKey: key, Leaf: leaf}, got["id"].(string)
	}
	certA, certAID := clientCert(idA, "e-office Hà Nội")
	certB, _ := clientCert(idB, "e-office Đà Nẵng")
	// The CLI does the same over HTTPS, trusting kyso's root (--ca-cert).
	keyB2, csrB2 := newClientKey(t, "e-office Đà Nẵng")
	keyB2DER, err := x509.MarshalPKCS8PrivateKey(keyB2)
	if err != nil {
		t.Fatal(err)
	}
	keyB2File := writeFileT(t, filepath.Join(e.dir, "b2.key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyB2DER}))
	csrB2File := writeFileT(t, filepath.Join(e.dir, "b2.csr"), []byte(csrB2))
	certB2File := filepath.Join(e.dir, "b2.pem")
	var cliOut bytes.Buffer
	if err := run(context.Background(), &cliOut, []string{"client", "cert", idB, "--csr", csrB2File, "--out", certB2File,
		"--url", e.base, "--token", e.admin, "--ca-cert", rootPEM}); err != nil {
		t.Fatalf("kyso client cert: %v", err)
	}
	certB2, err := tls.LoadX509KeyPair(certB2File, keyB2File)
	if err != nil {
		t.Fatalf("the certificate kyso client cert wrote: %v", err)
	}
	if len(certB2.Certificate) != 2 || certB2.Leaf.URIs[0].String() != "urn:kyso:client:"+idB {
		t.Errorf("kyso client cert wrote %d certificates for %v, want the leaf for client B and the issuing CA", len(certB2.Certificate), certB2.Leaf.URIs)
	}
	if code, out, _ := do(t, strict, "POST", e.base+"/v1/clients/cli_nosuchclient/certificate", e.admin, map[string]string{"csr": "x"}); code != 404 {
		t.Errorf("client certificate for an unknown client = %d %s, want 404", code, out)
	}

	doc := testpdf.Make(1, 0)
	sign := func(c *http.Client, key string) (int, string, []byte) {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		fw, _ := mw.CreateFormFile("file", "doc.pdf")
		fw.Write(doc)
		ow, _ := mw.CreateFormField("options")
		json.NewEncoder(ow).Encode(map[string]any{"credential_id": seal.CredentialID, "level": "B-B"})
		mw.Close()
		req, _ := http.NewRequest("POST", e.base+"/v1/sign/pdf", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("sign: %v", err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		var x struct{ Error struct{ Code string } }
		_ = json.Unmarshal(out, &x)
		return resp.StatusCode, x.Error.Code, out
	}
	withA := httpsClient(roots, &certA, nil)
	withB := httpsClient(roots, &certB, nil)
	cases := []struct {
		name     string
		client   *http.Client
		key      string
		wantCode int
		wantErr  string
	}{
		{"client A's certificate, no API key", withA, "", 200, ""},
		{"client A's certificate and client A's key", withA, keyA, 200, ""},
		{"client A's certificate and client B's key", withA, keyB, 403, "forbidden"},
		{"client B's certificate, no key (B may not use the Hanoi seal)", withB, "", 403, "forbidden"},
		{"client B's certificate and client A's key", withB, keyA, 403, "forbidden"},
		{"no certificate, no key", strict, "", 401, "unauthorized"},
		{"no certificate, client A's key", strict, keyA, 200, ""},
	}
	for _, tc := range cases {
		code, errCode, out := sign(tc.client, tc.key)
		if code != tc.wantCode || errCode != tc.wantErr {
			t.Errorf("sign with %s = %d %s, want %d %s", tc.name, code, errCode, tc.wantCode, tc.wantErr)
		}
		if code == 200 && !bytes.HasPrefix(out, []byte("%PDF")) {
			t.Errorf("sign with %s: the answer is not a PDF", tc.name)
		}
	}

	// A client past its expiry is refused with its certificate as with its
	// key, from the next request on.
	db, err := store.OpenSQLite(context.Background(), filepath.Join(e.dir, "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	setExpiry := func(at time.Time) {
		t.Helper()
		cl, err := db.GetClient(context.Background(), idA)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetClientKeyHash(context.Background(), idA, cl.KeyHash, at); err != nil {
			t.Fatal(err)
		}
	}
	setExpiry(time.Now().Add(-time.Minute))
	if code, errCode, _ := sign(withA, ""); code != 401 || errCode != "unauthorized" {
		t.Errorf("sign with the certificate of an expired client = %d %s, want 401 unauthorized", code, errCode)
	}
	if code, errCode, _ := sign(strict, keyA); code != 401 || errCode != "unauthorized" {
		t.Errorf("sign with the key of an expired client = %d %s, want 401 unauthorized", code, errCode)
	}
	setExpiry(time.Time{})
	if code, errCode, _ := sign(withA, ""); code != 200 {
		t.Errorf("sign with client A's certificate once its expiry is lifted = %d %s, want 200", code, errCode)
	}

	// A revoked client certificate is refused from the next request on,
	// on the same connection too.
	if code, out, _ := do(t, strict, "POST", e.base+"/v1/certificates/"+certAID+"/revoke", e.admin, map[string]string{"reason": "keyCompromise"}); code != 200 {
		t.Fatalf("revoke client certificate = %d %s", code, out)
	}
	if code, errCode, _ := sign(withA, ""); code != 401 || errCode != "unauthorized" {
		t.Errorf("sign with a revoked client certificate = %d %s, want 401 unauthorized", code, errCode)
	}
	if code, errCode, _ := sign(withA, keyA); code != 401 || errCode != "unauthorized" {
		t.Errorf("sign with a revoked client certificate and a valid key = %d %s, want 401 unauthorized", code, errCode)
	}

	// A certificate from a foreign CA, even one naming client A, fails the
	// handshake. The client sends it whatever CAs the server names.
	foreignCA := newTestCA(t, "kyso Issuing CA 1")
	uri, _ := url.Parse("urn:kyso:client:" + idA)
	foreign := foreignCA.leaf(t, &x509.Certificate{Subject: pkix.Name{CommonName: "e-office Hà Nội"}, URIs: []*url.URL{uri},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	withForeign := httpsClient(roots, nil, func(c *tls.Config) {
		c.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return &foreign, nil }
	})
	if resp, err := withForeign.Get(e.base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a client certificate from a foreign CA was accepted: %d", resp.StatusCode)
	}

	// Required client authentication: after a restart on the same data,
	// the same server certificate (still fresh) is served, and a
	// connection without a kyso client certificate is refused.
	e.stop()
	tlsCfg["client_auth"] = "require"
	withB2 := httpsClient(roots, &certB2, nil)
	e.start(tlsCfg, withB2)
	code, _, resp = do(t, withB, "GET", e.base+"/healthz", "", nil)
	if code != 200 {
		t.Fatalf("GET /healthz with client B's certificate under require = %d", code)
	}
	if !resp.TLS.PeerCertificates[0].Equal(serverCert) {
		t.Error("the server certificate was reissued on restart although it is fresh")
	}
	if resp, err := strict.Get(e.base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Errorf("a connection without a client certificate was served under require: %d", resp.StatusCode)
	}
	if code, errCode, _ := sign(withB, keyB); code != 403 || errCode != "forbidden" {
		t.Errorf("sign under require with client B (not bound to Hanoi) = %d %s, want 403 forbidden", code, errCode)
	}
}

// TestDevTLS runs kyso dev --tls: it serves HTTPS with kyso's own
// certificate, dev.env names the root, and the CLI trusts it from there.
func TestDevTLS(t *testing.T) {
	bin, err := vaulttest.Bin()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, io.Discard, []string{"dev", "--tls", "--data", dir, "--listen", "127.0.0.1:0", "--vault-listen", freePort(t), "--vault-bin", bin})
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("kyso dev stopped with %v", err)
		}
	}()
	deadline := time.Now().Add(2 * time.Minute)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var env map[string]string
	var client *http.Client
	for client == nil {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("kyso dev exited early: %v", err)
		case <-tick.C:
		}
		if time.Now().After(deadline) {
			t.Fatal("kyso dev --tls did not become ready within 2 minutes")
		}
		var err error
		if env, err = readEnvFile(filepath.Join(dir, "dev.env")); err != nil || env["KYSO_CA_CERT"] == "" {
			continue
		}
		b, err := os.ReadFile(env["KYSO_CA_CERT"])
		if err != nil {
			continue
		}
		roots := x509.NewCertPool()
		if !roots.AppendCertsFromPEM(b) {
			t.Fatalf("%s holds no certificate", env["KYSO_CA_CERT"])
		}
		c := httpsClient(roots, nil, nil)
		if resp, err := c.Get(env["KYSO_URL"] + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				client = c
			}
		}
	}
	if !strings.HasPrefix(env["KYSO_URL"], "https://127.0.0.1:") {
		t.Errorf("KYSO_URL = %q, want https", env["KYSO_URL"])
	}
	// Both names of the loopback listener are in the certificate.
	u, _ := url.Parse(env["KYSO_URL"])
	req, _ := http.NewRequest("GET", "https://localhost:"+u.Port()+"/healthz", nil)
	if resp, err := client.Do(req); err != nil {
		t.Errorf("GET via localhost: %v", err)
	} else {
		resp.Body.Close()
	}
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"cert", "list", "--env", filepath.Join(dir, "dev.env")}); err != nil {
		t.Errorf("kyso cert list against kyso dev --tls: %v", err)
	}
}

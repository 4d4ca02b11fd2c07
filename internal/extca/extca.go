// Package extca plays an external certificate authority for tests — the
// Government's specialised CA that certifies kyso's issuing CA in
// production — with the openssl command line, a tool kyso did not write:
// self-signed roots, intermediates, CA certificates signed from kyso's CSR,
// revocations and CRLs. Keys are openssl's, in the test's temporary
// directory; kyso's own keys stay in Vault.
package extca

import (
	"bufio"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// CA is one external CA: its openssl key, certificate and database.
type CA struct {
	Name    string // short name: the CRL is served at /<Name>.crl
	Dir     string
	CertPEM string // path of the certificate, PEM
	Cert    *x509.Certificate

	mu  sync.Mutex
	crl []byte // current DER CRL
}

// Opts shape a CA certificate.
type Opts struct {
	// Subject is an openssl -subj string, e.g. "/C=VN/O=…/CN=…".
	Subject string
	// Ext is the body of the openssl extension section (one extension a
	// line). Empty: a CA with keyCertSign and cRLSign, anyPolicy and no
	// path length constraint.
	Ext string
	// Start and End are openssl dates (YYYYMMDDHHMMSSZ); empty: now, and
	// ten years on for a root, the signer's NotAfter for the others.
	Start, End string
}

// DefaultCAExt is the extension section of a CA certificate without a
// path length constraint.
const DefaultCAExt = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\ncertificatePolicies=2.5.29.32.0\n"

// Run runs openssl and fails the test on error.
func Run(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("openssl", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// NewRoot makes a self-signed root in dir/name.
func NewRoot(t testing.TB, dir, name string, o Opts) *CA {
	t.Helper()
	c := setup(t, dir, name)
	if o.Ext == "" {
		o.Ext = "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n"
	}
	csr := filepath.Join(c.Dir, "ca.csr")
	Run(t, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", filepath.Join(c.Dir, "ca.key"), "-out", csr, "-utf8", "-subj", o.Subject)
	c.signWith(t, c, csr, c.CertPEM, o, true)
	c.load(t)
	c.GenCRL(t)
	return c
}

// NewIntermediate makes a CA in dir/name certified by parent.
func (parent *CA) NewIntermediate(t testing.TB, dir, name string, o Opts) *CA {
	t.Helper()
	c := setup(t, dir, name)
	csr := filepath.Join(c.Dir, "ca.csr")
	Run(t, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", filepath.Join(c.Dir, "ca.key"), "-out", csr, "-utf8", "-subj", o.Subject)
	if o.Ext == "" {
		o.Ext = DefaultCAExt
	}
	parent.signWith(t, parent, csr, c.CertPEM, o, false)
	c.load(t)
	c.GenCRL(t)
	return c
}

// Sign certifies the PEM CSR at csr (kyso's issuing CA request) and
// returns the certificate's path. The subject is the CSR's, unchanged.
func (c *CA) Sign(t testing.TB, csr, out string, o Opts) string {
	t.Helper()
	if o.Ext == "" {
		o.Ext = "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\ncertificatePolicies=2.5.29.32.0\n"
	}
	c.signWith(t, c, csr, out, o, false)
	return out
}

// Revoke revokes the certificate in the PEM file cert and publishes a new
// CRL.
func (c *CA) Revoke(t testing.TB, cert string) {
	t.Helper()
	Run(t, "ca", "-batch", "-config", c.conf(), "-revoke", cert, "-crl_reason", "keyCompromise")
	c.GenCRL(t)
}

// GenCRL publishes a new CRL (valid 7 days).
func (c *CA) GenCRL(t testing.TB) []byte {
	t.Helper()
	p := filepath.Join(c.Dir, "crl.pem")
	Run(t, "ca", "-batch", "-config", c.conf(), "-gencrl", "-crldays", "7", "-out", p)
	der := filepath.Join(c.Dir, "crl.der")
	Run(t, "crl", "-in", p, "-outform", "DER", "-out", der)
	b, err := os.ReadFile(der)
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	c.crl = b
	c.mu.Unlock()
	return b
}

// CRL returns the current DER CRL.
func (c *CA) CRL() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.crl
}

// CRLFile returns the path of the current CRL in PEM.
func (c *CA) CRLFile() string { return filepath.Join(c.Dir, "crl.pem") }

// Fingerprint is the SHA-256 of the certificate's DER, hex.
func (c *CA) Fingerprint() string {
	sum := sha256.Sum256(c.Cert.Raw)
	return hex.EncodeToString(sum[:])
}

// Server serves the CRLs of cas at /<name>.crl and counts the requests.
type Server struct {
	mu       sync.Mutex
	cas      map[string]*CA
	Requests map[string]int
	// Down, when set, makes every request fail with 503.
	Down bool
}

// NewServer returns a CRL server for cas (more can be added with Add).
func NewServer(cas ...*CA) *Server {
	s := &Server{cas: map[string]*CA{}, Requests: map[string]int{}}
	for _, c := range cas {
		s.Add(c)
	}
	return s
}

// Add serves c's CRL.
func (s *Server) Add(c *CA) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cas[c.Name] = c
}

// SetDown turns the server off (503) or on.
func (s *Server) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Down = down
}

// Count returns how many times path was asked for.
func (s *Server) Count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Requests[path]
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.Requests[r.URL.Path]++
	down := s.Down
	c := s.cas[strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".crl")]
	s.mu.Unlock()
	if down || c == nil || !strings.HasSuffix(r.URL.Path, ".crl") {
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Write(c.CRL())
}

func setup(t testing.TB, dir, name string) *CA {
	t.Helper()
	d := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Join(d, "newcerts"), 0o700); err != nil {
		t.Fatal(err)
	}
	for f, content := range map[string]string{"index.txt": "", "serial": "1000\n", "crlnumber": "01\n"} {
		if err := os.WriteFile(filepath.Join(d, f), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c := &CA{Name: name, Dir: d, CertPEM: filepath.Join(d, "ca.pem")}
	conf := fmt.Sprintf(`[ca]
default_ca = CA_default
[CA_default]
dir = %s
database = $dir/index.txt
new_certs_dir = $dir/newcerts
serial = $dir/serial
crlnumber = $dir/crlnumber
certificate = $dir/ca.pem
private_key = $dir/ca.key
default_md = sha256
default_days = 3650
default_crl_days = 7
policy = policy_any
unique_subject = no
email_in_dn = no
preserve = yes
string_mask = utf8only
utf8 = yes
crl_extensions = crl_ext
[policy_any]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = supplied
emailAddress = optional
[crl_ext]
authorityKeyIdentifier = keyid:always
`, d)
	if err := os.WriteFile(c.conf(), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *CA) conf() string { return filepath.Join(c.Dir, "ca.cnf") }

// signWith has signer certify csr into out. selfSign: signer is c itself
// and has no certificate yet.
func (c *CA) signWith(t testing.TB, signer *CA, csr, out string, o Opts, selfSign bool) {
	t.Helper()
	ext := filepath.Join(filepath.Dir(out), filepath.Base(out)+".ext")
	if err := os.WriteFile(ext, []byte("[v3]\n"+o.Ext), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"ca", "-batch", "-config", signer.conf(), "-in", csr, "-out", out, "-notext", "-extfile", ext, "-extensions", "v3", "-preserveDN", "-utf8"}
	if selfSign {
		args = append(args, "-selfsign", "-keyfile", filepath.Join(signer.Dir, "ca.key"))
	}
	if o.Start != "" {
		args = append(args, "-startdate", o.Start)
	}
	if o.End == "" && !selfSign {
		// Nest in the signer's validity, as a careful CA does.
		o.End = signer.Cert.NotAfter.UTC().Format("20060102150405Z")
	}
	if o.End != "" {
		args = append(args, "-enddate", o.End)
	}
	Run(t, args...)
}

func (c *CA) load(t testing.TB) {
	t.Helper()
	b, err := os.ReadFile(c.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", c.CertPEM)
	}
	if c.Cert, err = x509.ParseCertificate(blk.Bytes); err != nil {
		t.Fatal(err)
	}
}

// PEM returns the certificate file's content.
func (c *CA) PEM(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(c.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// OCSP is openssl's OCSP responder for the certificates a CA issued.
type OCSP struct {
	URL  string
	ca   *CA
	port string
	key  string
	cert string
}

// NewOCSP prepares an OCSP responder for c: a delegated responder
// certificate c issues (RFC 6960, 4.2.2.2), as public CAs do, and a
// loopback port, so that its URL can go into certificates before Start.
func NewOCSP(t testing.TB, c *CA) *OCSP {
	t.Helper()
	o := &OCSP{ca: c, key: filepath.Join(c.Dir, "ocsp.key"), cert: filepath.Join(c.Dir, "ocsp.pem")}
	csr := filepath.Join(c.Dir, "ocsp.csr")
	Run(t, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", o.key, "-out", csr, "-subj", "/C=VN/CN="+c.Name+" OCSP Responder")
	c.signWith(t, c, csr, o.cert, Opts{Ext: "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=OCSPSigning\nnoCheck=ignored\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n"}, false)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, o.port, _ = net.SplitHostPort(l.Addr().String())
	l.Close()
	o.URL = "http://127.0.0.1:" + o.port
	return o
}

// Start runs the responder until the test ends. It answers from the CA's
// database as it is when Start is called.
func (o *OCSP) Start(t testing.TB) {
	t.Helper()
	cmd := exec.Command("openssl", "ocsp", "-index", filepath.Join(o.ca.Dir, "index.txt"), "-port", o.port,
		"-rsigner", o.cert, "-rkey", o.key, "-CA", o.ca.CertPEM, "-ignore_err", "-nmin", "60")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	// openssl prints "ACCEPT [::]:PORT PID=…" once it listens.
	ready := make(chan error, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "ACCEPT") {
				ready <- nil
				_, _ = io.Copy(io.Discard, out)
				return
			}
		}
		ready <- fmt.Errorf("openssl ocsp exited before listening: %v", sc.Err())
	}()
	select {
	case err := <-ready:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Minute):
		t.Fatal("openssl ocsp did not listen within a minute")
	}
}

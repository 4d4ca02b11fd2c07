package ca_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/internal/extca"
	"github.com/kyso-vn/kyso/model"
)

// extPKI is an external PKI made with openssl: the pinned root A with a
// good intermediate and bad ones, and another root B. Their CRLs are
// served by srv, whose addresses are in the certificates.
type extPKI struct {
	dir                       string
	srv                       *httptest.Server
	crls                      *extca.Server
	rootA, interA, rootB      *extca.CA
	interPathLen0, interNoPol *extca.CA
	interB                    *extca.CA
}

func newExtPKI(t *testing.T) *extPKI {
	t.Helper()
	p := &extPKI{dir: t.TempDir(), crls: extca.NewServer()}
	p.srv = httptest.NewServer(p.crls)
	t.Cleanup(p.srv.Close)
	crlDP := func(ca string) string { return "crlDistributionPoints=URI:" + p.srv.URL + "/" + ca + ".crl\n" }
	p.rootA = extca.NewRoot(t, p.dir, "rootA", extca.Opts{Subject: "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test Government Root CA"})
	p.interA = p.rootA.NewIntermediate(t, p.dir, "interA", extca.Opts{Subject: "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test Government CA", Ext: extca.DefaultCAExt + crlDP("rootA")})
	p.interPathLen0 = p.rootA.NewIntermediate(t, p.dir, "interPathLen0", extca.Opts{Subject: "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test CA pathlen 0",
		Ext: strings.Replace(extca.DefaultCAExt, "CA:TRUE", "CA:TRUE,pathlen:0", 1) + crlDP("rootA")})
	p.interNoPol = p.rootA.NewIntermediate(t, p.dir, "interNoPol", extca.Opts{Subject: "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test CA without policies",
		Ext: strings.Replace(extca.DefaultCAExt, "certificatePolicies=2.5.29.32.0\n", "", 1) + crlDP("rootA")})
	p.rootB = extca.NewRoot(t, p.dir, "rootB", extca.Opts{Subject: "/C=VN/O=Other/CN=Other Root CA"})
	p.interB = p.rootB.NewIntermediate(t, p.dir, "interB", extca.Opts{Subject: "/C=VN/O=Other/CN=Other CA", Ext: extca.DefaultCAExt + crlDP("rootB")})
	for _, c := range []*extca.CA{p.rootA, p.interA, p.interPathLen0, p.interNoPol, p.rootB, p.interB} {
		p.crls.Add(c)
	}
	return p
}

// issuingExt is the extension section of kyso's issuing CA certificate,
// with the CRL distribution point of the CA that signs it.
func (p *extPKI) issuingExt(signer *extca.CA, policies string) string {
	return "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid:always\n" +
		"certificatePolicies=" + policies + "\ncrlDistributionPoints=URI:" + p.srv.URL + "/" + signer.Name + ".crl\n"
}

// sign has signer certify csr and returns the chain PEM: the issuing CA,
// then signer and the CAs above it up to (and with) the root.
func (p *extPKI) sign(t *testing.T, signer *extca.CA, csr, name string, o extca.Opts, above ...*extca.CA) string {
	t.Helper()
	if o.Ext == "" {
		o.Ext = p.issuingExt(signer, "2.5.29.32.0")
	}
	out := signer.Sign(t, csr, filepath.Join(p.dir, name+".pem"), o)
	chain := readFile(t, out) + signer.PEM(t)
	for _, c := range above {
		chain += c.PEM(t)
	}
	return chain
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// importChain imports chain at the current time: openssl starts the
// certificates it signs now, after the env's clock was set.
func importChain(e *env, chain []byte) (*model.IssuerInfo, error) {
	e.now = time.Now()
	return e.ca.ImportChain(context.Background(), chain)
}

// initExternal starts an external issuer and writes its CSR to a file.
func initExternal(t *testing.T, e *env, dir, cn string) (*model.IssuerInfo, string) {
	t.Helper()
	info, err := e.ca.InitExternal(context.Background(), ca.ExternalRequest{CommonName: cn, Organization: "Ủy ban nhân dân Thành phố Hà Nội", KeyType: "rsa-2048"})
	if err != nil {
		t.Fatalf("InitExternal(%q) = %v", cn, err)
	}
	csr := filepath.Join(dir, info.Name+".csr")
	if err := os.WriteFile(csr, []byte(info.CSRPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	return info, csr
}

func issuerStatus(t *testing.T, e *env) map[string]string {
	t.Helper()
	list, err := e.ca.Issuers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, is := range list {
		out[is.Name] = is.Status
	}
	return out
}

// TestImportChainChecksPath imports chains made by openssl under a pinned
// root: the working chain (root → intermediate → kyso's issuing CA) is
// accepted, and each wrong path is refused with an error naming what is
// wrong while the working issuer keeps issuing and the pending one stays
// pending: an intermediate whose pathLenConstraint leaves no room below
// kyso's issuing CA, a chain under another root (with and without that
// root in the upload), an expired issuing CA certificate, an issuing CA or
// intermediate without certificate policies. A chain whose policies do not
// cover the configured OIDs is accepted with a warning; a pending issuer
// can be cancelled.
func TestImportChainChecksPath(t *testing.T) {
	p := newExtPKI(t)
	e := newEnv(t, func(c *ca.Config) { c.ExternalRoots = []*x509.Certificate{p.rootA.Cert} })
	ctx := context.Background()

	_, csr1 := initExternal(t, e, p.dir, "Hà Nội Issuing CA 1")
	info, err := importChain(e, []byte(p.sign(t, p.interA, csr1, "issuing-1", extca.Opts{}, p.rootA)))
	if err != nil {
		t.Fatalf("ImportChain(good chain) = %v", err)
	}
	if info.Status != "active" || len(info.Warnings) != 0 {
		t.Errorf("imported issuer = %s, warnings %q; want active without warnings", info.Status, info.Warnings)
	}
	working := info.CertPEM
	// The chain kyso keeps ends with the pinned root.
	chain := splitCerts(t, info.ChainPEM)
	if len(chain) != 2 || !chain[1].Equal(p.rootA.Cert) || !chain[0].Equal(p.interA.Cert) {
		t.Fatalf("stored chain = %d certificates, want the intermediate and the pinned root", len(chain))
	}

	_, csr2 := initExternal(t, e, p.dir, "Hà Nội Issuing CA 2")
	tests := []struct {
		name  string
		chain func() string
		want  string
	}{
		{"pathlen", func() string { return p.sign(t, p.interPathLen0, csr2, "pathlen", extca.Opts{}, p.rootA) },
			`"Test CA pathlen 0" allows 0 CA certificate(s) below it`},
		{"other root", func() string {
			return p.sign(t, p.interB, csr2, "other-root", extca.Opts{Ext: p.issuingExt(p.interB, "2.5.29.32.0")}, p.rootB)
		},
			`ends in the root "Other Root CA"`},
		{"other root left out", func() string {
			return p.sign(t, p.interB, csr2, "other-root-2", extca.Opts{Ext: p.issuingExt(p.interB, "2.5.29.32.0")})
		},
			`not signed by the external root pinned in ca.external_root`},
		{"expired", func() string {
			return p.sign(t, p.interA, csr2, "expired", extca.Opts{Start: "20200101000000Z", End: "20210101000000Z"}, p.rootA)
		}, `expired at 2021-01-01`},
		{"no policy", func() string {
			return p.sign(t, p.interA, csr2, "no-policy", extca.Opts{Ext: strings.Replace(p.issuingExt(p.interA, "x"), "certificatePolicies=x\n", "", 1)}, p.rootA)
		}, `"Hà Nội Issuing CA 2" has no certificate policies extension`},
		{"intermediate without policy", func() string { return p.sign(t, p.interNoPol, csr2, "inter-no-policy", extca.Opts{}, p.rootA) },
			`"Test CA without policies" has no certificate policies extension`},
		{"out of order", func() string {
			c := splitPEM(t, p.sign(t, p.interA, csr2, "reversed", extca.Opts{}, p.rootA))
			return c[0] + c[2] + c[1]
		}, `is not signed by the next one`},
		{"intermediate first", func() string {
			c := splitPEM(t, p.sign(t, p.interA, csr2, "inter-first", extca.Opts{}, p.rootA))
			return c[1] + c[0] + c[2]
		}, `public key matches no pending issuing CA`},
	}
	issued := 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := importChain(e, []byte(tc.chain()))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ImportChain(%s) = %v, want an error containing %q", tc.name, err, tc.want)
			}
			if !errors.Is(err, ca.ErrInvalid) && !errors.Is(err, ca.ErrConflict) {
				t.Errorf("ImportChain(%s) = %v, want ErrInvalid or ErrConflict", tc.name, err)
			}
			if st := issuerStatus(t, e); st["issuing-1"] != "active" || st["issuing-2"] != "pending" {
				t.Fatalf("after refused import: issuers %v, want issuing-1 active and issuing-2 pending", st)
			}
			issued++
			got, err := e.ca.Issue(ctx, citizenNo(issued))
			if err != nil {
				t.Fatalf("Issue after refused import = %v", err)
			}
			if certPEMOf(got.Chain[0]) != working {
				t.Errorf("after refused import the issuing CA is %q, want the working one", got.Chain[0].Subject.CommonName)
			}
		})
	}

	// Policies present but not covering kyso's policy OIDs: accepted,
	// with a warning that names the missing OIDs.
	info, err = importChain(e, []byte(p.sign(t, p.interA, csr2, "other-policy", extca.Opts{Ext: p.issuingExt(p.interA, "1.2.3.4")}, p.rootA)))
	if err != nil {
		t.Fatalf("ImportChain(other policy) = %v", err)
	}
	if len(info.Warnings) != 1 || !strings.Contains(info.Warnings[0], "does not cover the configured policy OIDs 1.3.6.1.4.1.32473.1.1") {
		t.Errorf("warnings = %q, want one naming the uncovered policy OIDs", info.Warnings)
	}
	if st := issuerStatus(t, e); st["issuing-1"] != "retired" || st["issuing-2"] != "active" {
		t.Fatalf("issuers = %v, want issuing-1 retired and issuing-2 active", st)
	}

	// A pending issuer can be cancelled; its chain is then refused.
	_, csr3 := initExternal(t, e, p.dir, "Hà Nội Issuing CA 3")
	if _, err := e.ca.InitExternal(ctx, ca.ExternalRequest{CommonName: "Another CA", Organization: "Ủy ban nhân dân Thành phố Hà Nội"}); !errors.Is(err, ca.ErrConflict) {
		t.Errorf("InitExternal(other name) while pending = %v, want ErrConflict", err)
	}
	cancelled, err := e.ca.CancelExternal(ctx)
	if err != nil || cancelled.Name != "issuing-3" || cancelled.Status != "cancelled" {
		t.Fatalf("CancelExternal() = %+v, %v; want issuing-3 cancelled", cancelled, err)
	}
	if _, err := e.ca.CancelExternal(ctx); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("CancelExternal() with none pending = %v, want ErrNotFound", err)
	}
	if _, err := importChain(e, []byte(p.sign(t, p.interA, csr3, "cancelled", extca.Opts{}, p.rootA))); !errors.Is(err, ca.ErrConflict) {
		t.Errorf("ImportChain(cancelled issuer's chain) = %v, want ErrConflict", err)
	}
	if st := issuerStatus(t, e); st["issuing-2"] != "active" || st["issuing-3"] != "cancelled" {
		t.Fatalf("issuers = %v, want issuing-2 active and issuing-3 cancelled", st)
	}
	if err := e.ca.Maintain(ctx); err != nil {
		t.Errorf("Maintain() with a cancelled issuer = %v", err)
	}
	if _, csr4 := initExternal(t, e, p.dir, "Hà Nội Issuing CA 4"); csr4 == "" {
		t.Fatal("no CSR after a cancellation")
	}
}

// TestImportChainNameConstraints: name constraints on directory names,
// which kyso cannot process (nor can Go's or many relying parties'
// verifiers), are refused; e-mail constraints are accepted with a warning
// that certificates outside them will fail.
func TestImportChainNameConstraints(t *testing.T) {
	p := newExtPKI(t)
	dirName := p.rootA.NewIntermediate(t, p.dir, "interDirName", extca.Opts{Subject: "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test CA dirName",
		Ext: extca.DefaultCAExt + "nameConstraints=critical,permitted;dirName:dn_sect\n[dn_sect]\nC=VN\n"})
	email := p.rootA.NewIntermediate(t, p.dir, "interEmail", extca.Opts{Subject: "/C=VN/O=Ban Cơ yếu Chính phủ/CN=Test CA e-mail",
		Ext: extca.DefaultCAExt + "nameConstraints=critical,permitted;email:.hanoi.gov.vn\n"})
	e := newEnv(t, func(c *ca.Config) { c.ExternalRoots = []*x509.Certificate{p.rootA.Cert} })
	_, csr := initExternal(t, e, p.dir, "Hà Nội Issuing CA")
	_, err := importChain(e, []byte(p.sign(t, dirName, csr, "dirname", extca.Opts{Ext: p.issuingExt(dirName, "2.5.29.32.0")}, p.rootA)))
	if !errors.Is(err, ca.ErrInvalid) || !strings.Contains(err.Error(), `"Test CA dirName" has critical extensions kyso cannot process`) {
		t.Fatalf("ImportChain(dirName constraints) = %v", err)
	}
	info, err := importChain(e, []byte(p.sign(t, email, csr, "email", extca.Opts{Ext: p.issuingExt(email, "2.5.29.32.0")}, p.rootA)))
	if err != nil {
		t.Fatalf("ImportChain(e-mail constraints) = %v", err)
	}
	if len(info.Warnings) != 1 || !strings.Contains(info.Warnings[0], `"Test CA e-mail" constrains names (permitted e-mail .hanoi.gov.vn)`) {
		t.Errorf("warnings = %q, want one about the e-mail constraint", info.Warnings)
	}
}

// TestImportChainNeedsPinnedRoot: without ca.external_root no chain is
// imported, whatever root it ends in.
func TestImportChainNeedsPinnedRoot(t *testing.T) {
	p := newExtPKI(t)
	e := newEnv(t, nil)
	_, csr := initExternal(t, e, p.dir, "Hà Nội Issuing CA")
	_, err := importChain(e, []byte(p.sign(t, p.interA, csr, "issuing", extca.Opts{}, p.rootA)))
	if !errors.Is(err, ca.ErrConflict) || !strings.Contains(err.Error(), "ca.external_root") {
		t.Fatalf("ImportChain() without a pinned root = %v, want ErrConflict naming ca.external_root", err)
	}
}

// TestExternalValidityNests: an issuing CA certificate that starts now
// (as an external CA's does) gets certificates, and an OCSP responder
// certificate, that start no earlier than it, although kyso backdates
// NotBefore by a minute; and none ends after any CA above it.
func TestExternalValidityNests(t *testing.T) {
	p := newExtPKI(t)
	e := newEnv(t, func(c *ca.Config) { c.ExternalRoots = []*x509.Certificate{p.rootA.Cert} })
	ctx := context.Background()
	_, csr := initExternal(t, e, p.dir, "Hà Nội Issuing CA")
	// openssl starts the certificate now and ends it before the
	// intermediate does.
	end := time.Now().UTC().Add(400 * 24 * time.Hour).Format("20060102150405Z")
	info, err := importChain(e, []byte(p.sign(t, p.interA, csr, "issuing", extca.Opts{End: end}, p.rootA)))
	if err != nil {
		t.Fatal(err)
	}
	issuing := splitCerts(t, info.CertPEM)[0]
	e.now = issuing.NotBefore.Add(10 * time.Second) // just after it starts
	got, err := e.ca.Issue(ctx, citizen)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.ca.OCSP(ctx, got.Leaf, issuing)
	if err != nil {
		t.Fatal(err)
	}
	o, err := ocsp.ParseResponseForCert(resp, got.Leaf, issuing)
	if err != nil || o.Certificate == nil {
		t.Fatalf("OCSP response: %v (responder certificate %v)", err, o)
	}
	for _, c := range []*x509.Certificate{got.Leaf, o.Certificate} {
		if c.NotBefore.Before(issuing.NotBefore) {
			t.Errorf("%q starts %v, before its issuing CA (%v)", c.Subject.CommonName, c.NotBefore, issuing.NotBefore)
		}
		if c.NotAfter.After(issuing.NotAfter) {
			t.Errorf("%q ends %v, after its issuing CA (%v)", c.Subject.CommonName, c.NotAfter, issuing.NotAfter)
		}
		if c.NotBefore.After(e.now) {
			t.Errorf("%q starts %v, after now (%v)", c.Subject.CommonName, c.NotBefore, e.now)
		}
	}
}

// constSource is an operator-supplied CRL (in kyso, a file: package main
// reads it).
type constSource struct{ data []byte }

func (s constSource) Name() string                         { return "test source" }
func (s constSource) Load(context.Context) ([]byte, error) { return s.data, nil }

// TestUpstreamRevocation: kyso gets its issuing CA's status from the
// external CAs' CRLs at the addresses in the certificates (served here by
// a loopback HTTP server), keeps them while current, falls back to the
// operator's sources when the network is closed, and says exactly what is
// missing when nothing current is at hand.
func TestUpstreamRevocation(t *testing.T) {
	p := newExtPKI(t)
	e := newEnv(t, func(c *ca.Config) { c.ExternalRoots = []*x509.Certificate{p.rootA.Cert} })
	ctx := context.Background()
	_, csr := initExternal(t, e, p.dir, "Hà Nội Issuing CA")
	info, err := importChain(e, []byte(p.sign(t, p.interA, csr, "issuing", extca.Opts{}, p.rootA)))
	if err != nil {
		t.Fatal(err)
	}
	issuing := splitCerts(t, info.CertPEM)[0]

	if der, err := e.ca.UpstreamOCSP(ctx, issuing, p.interA.Cert); der != nil || err != nil {
		t.Fatalf("UpstreamOCSP(issuing CA) = %d bytes, %v; want nil, nil (no responder, the CRL is at hand)", len(der), err)
	}
	for _, c := range []*extca.CA{p.interA, p.rootA} {
		der, err := e.ca.UpstreamCRL(ctx, c.Cert)
		if err != nil || !bytes.Equal(der, c.CRL()) {
			t.Fatalf("UpstreamCRL(%s) = %d bytes, %v; want its CRL", c.Name, len(der), err)
		}
	}
	// kyso's revocation data for its signatures is the external CAs'.
	if der, err := e.ca.RevocationData().CRL(ctx, p.interA.Cert); err != nil || !bytes.Equal(der, p.interA.CRL()) {
		t.Errorf("RevocationData().CRL(%s) = %d bytes, %v; want its CRL", p.interA.Name, len(der), err)
	}
	if der, err := e.ca.RevocationData().OCSP(ctx, issuing, p.interA.Cert); der != nil || err != nil {
		t.Errorf("RevocationData().OCSP(issuing CA) = %d bytes, %v; want nil, nil (no responder, the CRL is at hand)", len(der), err)
	}
	if n := p.crls.Count("/interA.crl"); n != 1 {
		t.Errorf("the intermediate's CRL was fetched %d times, want once (then cached)", n)
	}
	// Not an external CA of kyso's chain: not kyso's business.
	if der, err := e.ca.UpstreamCRL(ctx, p.rootB.Cert); der != nil || err != nil {
		t.Errorf("UpstreamCRL(unrelated CA) = %d bytes, %v; want nil, nil", len(der), err)
	}

	// The network closes; the cached CRL serves until half of it has
	// passed, then kyso needs a new one and says where it looked.
	p.crls.SetDown(true)
	if der, err := e.ca.UpstreamCRL(ctx, p.interA.Cert); err != nil || der == nil {
		t.Fatalf("UpstreamCRL() from the cache = %v", err)
	}
	e.now = e.now.Add(8 * 24 * time.Hour) // the 7-day CRLs have expired
	_, err = e.ca.UpstreamOCSP(ctx, issuing, p.interA.Cert)
	if !errors.Is(err, ca.ErrRevocationUnavailable) {
		t.Fatalf("UpstreamOCSP() with the network down = %v, want ErrRevocationUnavailable", err)
	}
	for _, want := range []string{`"Hà Nội Issuing CA"`, `"Test Government CA"`, p.srv.URL + "/interA.crl: HTTP 503", "no CRL source is configured", "ca.external_revocation.crl_sources"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}

	// The operator supplies the CRLs (PEM, several in one source).
	e.now = time.Now()
	p.interA.GenCRL(t)
	p.rootA.GenCRL(t)
	both := []byte(readFile(t, p.rootA.CRLFile()) + readFile(t, p.interA.CRLFile()))
	e2 := newEnvOn(t, e, func(c *ca.Config) {
		c.ExternalRoots = []*x509.Certificate{p.rootA.Cert}
		c.Upstream = ca.UpstreamConfig{Sources: []ca.UpstreamSource{constSource{both}}, NoFetch: true}
	})
	for _, c := range []*extca.CA{p.interA, p.rootA} {
		der, err := e2.ca.UpstreamCRL(ctx, c.Cert)
		if err != nil || !bytes.Equal(der, c.CRL()) {
			t.Fatalf("UpstreamCRL(%s) from the operator's source = %d bytes, %v; want its CRL", c.Name, len(der), err)
		}
	}
	// A mirror URL the operator names, with the network to the CA closed.
	mirror := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(both) }))
	defer mirror.Close()
	e4 := newEnvOn(t, e, func(c *ca.Config) {
		c.ExternalRoots = []*x509.Certificate{p.rootA.Cert}
		c.Upstream = ca.UpstreamConfig{Sources: []ca.UpstreamSource{ca.HTTPSource(mirror.URL+"/gov.crl", nil)}, NoFetch: true}
	})
	if der, err := e4.ca.UpstreamCRL(ctx, p.interA.Cert); err != nil || !bytes.Equal(der, p.interA.CRL()) {
		t.Errorf("UpstreamCRL() from a mirror URL = %d bytes, %v; want the intermediate's CRL", len(der), err)
	}
	// A CRL signed by another CA is not taken for the intermediate's.
	e3 := newEnvOn(t, e, func(c *ca.Config) {
		c.ExternalRoots = []*x509.Certificate{p.rootA.Cert}
		c.Upstream = ca.UpstreamConfig{Sources: []ca.UpstreamSource{constSource{p.interB.CRL()}}, NoFetch: true}
	})
	_, err = e3.ca.UpstreamOCSP(ctx, issuing, p.interA.Cert)
	if !errors.Is(err, ca.ErrRevocationUnavailable) || !strings.Contains(err.Error(), `a CRL of "Other CA", not signed by "Test Government CA"`) || !strings.Contains(err.Error(), "fetching is off") {
		t.Errorf("UpstreamOCSP() with a foreign CRL = %v", err)
	}
}

// TestUpstreamOCSP: when the issuing CA certificate names an OCSP
// responder (openssl ocsp, a real responder), kyso embeds its answer.
func TestUpstreamOCSP(t *testing.T) {
	p := newExtPKI(t)
	e := newEnv(t, func(c *ca.Config) { c.ExternalRoots = []*x509.Certificate{p.rootA.Cert} })
	ctx := context.Background()
	responder := extca.NewOCSP(t, p.interA)
	_, csr := initExternal(t, e, p.dir, "Hà Nội Issuing CA")
	ext := p.issuingExt(p.interA, "2.5.29.32.0") + "authorityInfoAccess=OCSP;URI:" + responder.URL + "\n"
	info, err := importChain(e, []byte(p.sign(t, p.interA, csr, "issuing", extca.Opts{Ext: ext}, p.rootA)))
	if err != nil {
		t.Fatal(err)
	}
	responder.Start(t)
	p.crls.SetDown(true) // the answer must come from the responder
	issuing := splitCerts(t, info.CertPEM)[0]
	der, err := e.ca.UpstreamOCSP(ctx, issuing, p.interA.Cert)
	if err != nil || der == nil {
		t.Fatalf("UpstreamOCSP() = %v, want the responder's answer", err)
	}
	o, err := ocsp.ParseResponseForCert(der, issuing, p.interA.Cert)
	if err != nil || o.Status != ocsp.Good {
		t.Fatalf("OCSP answer: %v, status %v; want good", err, o)
	}
	// kyso's revocation data for its signatures is the responder's answer.
	der, err = e.ca.RevocationData().OCSP(ctx, issuing, p.interA.Cert)
	if err != nil || der == nil {
		t.Fatalf("RevocationData().OCSP() = %v, want the responder's answer", err)
	}
	if o, err := ocsp.ParseResponseForCert(der, issuing, p.interA.Cert); err != nil || o.Status != ocsp.Good {
		t.Errorf("RevocationData().OCSP() answer: %v, status %v; want good", err, o)
	}
}

// newEnvOn returns a second Authority on base's store and Vault mount,
// with its own configuration and empty caches (another kyso node).
func newEnvOn(t *testing.T, base *env, mutate func(*ca.Config)) *env {
	t.Helper()
	e := &env{keys: base.keys, store: base.store, now: base.now}
	cfg := ca.Config{BaseURL: "http://kyso.test", RootKeyType: "rsa-2048", Now: func() time.Time { return e.now }}
	mutate(&cfg)
	var err error
	if e.ca, err = ca.New(cfg, base.store, vaultKeys(base.keys)); err != nil {
		t.Fatal(err)
	}
	return e
}

func splitPEM(t *testing.T, s string) []string {
	t.Helper()
	var out []string
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return out
		}
		out = append(out, string(pem.EncodeToMemory(b)))
	}
}

func splitCerts(t *testing.T, s string) []*x509.Certificate {
	t.Helper()
	var out []*x509.Certificate
	for _, b := range splitPEM(t, s) {
		blk, _ := pem.Decode([]byte(b))
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func certPEMOf(c *x509.Certificate) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

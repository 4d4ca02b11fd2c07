package truststore_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/truststore"
)

type testCA struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// issue makes a certificate for name under parent (self-signed when parent
// is nil).
func issue(t *testing.T, parent *testCA, name string, isCA bool, serial int64) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		BasicConstraintsValid: true, IsCA: isCA, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	signerCert, signerKey := tmpl, crypto.Signer(key)
	if parent != nil {
		signerCert, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signerCert, key.Public(), signerKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: c, key: key}
}

func pemOf(cs ...*x509.Certificate) string {
	var out []byte
	for _, c := range cs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return string(out)
}

// TestRegistryTrust: what kyso's database makes trusted. kyso's own root
// only with Anchors.OwnRoot; a root that came with an imported external
// chain never, unless the configuration pins it; kyso's issuing CAs are
// intermediates. The registry answers for certificates kyso issued: known
// and revoked as on record, and unknown when a certificate with the same
// issuer and serial number is not byte for byte the one on record.
func TestRegistryTrust(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })

	own := issue(t, nil, "kyso root", true, 1)
	issuing := issue(t, own, "kyso issuing", true, 2)
	extRoot := issue(t, nil, "external root", true, 3)
	extIssuing := issue(t, extRoot, "kyso under external", true, 4)
	for _, is := range []*model.Issuer{
		{ID: "i_root", Name: "root", Kind: model.IssuerRoot, Status: model.IssuerActive, KeyName: "k1", KeyVersion: 1, CertPEM: pemOf(own.cert)},
		{ID: "i_issuing", Name: "issuing", Kind: model.IssuerIssuing, Status: model.IssuerActive, KeyName: "k2", KeyVersion: 1, CertPEM: pemOf(issuing.cert), ChainPEM: pemOf(own.cert)},
		{ID: "i_ext", Name: "external", Kind: model.IssuerIssuing, Status: model.IssuerActive, External: true, KeyName: "k3", KeyVersion: 1, CertPEM: pemOf(extIssuing.cert), ChainPEM: pemOf(extRoot.cert)},
	} {
		if err := st.CreateIssuer(ctx, is); err != nil {
			t.Fatal(err)
		}
	}
	leaf := issue(t, issuing, "Nguyễn Văn A", false, 0x1234)
	revoked := issue(t, issuing, "Trần Thị B", false, 0x5678)
	for _, c := range []*testCA{leaf, revoked} {
		rec := &model.Certificate{ID: "c" + c.cert.SerialNumber.Text(16), IssuerID: "i_issuing", Serial: hex.EncodeToString(c.cert.SerialNumber.Bytes()),
			Profile: "official", Subject: c.cert.Subject.String(), KeyName: "k" + c.cert.SerialNumber.Text(16), KeyVersion: 1, Status: model.CertPending}
		if err := st.CreateCertificate(ctx, rec); err != nil {
			t.Fatal(err)
		}
		rec.CertPEM, rec.NotBefore, rec.NotAfter = pemOf(c.cert), c.cert.NotBefore, c.cert.NotAfter
		if err := st.ActivateCertificate(ctx, rec, ""); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.RevokeCertificate(ctx, "c5678", time.Now().Add(-time.Minute), 1); err != nil {
		t.Fatal(err)
	}

	verify := func(o x509.VerifyOptions, c *x509.Certificate) bool {
		_, err := c.Verify(o)
		return err == nil
	}
	for _, tc := range []struct {
		name                   string
		anchors                truststore.Anchors
		ownLeaf, externalChain bool // whether leaf and extIssuing chain to a root
	}{
		{"own root", truststore.Anchors{OwnRoot: true}, true, false},
		{"no own root", truststore.Anchors{}, false, false},
		{"external root pinned", truststore.Anchors{External: []*x509.Certificate{extRoot.cert}}, false, true},
	} {
		ts, err := truststore.New(ctx, st, truststore.Config{Anchors: tc.anchors})
		if err != nil {
			t.Fatal(err)
		}
		o, err := ts.Snapshot(ctx)
		if err != nil {
			t.Fatal(err)
		}
		vo := x509.VerifyOptions{Roots: o.Roots, Intermediates: o.Intermediates, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}
		if got := verify(vo, leaf.cert); got != tc.ownLeaf {
			t.Errorf("%s: kyso-issued leaf chains = %v, want %v", tc.name, got, tc.ownLeaf)
		}
		if got := verify(vo, extIssuing.cert); got != tc.externalChain {
			t.Errorf("%s: issuing CA under the external root chains = %v, want %v (a root from an imported chain is not an anchor)", tc.name, got, tc.externalChain)
		}
		if o.Revocation == nil {
			t.Fatalf("%s: Snapshot with a registry has no revocation checker", tc.name)
		}
	}

	ts, err := truststore.New(ctx, st, truststore.Config{Anchors: truststore.Anchors{OwnRoot: true}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.Snapshot(ctx); err != nil {
		t.Fatal(err)
	}
	forged := issue(t, &testCA{cert: issuing.cert, key: issuing.key}, "Nguyễn Văn A (forged)", false, 0x1234)
	for _, tc := range []struct {
		name           string
		cert, issuer   *x509.Certificate
		known, revoked bool
	}{
		{"issued", leaf.cert, issuing.cert, true, false},
		{"revoked", revoked.cert, issuing.cert, true, true},
		{"same serial, other bytes", forged.cert, issuing.cert, false, false},
		{"kyso's issuing CA", issuing.cert, own.cert, true, false},
		{"issuing CA under the external root", extIssuing.cert, extRoot.cert, false, false},
		{"not kyso's", extRoot.cert, extRoot.cert, false, false},
	} {
		got, err := ts.CertificateStatus(ctx, tc.cert, tc.issuer)
		if err != nil {
			t.Errorf("CertificateStatus(%s) = %v", tc.name, err)
			continue
		}
		if got.Known != tc.known || got.Revoked != tc.revoked {
			t.Errorf("CertificateStatus(%s) = known %v revoked %v, want known %v revoked %v", tc.name, got.Known, got.Revoked, tc.known, tc.revoked)
		}
	}
}

// TestListEachCertificateOnce: kyso's root is listed once, however many
// issuing CAs (generations after rotations) carry it in their chains.
func TestListEachCertificateOnce(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	own := issue(t, nil, "kyso root", true, 1)
	gen1 := issue(t, own, "kyso issuing 1", true, 2)
	gen2 := issue(t, own, "kyso issuing 2", true, 3)
	// The issuing CAs first: their chains' copy of the root comes before
	// the root's own record.
	for _, is := range []*model.Issuer{
		{ID: "i_1", Name: "issuing-1", Kind: model.IssuerIssuing, Status: model.IssuerRetired, KeyName: "k2", KeyVersion: 1, CertPEM: pemOf(gen1.cert), ChainPEM: pemOf(own.cert)},
		{ID: "i_2", Name: "issuing-2", Kind: model.IssuerIssuing, Status: model.IssuerActive, KeyName: "k3", KeyVersion: 1, CertPEM: pemOf(gen2.cert), ChainPEM: pemOf(own.cert)},
		{ID: "i_root", Name: "root", Kind: model.IssuerRoot, Status: model.IssuerActive, KeyName: "k1", KeyVersion: 1, CertPEM: pemOf(own.cert)},
	} {
		if err := st.CreateIssuer(ctx, is); err != nil {
			t.Fatal(err)
		}
	}
	ts, err := truststore.New(ctx, st, truststore.Config{Anchors: truststore.Anchors{OwnRoot: true}})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ts.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	roots := 0
	for _, e := range entries {
		if e.Cert.Equal(own.cert) {
			roots++
			if e.Kind != truststore.KindRoot {
				t.Errorf("kyso's root listed as %s, want %s", e.Kind, truststore.KindRoot)
			}
		}
	}
	if len(entries) != 3 || roots != 1 {
		t.Errorf("List = %d entries with the root %d times, want 3 with the root once", len(entries), roots)
	}
	// kyso's registry still answers for the root: it is its own record.
	if got, err := ts.CertificateStatus(ctx, gen2.cert, own.cert); err != nil || !got.Known {
		t.Errorf("CertificateStatus(issuing 2) = %+v, %v; want known", got, err)
	}
}

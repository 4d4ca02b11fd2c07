package ca_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/store"
)

// env is a CA on a real Vault (fresh Transit mount) and real SQLite.
type env struct {
	ca    *ca.Authority
	keys  *keys.Manager
	store store.Store
	now   time.Time
}

func newEnv(t testing.TB, mutate func(*ca.Config)) *env {
	t.Helper()
	ctx := context.Background()
	km, err := keys.New(vaulttest.Client(t), keys.Config{Mount: vaulttest.NewMount(t)})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{keys: km, store: st, now: time.Now()}
	cfg := ca.Config{
		BaseURL:     "http://kyso.test",
		RootKeyType: "rsa-2048", // fast key generation in tests; defaults are covered in api tests
		Now:         func() time.Time { return e.now },
	}
	if mutate != nil {
		mutate(&cfg)
	}
	e.ca, err = ca.New(cfg, st, vaultKeys(km))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) bootstrap(t testing.TB) {
	t.Helper()
	created, err := e.ca.Bootstrap(context.Background())
	if err != nil || !created {
		t.Fatalf("Bootstrap() = %v, %v; want true, nil", created, err)
	}
}

var citizen = ca.Request{Profile: "citizen", Subject: model.Subject{Name: "Nguyễn Văn An", CCCD: "001099012345", Locality: "Hà Nội", Province: "Hà Nội"}}

// citizenNo is citizen with another CCCD: one citizen holds one active
// citizen certificate, so a test that issues several needs several.
func citizenNo(i int) ca.Request {
	r := citizen
	r.Subject.CCCD = fmt.Sprintf("0010980%05d", i)
	return r
}

func uidValues(c *x509.Certificate) []string {
	var out []string
	for _, n := range c.Subject.Names {
		if n.Type.Equal(ca.OIDUID) {
			out = append(out, n.Value.(string))
		}
	}
	return out
}

// signingEKU is what crypto/x509 reads of the extended key usage of a
// document signer's certificate (id-kp-documentSigning, RFC 9336, is in
// UnknownExtKeyUsage).
var signingEKU = []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}

// oidDocumentSigning is id-kp-documentSigning (RFC 9336).
var oidDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

func TestIssueProfiles(t *testing.T) {
	e := newEnv(t, nil)
	e.bootstrap(t)
	ctx := context.Background()
	tests := []struct {
		name     string
		req      ca.Request
		wantCN   string
		wantUIDs []string
		wantO    string
		wantEKU  []x509.ExtKeyUsage
		wantKU   x509.KeyUsage
	}{
		{"citizen", citizen, "Nguyễn Văn An", []string{"CCCD:001099012345"}, "", signingEKU,
			x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment},
		{"official", ca.Request{Profile: "official", KeyType: "ecdsa-p256", Subject: model.Subject{
			Name: "Trần Thị Bình", CCCD: "001185000123", Title: "Chánh Văn phòng", Unit: "Văn phòng",
			Organization: "Ủy ban nhân dân Thành phố Hà Nội", Locality: "Hà Nội", Email: "binh@hanoi.gov.vn"}},
			"Trần Thị Bình", []string{"CCCD:001185000123"}, "Ủy ban nhân dân Thành phố Hà Nội", signingEKU,
			x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment},
		{"seal", ca.Request{Profile: "seal", Subject: model.Subject{
			Organization: "Ủy ban nhân dân Thành phố Hà Nội", TaxCode: "0103410294", BudgetCode: "1058600", Locality: "Hà Nội"}},
			"Ủy ban nhân dân Thành phố Hà Nội", []string{"MST:0103410294", "MNS:1058600"}, "Ủy ban nhân dân Thành phố Hà Nội", signingEKU,
			x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment},
		{"tsa", ca.Request{Profile: "tsa", KeyType: "rsa-2048", Subject: model.Subject{Name: "kyso TSA", Organization: "kyso"}},
			"kyso TSA", nil, "kyso", []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}, x509.KeyUsageDigitalSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.ca.Issue(ctx, tc.req)
			if err != nil {
				t.Fatalf("Issue(%s) = %v", tc.name, err)
			}
			c := got.Leaf
			if c.Subject.CommonName != tc.wantCN {
				t.Errorf("CN = %q, want %q", c.Subject.CommonName, tc.wantCN)
			}
			if u := uidValues(c); strings.Join(u, ",") != strings.Join(tc.wantUIDs, ",") {
				t.Errorf("UID = %q, want %q", u, tc.wantUIDs)
			}
			if tc.wantO != "" && (len(c.Subject.Organization) != 1 || c.Subject.Organization[0] != tc.wantO) {
				t.Errorf("O = %q, want %q", c.Subject.Organization, tc.wantO)
			}
			if c.KeyUsage != tc.wantKU {
				t.Errorf("KeyUsage = %v, want %v", c.KeyUsage, tc.wantKU)
			}
			if len(c.ExtKeyUsage) != len(tc.wantEKU) || (len(tc.wantEKU) > 0 && c.ExtKeyUsage[0] != tc.wantEKU[0]) {
				t.Errorf("ExtKeyUsage = %v, want %v", c.ExtKeyUsage, tc.wantEKU)
			}
			docSigning := len(c.UnknownExtKeyUsage) == 1 && c.UnknownExtKeyUsage[0].Equal(oidDocumentSigning)
			if wantDoc := tc.req.Profile != "tsa"; docSigning != wantDoc {
				t.Errorf("UnknownExtKeyUsage = %v, want id-kp-documentSigning: %v", c.UnknownExtKeyUsage, wantDoc)
			}
			if got := len(c.SerialNumber.Bytes()); got != 16 {
				t.Errorf("serial is %d bytes, want 16", got)
			}
			if c.NotAfter.After(got.Chain[0].NotAfter) {
				t.Errorf("NotAfter %v beyond issuer's %v", c.NotAfter, got.Chain[0].NotAfter)
			}
			if len(c.OCSPServer) != 1 || c.OCSPServer[0] != "http://kyso.test/pki/ocsp" {
				t.Errorf("OCSPServer = %v", c.OCSPServer)
			}
			if len(c.CRLDistributionPoints) != 1 || !strings.HasPrefix(c.CRLDistributionPoints[0], "http://kyso.test/pki/crl/issuing-1.crl") {
				t.Errorf("CRLDistributionPoints = %v", c.CRLDistributionPoints)
			}
			if len(c.Policies) != 1 {
				t.Errorf("Policies = %v, want one", c.Policies)
			}
			roots := x509.NewCertPool()
			roots.AddCert(got.Chain[len(got.Chain)-1])
			inter := x509.NewCertPool()
			inter.AddCert(got.Chain[0])
			if _, err := c.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
				t.Errorf("Verify() = %v", err)
			}
			info, err := e.keys.Info(ctx, got.Record.KeyName)
			if err != nil {
				t.Fatal(err)
			}
			if info.Exportable || info.AllowPlaintextBackup {
				t.Errorf("key %s exportable=%v allow_plaintext_backup=%v, want false/false", info.Name, info.Exportable, info.AllowPlaintextBackup)
			}
			if got.Record.Status != store.CertActive || got.Record.CredentialID == "" {
				t.Errorf("record = %+v", got.Record)
			}
		})
	}
	t.Run("tsa EKU is critical", func(t *testing.T) {
		got, err := e.ca.Issue(ctx, tests[3].req)
		if err != nil {
			t.Fatal(err)
		}
		for _, ext := range got.Leaf.Extensions {
			if ext.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) && !ext.Critical {
				t.Error("TSA EKU is not critical (RFC 3161, 2.3)")
			}
		}
	})
}

func TestIssueRejectsBadInput(t *testing.T) {
	e := newEnv(t, nil)
	e.bootstrap(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		req   ca.Request
		field string
	}{
		{"unknown profile", ca.Request{Profile: "root"}, "profile"},
		{"ocsp profile", ca.Request{Profile: "ocsp"}, "profile"},
		{"cccd 11 digits", ca.Request{Profile: "citizen", Subject: model.Subject{Name: "A", CCCD: "00109901234", Locality: "HN"}}, "subject.cccd"},
		{"cccd letters", ca.Request{Profile: "citizen", Subject: model.Subject{Name: "A", CCCD: "00109901234x", Locality: "HN"}}, "subject.cccd"},
		{"cccd bad province", ca.Request{Profile: "citizen", Subject: model.Subject{Name: "A", CCCD: "099099012345", Locality: "HN"}}, "subject.cccd"},
		{"missing name", ca.Request{Profile: "citizen", Subject: model.Subject{CCCD: "001099012345", Locality: "HN"}}, "subject.name"},
		{"name too long", ca.Request{Profile: "citizen", Subject: model.Subject{Name: strings.Repeat("ễ", 65), CCCD: "001099012345", Locality: "HN"}}, "subject.name"},
		{"control char", ca.Request{Profile: "citizen", Subject: model.Subject{Name: "A\x00B", CCCD: "001099012345", Locality: "HN"}}, "subject.name"},
		// Subject text that would display as something else (issue #14).
		{"right-to-left override", ca.Request{Profile: "citizen", Subject: model.Subject{Name: "Nguyễn Văn \u202eA", CCCD: "001099012345", Locality: "HN"}}, "subject.name"},
		{"left-to-right isolate", ca.Request{Profile: "citizen", Subject: model.Subject{Name: "Nguyễn \u2066Văn\u2069 A", CCCD: "001099012345", Locality: "HN"}}, "subject.name"},
		{"zero-width space", ca.Request{Profile: "citizen", Subject: model.Subject{Name: "Nguyễn\u200bVăn A", CCCD: "001099012345", Locality: "HN"}}, "subject.name"},
		{"zero-width joiner in locality", ca.Request{Profile: "citizen", Subject: model.Subject{Name: "A", CCCD: "001099012345", Locality: "Hà\u200dNội"}}, "subject.locality"},
		{"invalid UTF-8", ca.Request{Profile: "citizen", Subject: model.Subject{Name: "Nguy\xe1n", CCCD: "001099012345", Locality: "HN"}}, "subject.name"},
		{"replacement character", ca.Request{Profile: "citizen", Subject: model.Subject{Name: "Nguy\ufffdn", CCCD: "001099012345", Locality: "HN"}}, "subject.name"},
		{"cyrillic look-alike in agency", ca.Request{Profile: "official", Subject: model.Subject{Name: "A", CCCD: "001099012345", Locality: "HN", Organization: "\u0423\u0309y ban nhân dân TP Hà Nội"}}, "subject.organization"},
		{"greek look-alike in seal", ca.Request{Profile: "seal", Subject: model.Subject{Organization: "UBND Quận Ba \u0394ình", Locality: "HN", TaxCode: "0103410294"}}, "subject.organization"},
		{"cyrillic look-alike in name", ca.Request{Profile: "citizen", Subject: model.Subject{Name: "Nguy\u0435n Văn A", CCCD: "001099012345", Locality: "HN"}}, "subject.name"},
		{"citizen with org", ca.Request{Profile: "citizen", Subject: model.Subject{Name: "A", CCCD: "001099012345", Locality: "HN", Organization: "X"}}, "subject.organization"},
		{"official without org", ca.Request{Profile: "official", Subject: model.Subject{Name: "A", CCCD: "001099012345", Locality: "HN"}}, "subject.organization"},
		{"bad email", ca.Request{Profile: "official", Subject: model.Subject{Name: "A", CCCD: "001099012345", Locality: "HN", Organization: "X", Email: "a b@c"}}, "subject.email"},
		{"seal without codes", ca.Request{Profile: "seal", Subject: model.Subject{Organization: "X", Locality: "HN"}}, "subject.tax_code"},
		{"seal bad MST", ca.Request{Profile: "seal", Subject: model.Subject{Organization: "X", Locality: "HN", TaxCode: "12345"}}, "subject.tax_code"},
		{"seal bad MNS", ca.Request{Profile: "seal", Subject: model.Subject{Organization: "X", Locality: "HN", BudgetCode: "12"}}, "subject.budget_code"},
		{"seal CN differs", ca.Request{Profile: "seal", Subject: model.Subject{Name: "Y", Organization: "X", Locality: "HN", TaxCode: "0103410294"}}, "subject.name"},
		{"bad key type", ca.Request{Profile: "citizen", KeyType: "rsa-1024", Subject: citizen.Subject}, "key_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.ca.Issue(ctx, tc.req)
			var fe *errkind.Error
			if !errors.As(err, &fe) || !errors.Is(err, ca.ErrInvalid) {
				t.Fatalf("Issue() = %v, want a field error", err)
			}
			if fe.Field != tc.field {
				t.Errorf("field = %q, want %q (%v)", fe.Field, tc.field, err)
			}
		})
	}
	// Nothing was recorded for rejected requests.
	list, err := e.ca.List(ctx, ca.ListFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		if c.CredentialID != "" {
			t.Errorf("a rejected request left certificate %s (%s)", c.ID, c.Status)
		}
	}
}

func TestRotateRenewRevoke(t *testing.T) {
	e := newEnv(t, nil)
	e.bootstrap(t)
	ctx := context.Background()
	first, err := e.ca.Issue(ctx, citizen)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := e.ca.Rotate(ctx, first.Record.ID)
	if err != nil {
		t.Fatalf("Rotate() = %v", err)
	}
	if rotated.Record.CredentialID != first.Record.CredentialID {
		t.Errorf("credential changed on rotation: %s → %s", first.Record.CredentialID, rotated.Record.CredentialID)
	}
	if rotated.Record.KeyVersion != 2 || bytes.Equal(rotated.Leaf.RawSubjectPublicKeyInfo, first.Leaf.RawSubjectPublicKeyInfo) {
		t.Errorf("rotation kept the key: version %d", rotated.Record.KeyVersion)
	}
	old, err := e.ca.Get(ctx, first.Record.ID)
	if err != nil {
		t.Fatal(err)
	}
	if old.Record.Status != store.CertSuperseded || old.Record.SupersededBy != rotated.Record.ID {
		t.Errorf("old certificate: status %s superseded_by %q, want superseded by %s", old.Record.Status, old.Record.SupersededBy, rotated.Record.ID)
	}
	if _, err := e.ca.Rotate(ctx, first.Record.ID); !errors.Is(err, ca.ErrConflict) {
		t.Errorf("Rotate(superseded) = %v, want ErrConflict", err)
	}
	renewed, err := e.ca.Renew(ctx, rotated.Record.ID)
	if err != nil {
		t.Fatalf("Renew() = %v", err)
	}
	if renewed.Record.KeyVersion != 2 || !bytes.Equal(renewed.Leaf.RawSubjectPublicKeyInfo, rotated.Leaf.RawSubjectPublicKeyInfo) {
		t.Errorf("renewal changed the key")
	}
	if _, err := e.ca.Revoke(ctx, renewed.Record.ID, "stolen"); !errors.Is(err, ca.ErrInvalid) {
		t.Errorf("Revoke(bad reason) = %v, want ErrInvalid", err)
	}
	rec, err := e.ca.Revoke(ctx, renewed.Record.ID, "keyCompromise")
	if err != nil {
		t.Fatalf("Revoke() = %v", err)
	}
	if rec.Status != store.CertRevoked || rec.RevocationReason != 1 {
		t.Errorf("revoked record = %s reason %d", rec.Status, rec.RevocationReason)
	}
	if _, err := e.ca.Revoke(ctx, renewed.Record.ID, "keyCompromise"); !errors.Is(err, ca.ErrConflict) {
		t.Errorf("Revoke twice = %v, want ErrConflict", err)
	}
	der, err := e.ca.CRL(ctx, "issuing-1")
	if err != nil {
		t.Fatal(err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil {
		t.Fatal(err)
	}
	if err := crl.CheckSignatureFrom(renewed.Chain[0]); err != nil {
		t.Errorf("CRL signature: %v", err)
	}
	found := false
	for _, rc := range crl.RevokedCertificateEntries {
		if rc.SerialNumber.Cmp(renewed.Leaf.SerialNumber) == 0 {
			found = rc.ReasonCode == 1
		}
	}
	if !found {
		t.Errorf("CRL does not list %x with keyCompromise", renewed.Leaf.SerialNumber)
	}
	// After a key compromise the holder rotates to a new key; the revoked
	// certificate stays revoked.
	again, err := e.ca.Rotate(ctx, renewed.Record.ID)
	if err != nil {
		t.Fatalf("Rotate(revoked current) = %v", err)
	}
	if again.Record.KeyVersion != 3 {
		t.Errorf("key version = %d, want 3", again.Record.KeyVersion)
	}
	// Expiring: with the clock moved to just before expiry the active one shows.
	e.now = again.Leaf.NotAfter.Add(-24 * time.Hour)
	exp, err := e.ca.List(ctx, ca.ListFilter{ExpiringWithin: 48 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range exp {
		if c.CredentialID != "" {
			ids = append(ids, c.ID)
		}
	}
	if len(ids) != 1 || ids[0] != again.Record.ID {
		t.Errorf("expiring = %v, want [%s]", ids, again.Record.ID)
	}
}

func TestRotateCA(t *testing.T) {
	e := newEnv(t, nil)
	e.bootstrap(t)
	ctx := context.Background()
	before, err := e.ca.Issue(ctx, citizen)
	if err != nil {
		t.Fatal(err)
	}
	info, err := e.ca.RotateCA(ctx)
	if err != nil {
		t.Fatalf("RotateCA() = %v", err)
	}
	if info.Name != "issuing-2" || info.Status != "active" {
		t.Errorf("RotateCA() = %s %s, want issuing-2 active", info.Name, info.Status)
	}
	after, err := e.ca.Issue(ctx, citizenNo(1))
	if err != nil {
		t.Fatal(err)
	}
	if after.Chain[0].Equal(before.Chain[0]) {
		t.Fatal("issued by the old issuing CA after rotation")
	}
	if !after.Chain[1].Equal(before.Chain[1]) {
		t.Error("root changed on CA rotation")
	}
	list, err := e.ca.Issuers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	status := map[string]string{}
	for _, is := range list {
		status[is.Name] = is.Status
	}
	if status["issuing-1"] != "retired" || status["issuing-2"] != "active" || status["root"] != "active" {
		t.Errorf("issuers = %v", status)
	}
	// The retired issuer still publishes its CRL.
	if _, err := e.ca.Revoke(ctx, before.Record.ID, "cessationOfOperation"); err != nil {
		t.Fatal(err)
	}
	der, err := e.ca.CRL(ctx, "issuing-1")
	if err != nil {
		t.Fatalf("CRL(retired) = %v", err)
	}
	crl, err := x509.ParseRevocationList(der)
	if err != nil || crl.CheckSignatureFrom(before.Chain[0]) != nil || len(crl.RevokedCertificateEntries) != 1 {
		t.Errorf("retired issuer's CRL: err %v, entries %d", err, len(crl.RevokedCertificateEntries))
	}
}

func TestBootstrapIdempotentAndKeyCheck(t *testing.T) {
	e := newEnv(t, nil)
	e.bootstrap(t)
	ctx := context.Background()
	if created, err := e.ca.Bootstrap(ctx); err != nil || created {
		t.Fatalf("second Bootstrap() = %v, %v; want false, nil", created, err)
	}
	// Rotating the issuing CA's Transit key behind kyso's back must not make
	// kyso sign with a key that does not match the certificate: the issuer
	// stays pinned to its version.
	if _, err := e.keys.Rotate(ctx, "kyso-issuing-1"); err != nil {
		t.Fatal(err)
	}
	got, err := e.ca.Issue(ctx, citizen)
	if err != nil {
		t.Fatalf("Issue after an out-of-band key rotation = %v", err)
	}
	if err := got.Leaf.CheckSignatureFrom(got.Chain[0]); err != nil {
		t.Errorf("leaf not signed by the pinned issuer key: %v", err)
	}
}

func TestNotReadyBeforeBootstrap(t *testing.T) {
	e := newEnv(t, nil)
	if _, err := e.ca.Issue(context.Background(), citizen); !errors.Is(err, ca.ErrNotReady) {
		t.Errorf("Issue() before bootstrap = %v, want ErrNotReady", err)
	}
}

// TestOneCitizenCertificatePerCCCD reproduces the red-team finding of
// issue #14: the same CCCD was issued a second certificate under another
// name on one admin's word. Now the second issuance is refused with
// ErrHolderHasCertificate naming subject.cccd, whether asked in turn or
// at once; rotation and renewal keep working; an official's certificate
// with the same CCCD is another matter; revoking the citizen's
// certificate frees the CCCD.
func TestOneCitizenCertificatePerCCCD(t *testing.T) {
	e := newEnv(t, nil)
	e.bootstrap(t)
	ctx := context.Background()
	first, err := e.ca.Issue(ctx, citizen)
	if err != nil {
		t.Fatal(err)
	}
	impostor := citizen
	impostor.Subject.Name = "Trần Thị Bình"
	_, err = e.ca.Issue(ctx, impostor)
	var fe *errkind.Error
	if !errors.Is(err, ca.ErrHolderHasCertificate) || !errors.As(err, &fe) || fe.Field != "subject.cccd" {
		t.Fatalf("Issue(same CCCD, another name) = %v, want ErrHolderHasCertificate on subject.cccd", err)
	}
	if errkind.KindOf(err) != errkind.HolderHasCertificate {
		t.Errorf("kind of %v = %v, want HolderHasCertificate", err, errkind.KindOf(err))
	}

	rotated, err := e.ca.Rotate(ctx, first.Record.ID)
	if err != nil {
		t.Fatalf("Rotate() = %v", err)
	}
	renewed, err := e.ca.Renew(ctx, rotated.Record.ID)
	if err != nil {
		t.Fatalf("Renew() = %v", err)
	}
	if _, err := e.ca.Issue(ctx, citizen); !errors.Is(err, ca.ErrHolderHasCertificate) {
		t.Errorf("Issue(same CCCD) after rotation and renewal = %v, want ErrHolderHasCertificate", err)
	}
	official := ca.Request{Profile: "official", Subject: model.Subject{Name: citizen.Subject.Name, CCCD: citizen.Subject.CCCD,
		Title: "Chuyên viên", Organization: "UBND Thành phố Hà Nội", Locality: "Hà Nội"}}
	if _, err := e.ca.Issue(ctx, official); err != nil {
		t.Errorf("Issue(official, same CCCD) = %v, want an official certificate", err)
	}

	if _, err := e.ca.Revoke(ctx, renewed.Record.ID, "keyCompromise"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ca.Issue(ctx, impostor); err != nil {
		t.Fatalf("Issue(same CCCD) after revocation = %v", err)
	}

	// Concurrent issuances for one new CCCD: one certificate.
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := e.ca.Issue(ctx, citizenNo(7))
			errs <- err
		}()
	}
	made := 0
	for range n {
		switch err := <-errs; {
		case err == nil:
			made++
		case !errors.Is(err, ca.ErrHolderHasCertificate):
			t.Errorf("concurrent Issue() = %v, want nil or ErrHolderHasCertificate", err)
		}
	}
	if made != 1 {
		t.Errorf("%d concurrent issuances for one CCCD made %d certificates, want 1", n, made)
	}
	active, err := e.ca.List(ctx, ca.ListFilter{Status: "active"})
	if err != nil {
		t.Fatal(err)
	}
	count := 0
	for _, c := range active {
		if strings.Contains(c.Subject, citizenNo(7).Subject.CCCD) {
			count++
		}
	}
	if count != 1 {
		t.Errorf("active certificates for CCCD %s = %d, want 1", citizenNo(7).Subject.CCCD, count)
	}
}

package ca_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/store"
)

// officialEnv is a bootstrapped CA that has issued one official's
// certificate.
func officialEnv(t *testing.T) (*env, *ca.Issued) {
	t.Helper()
	e := newEnv(t, nil)
	e.bootstrap(t)
	issued, err := e.ca.Issue(context.Background(), ca.Request{Profile: "official", Subject: model.Subject{
		Name: "Trần Thị Bình", CCCD: "001185000123", Title: "Phó Chủ tịch", Organization: "Ủy ban nhân dân Thành phố Hà Nội", Locality: "Hà Nội"}})
	if err != nil {
		t.Fatal(err)
	}
	return e, issued
}

func TestSigningCredential(t *testing.T) {
	e, issued := officialEnv(t)
	ctx := context.Background()
	sc, err := e.ca.SigningCredential(ctx, issued.Record.CredentialID)
	if err != nil {
		t.Fatalf("SigningCredential() = %v", err)
	}
	// The holder's identity comes from the stored subject, as the
	// appearances and the audit log show it.
	if sc.ID != issued.Record.CredentialID || sc.Profile != ca.ProfileOfficial || sc.HolderName != "Trần Thị Bình" ||
		sc.Title != "Phó Chủ tịch" || sc.CCCD != "001185000123" || sc.CertID != issued.Record.ID || sc.SCAL != "1" {
		t.Errorf("SigningCredential() = id %q profile %q holder %q title %q CCCD %q cert %q SCAL %q, want %q official Trần Thị Bình, Phó Chủ tịch, 001185000123, %q, 1",
			sc.ID, sc.Profile, sc.HolderName, sc.Title, sc.CCCD, sc.CertID, sc.SCAL, issued.Record.CredentialID, issued.Record.ID)
	}
	if sc.Organization != "Ủy ban nhân dân Thành phố Hà Nội" || !sc.Cert.Equal(issued.Leaf) || len(sc.Chain) != 2 {
		t.Errorf("SigningCredential() = org %q, cert equal %v, chain %d", sc.Organization, sc.Cert.Equal(issued.Leaf), len(sc.Chain))
	}
	digest := sha256.Sum256([]byte("văn bản"))
	sig, err := sc.Signer.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(sc.Cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, digest[:], sig); err != nil {
		t.Errorf("signature does not verify with the certificate: %v", err)
	}
	resp, err := e.ca.OCSP(ctx, sc.Cert, sc.Chain[0])
	if err != nil {
		t.Fatal(err)
	}
	if r, err := ocsp.ParseResponseForCert(resp, sc.Cert, sc.Chain[0]); err != nil || r.Status != ocsp.Good {
		t.Errorf("in-process OCSP = %v, %v", r, err)
	}
	if crl, err := e.ca.CRLFor(ctx, sc.Chain[0]); err != nil || len(crl) == 0 {
		t.Errorf("CRLFor(issuing CA) = %d bytes, %v", len(crl), err)
	}

	rotated, err := e.ca.Rotate(ctx, issued.Record.ID)
	if err != nil {
		t.Fatal(err)
	}
	sc2, err := e.ca.SigningCredential(ctx, issued.Record.CredentialID)
	if err != nil {
		t.Fatal(err)
	}
	if !sc2.Cert.Equal(rotated.Leaf) || sc2.Signer.Public().(*rsa.PublicKey).Equal(sc.Signer.Public()) {
		t.Error("after rotation the credential does not sign with the new key and certificate")
	}
	if _, err := e.ca.Revoke(ctx, rotated.Record.ID, "keyCompromise"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ca.SigningCredential(ctx, issued.Record.CredentialID); !errors.Is(err, ca.ErrConflict) {
		t.Errorf("SigningCredential(revoked) = %v, want ErrConflict", err)
	}
	if _, err := e.ca.SigningCredential(ctx, "cred_nope"); !errors.Is(err, ca.ErrNotFound) {
		t.Errorf("SigningCredential(unknown) = %v, want ErrNotFound", err)
	}
}

// readCounting counts the credential reads of signatures.
type readCounting struct {
	ca.Store
	reads atomic.Int64
}

func (s *readCounting) GetCredentialCertificate(ctx context.Context, id string) (*store.Credential, *store.Certificate, int64, error) {
	s.reads.Add(1)
	return s.Store.GetCredentialCertificate(ctx, id)
}

// TestSigningCredentialAt: a request that read the authorisation version
// with its API key gets the credential from the rows a node read at that
// very version, without a read; the checks still run on them; any change
// to a credential or certificate (here made through another Authority,
// as another node would) gives later requests a new version, which reads
// afresh and sees it.
func TestSigningCredentialAt(t *testing.T) {
	e, issued := officialEnv(t)
	ctx := context.Background()
	id := issued.Record.CredentialID
	counting := &readCounting{Store: e.store}
	node, err := ca.New(ca.Config{BaseURL: "http://kyso.test", RootKeyType: "rsa-2048", Now: func() time.Time { return e.now }}, counting, vaultKeys(e.keys))
	if err != nil {
		t.Fatal(err)
	}
	epochNow := func() int64 {
		t.Helper()
		_, _, epoch, err := e.store.GetCredentialCertificate(ctx, id)
		if err != nil || epoch <= 0 {
			t.Fatalf("GetCredentialCertificate = epoch %d, %v", epoch, err)
		}
		return epoch
	}
	epoch := epochNow()
	reads := func(want int64) {
		t.Helper()
		if got := counting.reads.Load(); got != want {
			t.Errorf("credential reads = %d, want %d", got, want)
		}
	}

	first, err := node.SigningCredentialAt(ctx, id, epoch)
	if err != nil || first.CertID != issued.Record.ID {
		t.Fatalf("SigningCredentialAt(epoch %d) = %v, %v; want certificate %s", epoch, first, err, issued.Record.ID)
	}
	reads(1)
	again, err := node.SigningCredentialAt(ctx, id, epoch)
	if err != nil || again.CertID != first.CertID || !again.Cert.Equal(first.Cert) || again.HolderName != "Trần Thị Bình" {
		t.Fatalf("SigningCredentialAt(same epoch) = %v, %v; want the same credential", again, err)
	}
	reads(1)
	if _, err := node.SigningCredentialAt(ctx, id, 0); err != nil {
		t.Fatalf("SigningCredentialAt(epoch 0) = %v", err)
	}
	reads(2)
	if _, err := node.SigningCredential(ctx, id); err != nil {
		t.Fatalf("SigningCredential = %v", err)
	}
	reads(3)

	// The checks run on remembered rows too: past its validity the
	// certificate is refused without a read.
	e.now = first.Cert.NotAfter.Add(time.Hour)
	if _, err := node.SigningCredentialAt(ctx, id, epoch); !errors.Is(err, ca.ErrConflict) {
		t.Errorf("SigningCredentialAt past NotAfter = %v, want ErrConflict", err)
	}
	reads(3)
	e.now = time.Now()

	// Revoked through the other Authority: the version moves on, and a
	// request authenticated after that reads and is refused.
	if _, err := e.ca.Revoke(ctx, issued.Record.ID, "keyCompromise"); err != nil {
		t.Fatal(err)
	}
	after := epochNow()
	if after <= epoch {
		t.Fatalf("epoch after revocation = %d, want above %d", after, epoch)
	}
	if _, err := node.SigningCredentialAt(ctx, id, after); !errors.Is(err, ca.ErrConflict) {
		t.Errorf("SigningCredentialAt(after revocation) = %v, want ErrConflict", err)
	}
	reads(4)
	// The rows read after the revocation replaced the older ones: a
	// request still carrying the old version reads again, and is refused.
	if _, err := node.SigningCredentialAt(ctx, id, epoch); !errors.Is(err, ca.ErrConflict) {
		t.Errorf("SigningCredentialAt(old epoch, after revocation) = %v, want ErrConflict", err)
	}
	reads(5)
}

func TestSCAL(t *testing.T) {
	for profile, want := range map[string]string{
		ca.ProfileCitizen: "2", ca.ProfileOfficial: "1", ca.ProfileSeal: "1",
		ca.ProfileTSA: "", ca.ProfileOCSP: "", ca.ProfileTLSClient: "", "unknown": "",
	} {
		if got := ca.SCAL(profile); got != want {
			t.Errorf("SCAL(%q) = %q, want %q", profile, got, want)
		}
	}
}

func TestTSACredential(t *testing.T) {
	e := newEnv(t, nil)
	e.bootstrap(t)
	ctx := context.Background()
	first, err := e.ca.TSACredential(ctx)
	if err != nil {
		t.Fatalf("TSACredential() = %v", err)
	}
	if first.Profile != ca.ProfileTSA || first.SCAL != "" || len(first.Cert.ExtKeyUsage) != 1 || first.Cert.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping {
		t.Errorf("TSA credential: profile %s EKU %v", first.Profile, first.Cert.ExtKeyUsage)
	}
	again, err := e.ca.TSACredential(ctx)
	if err != nil || again.ID != first.ID {
		t.Errorf("second TSACredential() = %v, %v; want the same credential %s", again, err, first.ID)
	}
}

package ca_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"testing"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/model"
)

func TestSigningCredential(t *testing.T) {
	e := newEnv(t, nil)
	e.bootstrap(t)
	ctx := context.Background()
	issued, err := e.ca.Issue(ctx, ca.Request{Profile: "official", Subject: model.Subject{
		Name: "Trần Thị Bình", CCCD: "001185000123", Title: "Phó Chủ tịch", Organization: "Ủy ban nhân dân Thành phố Hà Nội", Locality: "Hà Nội"}})
	if err != nil {
		t.Fatal(err)
	}
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

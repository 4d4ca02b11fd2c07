package ca_test

import (
	"context"
	"crypto"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/store"
)

// failingCreate is the real Vault-backed Keys with CreateKey failing on cue
// (after Vault made the key, as when the answer is lost): the fault a real
// server cannot be made to show between two calls.
type failingCreate struct {
	ca.Keys
	fail bool
}

func (f *failingCreate) CreateKey(ctx context.Context, name, keyType string) error {
	if err := f.Keys.CreateKey(ctx, name, keyType); err != nil {
		return err
	}
	if f.fail {
		return keys.ErrUnavailable
	}
	return nil
}

// TestIssueRecordsCredentialFirst shows the issuance order kyso doctor
// relies on: the credential is recorded before its key exists, a failure
// before the certificate's intent retires it, and a preset credential ID
// (an idempotent request's) is used as given — after a failure that may
// pass, it stays for the retry of the same request, which finishes it.
func TestIssueRecordsCredentialFirst(t *testing.T) {
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
	fk := &failingCreate{Keys: vaultKeys(km)}
	a, err := ca.New(ca.Config{BaseURL: "http://kyso.test", RootKeyType: "rsa-2048", Now: time.Now}, st, fk)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Bootstrap(ctx); err != nil {
		t.Fatal(err)
	}

	id, err := ca.NewCredentialID()
	if err != nil {
		t.Fatal(err)
	}
	req := citizen
	req.CredentialID = id
	got, err := a.Issue(ctx, req)
	if err != nil {
		t.Fatalf("Issue(preset ID) = %v", err)
	}
	if got.Record.CredentialID != id {
		t.Errorf("Issue(preset ID %s) made credential %s", id, got.Record.CredentialID)
	}
	if _, err := a.Issue(ctx, req); !errors.Is(err, ca.ErrConflict) {
		t.Errorf("Issue(same preset ID again) = %v, want ErrConflict", err)
	}
	req.CredentialID = "cred_../../x"
	var fe *errkind.Error
	if _, err := a.Issue(ctx, req); !errors.As(err, &fe) || fe.Field != "credential_id" {
		t.Errorf("Issue(malformed ID) = %v, want a credential_id field error", err)
	}

	// Vault made the key but the answer was lost: the credential exists
	// and names the key; no certificate is pending. Without a preset ID
	// nobody finishes it: it is retired.
	fk.fail = true
	req = citizenNo(1)
	if _, err := a.Issue(ctx, req); errkind.KindOf(err) != errkind.Unavailable {
		t.Fatalf("Issue(CreateKey fails) = %v, want a Vault-unavailable error", err)
	}
	creds, err := st.ListCredentials(ctx, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var lost *store.Credential
	for _, cr := range creds {
		if cr.ID != id {
			lost = cr
		}
	}
	if lost == nil || lost.Status != store.CredentialRevoked || lost.CurrentCertID != "" {
		t.Fatalf("credential after a failed issuance: %+v; want one, revoked without certificate", lost)
	}
	if _, err := km.Info(ctx, lost.KeyName); err != nil {
		t.Errorf("the key Vault made (%s) is not named by the credential: %v", lost.KeyName, err)
	}
	if certs, err := st.ListCertificates(ctx, store.CertFilter{CredentialID: lost.ID}); err != nil || len(certs) != 0 {
		t.Errorf("certificates of the failed issuance = %d, %v; want none", len(certs), err)
	}

	// With a preset ID the caller retries: the credential stays active,
	// without certificate, and the retry finishes it with the key Vault
	// made.
	id2, _ := ca.NewCredentialID()
	req.CredentialID = id2
	if _, err := a.Issue(ctx, req); errkind.KindOf(err) != errkind.Unavailable {
		t.Fatalf("Issue(preset ID, CreateKey fails) = %v, want a Vault-unavailable error", err)
	}
	cr, err := st.GetCredential(ctx, id2)
	if err != nil {
		t.Fatalf("credential of the failed issuance: %v", err)
	}
	if cr.Status != store.CredentialActive || cr.CurrentCertID != "" {
		t.Errorf("credential after a failed issuance with a preset ID: %s, current %q; want active without certificate", cr.Status, cr.CurrentCertID)
	}
	if certs, err := st.ListCertificates(ctx, store.CertFilter{CredentialID: id2}); err != nil || len(certs) != 0 {
		t.Errorf("certificates of the failed issuance = %d, %v; want none", len(certs), err)
	}
	made, err := km.PublicKey(ctx, cr.KeyName, 1)
	if err != nil {
		t.Fatalf("the key Vault made (%s): %v", cr.KeyName, err)
	}
	fk.fail = false
	got, err = a.Issue(ctx, req)
	if err != nil {
		t.Fatalf("Issue(preset ID) again = %v", err)
	}
	if got.Record.CredentialID != id2 || !made.(interface{ Equal(crypto.PublicKey) bool }).Equal(got.Leaf.PublicKey) {
		t.Errorf("retry issued credential %s; want %s with the key Vault made", got.Record.CredentialID, id2)
	}
	// A different request cannot take the credential over.
	other := citizenNo(2)
	other.Subject.Name = "Trần Thị Bình"
	id3, _ := ca.NewCredentialID()
	other.CredentialID = id3
	fk.fail = true
	if _, err := a.Issue(ctx, other); errkind.KindOf(err) != errkind.Unavailable {
		t.Fatalf("Issue(preset ID 3, CreateKey fails) = %v, want a Vault-unavailable error", err)
	}
	fk.fail = false
	req.CredentialID = id3
	if _, err := a.Issue(ctx, req); !errors.Is(err, ca.ErrConflict) || errors.Is(err, ca.ErrCredentialRetired) {
		t.Errorf("Issue(another request with credential %s) = %v, want ErrConflict", id3, err)
	}
}

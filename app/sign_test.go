package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"testing"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/store"
)

// credentials resolves the test's credentials by ID: the CA's lookup,
// which needs Vault, is not what these tests are about.
type credentials map[string]*signer.Credential

func (c credentials) Credential(_ context.Context, id string) (*signer.Credential, error) {
	if cr, ok := c[id]; ok {
		return cr, nil
	}
	return nil, fmt.Errorf("credential %s: %w", id, store.ErrNotFound)
}

// TestSignAuthorize: who may sign with which credential. An official's
// and a seal's credential only for a client bound to their agency; a
// citizen's only with the right PIN, each wrong PIN audited against the
// credential, naming the client; a TSA credential never.
func TestSignAuthorize(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLite(ctx, filepath.Join(t.TempDir(), "kyso.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.CreateIssuer(ctx, &model.Issuer{ID: "iss", Name: "issuing", Kind: model.IssuerIssuing, Status: model.IssuerActive, KeyName: "ca", KeyVersion: 1}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateCredential(ctx, &model.Credential{ID: "cred_citizen", Profile: "citizen", SubjectJSON: "{}", KeyName: "k_citizen", KeyType: "ecdsa-p256", Status: model.CredentialActive}, nil); err != nil {
		t.Fatal(err)
	}
	pins := auth.NewPINs(st)
	if err := pins.SetPIN(ctx, "cred_citizen", "274839"); err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const org = "Ủy ban nhân dân Thành phố Hà Nội"
	creds := credentials{
		"cred_official": {ID: "cred_official", Profile: "official", Organization: org, Signer: key},
		"cred_seal":     {ID: "cred_seal", Profile: "seal", Organization: org, Signer: key},
		"cred_citizen":  {ID: "cred_citizen", Profile: "citizen", Signer: key},
		"cred_tsa":      {ID: "cred_tsa", Profile: "tsa", Organization: org, Signer: key},
	}
	s := app.NewSign(app.SignDeps{Credentials: creds, Consent: pins, Audit: audit.New(st)}, signer.Config{})
	bound := signer.Caller{ClientID: "cli_hanoi", MayUse: func(o string) bool { return o == org }}
	other := signer.Caller{ClientID: "cli_other", MayUse: func(string) bool { return false }}

	for _, tc := range []struct {
		caller     signer.Caller
		credential string
		pin        string
		want       error // nil: authorised
	}{
		{bound, "cred_official", "", nil},
		{bound, "cred_seal", "", nil},
		{other, "cred_official", "", signer.ErrForbidden},
		{other, "cred_seal", "", signer.ErrForbidden},
		{signer.Caller{ClientID: "cli_nobody"}, "cred_seal", "", signer.ErrForbidden},
		{other, "cred_citizen", "274839", nil},
		{other, "cred_citizen", "", signer.ErrConsent},
		{other, "cred_citizen", "111112", signer.ErrConsent},
		{bound, "cred_tsa", "", signer.ErrForbidden},
		{bound, "", "", signer.ErrInvalid},
		{bound, "cred_missing", "", store.ErrNotFound},
	} {
		cred, err := s.Authorize(ctx, tc.caller, tc.credential, tc.pin)
		switch {
		case tc.want == nil && (err != nil || cred == nil || cred.ID != tc.credential):
			t.Errorf("Authorize(%s, %q, %q) = %v, %v; want %s", tc.caller.ClientID, tc.credential, tc.pin, cred, err, tc.credential)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("Authorize(%s, %q, %q) = %v, want %v", tc.caller.ClientID, tc.credential, tc.pin, err, tc.want)
		}
	}

	// A malformed request is refused before its PIN is checked: a wrong
	// PIN in it is not counted.
	if _, err := s.SignPDF(ctx, other, signer.PDFRequest{CredentialID: "cred_citizen", Level: "B-X", PIN: "000000"}, nil, 0, io.Discard); !errors.Is(err, signer.ErrInvalid) {
		t.Errorf("SignPDF(level B-X, wrong PIN) = %v, want ErrInvalid", err)
	}

	// One wrong PIN was sent: its audit record names the credential and
	// the client; the refusals for a missing PIN are not PIN failures.
	recs, err := st.ListAudit(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	var failures []string
	for _, r := range recs {
		if r.Action == audit.ActionPINFailure {
			failures = append(failures, r.Actor+" "+r.Target)
		}
	}
	if len(failures) != 1 || failures[0] != "cli_other cred_citizen" {
		t.Errorf("PIN failure records = %q, want [\"cli_other cred_citizen\"]", failures)
	}
}

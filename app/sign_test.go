package app_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/store"
)

// credentials resolves the test's credentials by ID: the CA's lookup,
// which needs Vault, is not what these tests are about.
type credentials map[string]*model.SigningCredential

func (c credentials) SigningCredential(_ context.Context, id string) (*model.SigningCredential, error) {
	if cr, ok := c[id]; ok {
		return cr, nil
	}
	return nil, fmt.Errorf("credential %s: %w", id, store.ErrNotFound)
}

// TestSignAuthorize: who may sign with which credential. An official's
// and a seal's credential only for a client bound to their agency; a
// citizen's only with a SAD for the exact document (a PIN alone is
// refused, and the refusal audited naming the client); a TSA credential
// never.
func TestSignAuthorize(t *testing.T) {
	s := newSCAL2(t)
	ctx := context.Background()
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
	sign := app.NewSign(app.SignDeps{Credentials: creds, SAD: s.remote, Audit: auditLog{audit.New(s.st)}}, signer.Config{})
	bound := model.Caller{ClientID: "cli_hanoi", MayUse: func(o string) bool { return o == org }}
	other := model.Caller{ClientID: "cli_other", MayUse: func(string) bool { return false }}
	doc := []byte("tờ khai")
	hashes := func() ([][]byte, error) { return [][]byte{digest(string(doc))}, nil }
	sad := s.authorize(t, s.a, digest(string(doc)))

	for _, tc := range []struct {
		caller     model.Caller
		credential string
		consent    app.Consent
		want       error // nil: authorised
	}{
		{bound, "cred_official", app.Consent{}, nil},
		{bound, "cred_seal", app.Consent{}, nil},
		{other, "cred_official", app.Consent{}, signer.ErrForbidden},
		{other, "cred_seal", app.Consent{}, signer.ErrForbidden},
		{model.Caller{ClientID: "cli_nobody"}, "cred_seal", app.Consent{}, signer.ErrForbidden},
		{s.a, "cred_citizen", app.Consent{PIN: citizenPIN, Hashes: hashes}, app.ErrNeedSAD},
		{s.a, "cred_citizen", app.Consent{Hashes: hashes}, app.ErrNeedSAD},
		{s.b, "cred_citizen", app.Consent{SAD: sad, Hashes: hashes}, app.ErrSAD},
		{s.a, "cred_citizen", app.Consent{SAD: sad, Hashes: hashes}, nil},
		{s.a, "cred_citizen", app.Consent{SAD: sad, Hashes: hashes}, app.ErrSAD}, // used
		{bound, "cred_tsa", app.Consent{}, signer.ErrForbidden},
		{bound, "", app.Consent{}, signer.ErrInvalid},
		{bound, "cred_missing", app.Consent{}, store.ErrNotFound},
	} {
		cred, err := sign.Authorize(ctx, tc.caller, tc.credential, tc.consent)
		switch {
		case tc.want == nil && (err != nil || cred == nil || cred.ID != tc.credential):
			t.Errorf("Authorize(%s, %q, %+v) = %v, %v; want %s", tc.caller.ClientID, tc.credential, tc.consent, cred, err, tc.credential)
		case tc.want != nil && !errors.Is(err, tc.want):
			t.Errorf("Authorize(%s, %q, %+v) = %v, want %v", tc.caller.ClientID, tc.credential, tc.consent, err, tc.want)
		}
	}

	// A malformed request is refused before its SAD is looked at.
	sad2 := s.authorize(t, s.a, digest("%PDF-1.7"))
	if _, err := sign.SignPDF(ctx, s.a, app.PDFRequest{CredentialID: "cred_citizen", Level: "B-X", SAD: sad2}, nil, 0, io.Discard); !errors.Is(err, signer.ErrInvalid) {
		t.Errorf("SignPDF(level B-X) = %v, want ErrInvalid", err)
	}

	// The PIN-only attempts are audited against the credential, naming
	// the client.
	recs, err := s.st.ListAudit(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var failures []string
	for _, r := range recs {
		if r.Action == audit.ActionConsentFailure && strings.Contains(r.Details, "no sad") {
			failures = append(failures, r.Actor+" "+r.Target)
		}
	}
	if len(failures) != 2 || failures[0] != "cli_a cred_citizen" {
		t.Errorf("consent failure records = %q, want two for \"cli_a cred_citizen\"", failures)
	}
}

package app_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/signer/pades"
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

// TestMalformedRequestKeepsConsent: a request the formats refuse (a bad
// level, scheme or profile) is refused at every entry point before its
// consent is looked at: a SAD it carries stays unused for its rightful
// request, and a bare PIN it carries is neither checked nor recorded as
// a consent failure.
func TestMalformedRequestKeepsConsent(t *testing.T) {
	s := newSCAL2(t)
	ctx := t.Context()
	doc := []byte("%PDF-1.7 tờ khai")
	sad := s.authorize(t, s.a, digest(string(doc)))
	const wrongPIN = "000000"
	requests := map[string]func(pin, sad string) error{
		"SignPDF": func(pin, sad string) error {
			_, err := s.sign.SignPDF(ctx, s.a, app.PDFRequest{CredentialID: "cred_citizen", Level: "B-X", PIN: pin, SAD: sad},
				bytes.NewReader(doc), int64(len(doc)), io.Discard)
			return err
		},
		"SignPDFBatch": func(pin, sad string) error {
			_, err := s.sign.SignPDFBatch(ctx, s.a, app.PDFRequest{CredentialID: "cred_citizen", Level: "B-X", PIN: pin, SAD: sad},
				[]app.BatchDocument{{In: bytes.NewReader(doc), Size: int64(len(doc)), Out: io.Discard}})
			return err
		},
		"SignCMS": func(pin, sad string) error {
			_, err := s.sign.SignCMS(ctx, s.a, app.CMSRequest{CredentialID: "cred_citizen", Scheme: "bogus", PIN: pin, SAD: sad}, bytes.NewReader(doc))
			return err
		},
		"SignHashes": func(pin, sad string) error {
			_, err := s.sign.SignHashes(ctx, s.a, app.HashRequest{CMSRequest: app.CMSRequest{CredentialID: "cred_citizen", Scheme: "bogus", PIN: pin, SAD: sad},
				Hashes: [][]byte{digest(string(doc))}})
			return err
		},
		"SignXML": func(pin, sad string) error {
			_, err := s.sign.SignXML(ctx, s.a, app.XMLRequest{CredentialID: "cred_citizen", Profile: "bogus", PIN: pin, SAD: sad}, doc)
			return err
		},
		"SignXMLBatch": func(pin, sad string) error {
			_, err := s.sign.SignXMLBatch(ctx, s.a, app.XMLRequest{CredentialID: "cred_citizen", Profile: "bogus", PIN: pin, SAD: sad}, [][]byte{doc})
			return err
		},
	}
	for name, call := range requests {
		if err := call(wrongPIN, sad); errkind.KindOf(err) != errkind.Invalid {
			t.Errorf("%s(malformed, with a SAD) = %v (kind %v), want kind %v", name, err, errkind.KindOf(err), errkind.Invalid)
		}
		if err := call(wrongPIN, ""); errkind.KindOf(err) != errkind.Invalid {
			t.Errorf("%s(malformed, with a PIN) = %v (kind %v), want kind %v", name, err, errkind.KindOf(err), errkind.Invalid)
		}
	}

	recs, err := s.st.ListAudit(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if r.Action == audit.ActionConsentFailure {
			t.Errorf("a malformed request was recorded as a consent failure: %s %s %s", r.Actor, r.Target, r.Details)
		}
	}
	a, err := store.ConsentOf(s.st).GetConsentAttempts(ctx, "cred_citizen", "cli_a")
	if err != nil || a.Failures != 0 {
		t.Errorf("attempts after malformed requests = %+v, %v; want none", a, err)
	}
	// The SAD is still there for the request it was given for, once.
	hashes := func() ([][]byte, error) { return [][]byte{digest(string(doc))}, nil }
	if _, err := s.sign.Authorize(ctx, s.a, "cred_citizen", app.Consent{SAD: sad, Hashes: hashes}); err != nil {
		t.Errorf("Authorize with the SAD the malformed requests carried = %v, want it unused", err)
	}
	if _, err := s.sign.Authorize(ctx, s.a, "cred_citizen", app.Consent{SAD: sad, Hashes: hashes}); !errors.Is(err, app.ErrSAD) {
		t.Errorf("Authorize with the SAD a second time = %v, want %v", err, app.ErrSAD)
	}
}

// TestSealTemplateKeepsConsent: a citizen's request with the agency-seal
// appearance, which no citizen may draw, is refused before the SAD it
// carries is used (single and batch), and the SAD then signs the same
// document with the citizen's own appearance.
func TestSealTemplateKeepsConsent(t *testing.T) {
	s := newSCAL2(t)
	ctx := t.Context()
	sign := app.NewSign(app.SignDeps{Credentials: s.creds, SAD: s.remote, Audit: auditLog{audit.New(s.st)}}, signer.Config{PDF: pades.New(nil, nil)})
	doc := testpdf.Make(1, 0)
	sad := s.authorize(t, s.a, digest(string(doc)))
	seal := &app.Appearance{Template: "seal", Page: 1, Rect: [4]float64{40, 40, 240, 140}}
	if _, err := sign.SignPDF(ctx, s.a, app.PDFRequest{CredentialID: "cred_citizen", SAD: sad, Appearance: seal},
		bytes.NewReader(doc), int64(len(doc)), io.Discard); !errors.Is(err, signer.ErrForbidden) {
		t.Errorf("SignPDF(citizen, seal template) = %v, want %v", err, signer.ErrForbidden)
	}
	if _, err := sign.SignPDFBatch(ctx, s.a, app.PDFRequest{CredentialID: "cred_citizen", SAD: sad, Appearance: seal},
		[]app.BatchDocument{{In: bytes.NewReader(doc), Size: int64(len(doc)), Out: io.Discard}}); !errors.Is(err, signer.ErrForbidden) {
		t.Errorf("SignPDFBatch(citizen, seal template) = %v, want %v", err, signer.ErrForbidden)
	}
	var out bytes.Buffer
	own := &app.Appearance{Template: "citizen", Page: 1, Rect: [4]float64{40, 40, 240, 140}}
	if _, err := sign.SignPDF(ctx, s.a, app.PDFRequest{CredentialID: "cred_citizen", SAD: sad, Appearance: own},
		bytes.NewReader(doc), int64(len(doc)), &out); err != nil || out.Len() <= len(doc) {
		t.Errorf("SignPDF(citizen, citizen template, the same SAD) = %v, %d bytes; want the SAD unused before", err, out.Len())
	}
}

// TestSignPDFBatchRefusedWhole: the credential is authorised once for a
// batch; a client not bound to the credential's agency has the whole
// batch refused, before any document is signed, written or answered,
// while a bound client's batch is signed, every document answered.
func TestSignPDFBatchRefusedWhole(t *testing.T) {
	s := newSCAL2(t)
	ctx := t.Context()
	sign := app.NewSign(app.SignDeps{Credentials: s.creds, SAD: s.remote, Audit: auditLog{audit.New(s.st)}}, signer.Config{PDF: pades.New(nil, nil)})
	batch := func() ([]app.BatchDocument, []*bytes.Buffer, *atomic.Int64) {
		var done atomic.Int64
		docs := make([]app.BatchDocument, 3)
		outs := make([]*bytes.Buffer, len(docs))
		for i := range docs {
			in := testpdf.Make(1, 0)
			outs[i] = new(bytes.Buffer)
			docs[i] = app.BatchDocument{In: bytes.NewReader(in), Size: int64(len(in)), Out: outs[i], Done: func(app.BatchResult) { done.Add(1) }}
		}
		return docs, outs, &done
	}

	other := model.Caller{ClientID: "cli_other", MayUse: func(string) bool { return false }}
	docs, outs, done := batch()
	if res, err := sign.SignPDFBatch(ctx, other, app.PDFRequest{CredentialID: "cred_official"}, docs); !errors.Is(err, signer.ErrForbidden) || res != nil {
		t.Errorf("SignPDFBatch by another agency's client = %v, %v; want no results and ErrForbidden", res, err)
	}
	for i, o := range outs {
		if o.Len() != 0 {
			t.Errorf("refused batch: document %d has %d bytes written", i, o.Len())
		}
	}
	if n := done.Load(); n != 0 {
		t.Errorf("refused batch: %d documents answered, want none", n)
	}

	docs, outs, done = batch()
	res, err := sign.SignPDFBatch(ctx, s.official, app.PDFRequest{CredentialID: "cred_official"}, docs)
	if err != nil || len(res) != len(docs) {
		t.Fatalf("SignPDFBatch by the agency's client = %d results, %v; want %d", len(res), err, len(docs))
	}
	for i, r := range res {
		if r.Err != nil || r.Result == nil || int64(outs[i].Len()) != r.Result.Size {
			t.Errorf("document %d: %+v, %d bytes written", i, r, outs[i].Len())
		}
	}
	if n := done.Load(); n != int64(len(docs)) {
		t.Errorf("%d documents answered, want %d", n, len(docs))
	}
}

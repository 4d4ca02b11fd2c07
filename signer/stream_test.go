package signer_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/signer/pades"
)

// resultWriter records the order of BeginResult and Write.
type resultWriter struct {
	res     *app.PDFResult
	early   bool // a Write came before BeginResult
	written bytes.Buffer
}

func (w *resultWriter) BeginResult(r *app.PDFResult) error { w.res = r; return nil }

func (w *resultWriter) Write(p []byte) (int, error) {
	if w.res == nil {
		w.early = true
	}
	return w.written.Write(p)
}

type auditor struct{ err error }

func (a auditor) Record(context.Context, app.AuditEvent) error { return a.err }

// TestSignPDFStreamsAfterAudit: a ResultWriter is told the result — size
// and digest of exactly what follows — before the first byte, and only
// once the audit log has the signature; when the audit log fails, nothing
// is written at all.
func TestSignPDFStreamsAfterAudit(t *testing.T) {
	ctx := context.Background()
	km, err := keys.New(vaulttest.Client(t), keys.Config{Mount: vaulttest.NewMount(t)})
	if err != nil {
		t.Fatal(err)
	}
	if err := km.Create(ctx, "seal", keys.RSA2048); err != nil {
		t.Fatal(err)
	}
	ks, err := km.Signer(ctx, "seal", 1)
	if err != nil {
		t.Fatal(err)
	}
	leaf, root := testCert(t, ks.Public())
	const org = "Ủy ban nhân dân Thành phố Hà Nội"
	cred := &model.SigningCredential{ID: "cred_seal", Profile: "seal", Organization: org, Key: model.Key{Signer: ks, Cert: leaf, Chain: []*x509.Certificate{root}}}
	caller := model.Caller{ClientID: "cli_test", MayUse: func(o string) bool { return o == org }}
	doc := testpdf.Make(2, 8<<10)

	svc := app.NewSign(app.SignDeps{Credentials: oneCredential{cred}, Audit: auditor{}}, signer.Config{PDF: pades.New(nil, nil)})
	w := &resultWriter{}
	res, err := svc.SignPDF(ctx, caller, app.PDFRequest{CredentialID: "cred_seal"}, bytes.NewReader(doc), int64(len(doc)), w)
	if err != nil {
		t.Fatal(err)
	}
	if w.early || w.res == nil || w.res != res {
		t.Fatalf("BeginResult %v before writing (early write %v), want the returned result", w.res, w.early)
	}
	sum := sha256.Sum256(w.written.Bytes())
	if res.Size != int64(w.written.Len()) || !bytes.Equal(res.DocumentDigest, sum[:]) || !bytes.HasPrefix(w.written.Bytes(), doc) {
		t.Errorf("result says %d bytes %x; %d bytes %x were written", res.Size, res.DocumentDigest, w.written.Len(), sum)
	}

	failing := app.NewSign(app.SignDeps{Credentials: oneCredential{cred}, Audit: auditor{errors.New("disk full")}}, signer.Config{PDF: pades.New(nil, nil)})
	w = &resultWriter{}
	if _, err := failing.SignPDF(ctx, caller, app.PDFRequest{CredentialID: "cred_seal"}, bytes.NewReader(doc), int64(len(doc)), w); err == nil {
		t.Fatal("SignPDF with a failing audit log = nil error")
	}
	if w.res != nil || w.written.Len() != 0 {
		t.Errorf("with a failing audit log: BeginResult %v, %d bytes written; want nothing", w.res, w.written.Len())
	}
}

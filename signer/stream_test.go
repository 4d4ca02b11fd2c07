package signer_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"io"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/signer/pades"
)

// resultWriter records the order of BeginResult and Write.
type resultWriter struct {
	res     *signer.PDFResult
	early   bool // a Write came before BeginResult
	written bytes.Buffer
}

func (w *resultWriter) BeginResult(r *signer.PDFResult) error { w.res = r; return nil }

func (w *resultWriter) Write(p []byte) (int, error) {
	if w.res == nil {
		w.early = true
	}
	return w.written.Write(p)
}

// recorder is the service's audit log: it keeps the events, or fails
// with err.
type recorder struct {
	err    error
	events []signer.SigningEvent
}

func (r *recorder) RecordSigning(_ context.Context, e signer.SigningEvent) error {
	if r.err != nil {
		return r.err
	}
	r.events = append(r.events, e)
	return nil
}

// signPDF prepares and signs one PDF with the resolved credential cred,
// as app.Sign does once it has authorised it.
func signPDF(ctx context.Context, svc *signer.Service, caller signer.Caller, cred *model.SigningCredential, req signer.PDFRequest, doc []byte, out io.Writer) (*signer.PDFResult, error) {
	p, err := svc.PreparePDF(req, bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return nil, err
	}
	return p.Sign(ctx, caller, cred, out)
}

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
	caller := signer.Caller{ClientID: "cli_test"}
	doc := testpdf.Make(2, 8<<10)

	rec := &recorder{}
	svc := signer.New(signer.Config{PDF: pades.New(nil, nil), Recorder: rec})
	w := &resultWriter{}
	res, err := signPDF(ctx, svc, caller, cred, signer.PDFRequest{}, doc, w)
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.events) != 1 || !bytes.Equal(rec.events[0].DocumentSHA256, res.DocumentDigest) || rec.events[0].Client != "cli_test" || rec.events[0].Credential != "cred_seal" {
		t.Errorf("recorded %+v, want one event of cli_test, cred_seal and the result's digest %x", rec.events, res.DocumentDigest)
	}
	if w.early || w.res == nil || w.res != res {
		t.Fatalf("BeginResult %v before writing (early write %v), want the returned result", w.res, w.early)
	}
	sum := sha256.Sum256(w.written.Bytes())
	if res.Size != int64(w.written.Len()) || !bytes.Equal(res.DocumentDigest, sum[:]) || !bytes.HasPrefix(w.written.Bytes(), doc) {
		t.Errorf("result says %d bytes %x; %d bytes %x were written", res.Size, res.DocumentDigest, w.written.Len(), sum)
	}

	failing := signer.New(signer.Config{PDF: pades.New(nil, nil), Recorder: &recorder{err: errors.New("disk full")}})
	w = &resultWriter{}
	if _, err := signPDF(ctx, failing, caller, cred, signer.PDFRequest{}, doc, w); err == nil {
		t.Fatal("SignPDF with a failing audit log = nil error")
	}
	if w.res != nil || w.written.Len() != 0 {
		t.Errorf("with a failing audit log: BeginResult %v, %d bytes written; want nothing", w.res, w.written.Len())
	}
}

package signer_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer"
	"github.com/kyso-vn/kyso/signer/pades"
)

// testCert certifies pub under a throwaway in-memory test root.
func testCert(t *testing.T, pub crypto.PublicKey) (*x509.Certificate, *x509.Certificate) {
	t.Helper()
	rootKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rootTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test root"}, NotBefore: now.Add(-time.Hour),
		NotAfter: now.Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, rootKey.Public(), rootKey)
	if err != nil {
		t.Fatal(err)
	}
	root, _ := x509.ParseCertificate(rootDER)
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Ủy ban nhân dân Thành phố Hà Nội", Organization: []string{"Ủy ban nhân dân Thành phố Hà Nội"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, root, pub, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(leafDER)
	return leaf, root
}

// TestBatchOneTransitCall signs 100 documents (one of them not a PDF) in
// one batch with a real Vault key: the 99 good ones are signed with ONE
// Transit batch call, the bad one fails alone.
func TestBatchOneTransitCall(t *testing.T) {
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
	svc := signer.New(signer.Config{PDF: pades.New(nil, nil)})
	caller := signer.Caller{ClientID: "cli_test"}

	const n = 100
	docs := make([]signer.BatchDocument, n)
	outs := make([]*bytes.Buffer, n)
	for i := range docs {
		in := testpdf.Make(2, 4<<10)
		if i == 37 {
			in = []byte("this is not a PDF at all")
		}
		outs[i] = new(bytes.Buffer)
		docs[i] = signer.BatchDocument{In: bytes.NewReader(in), Size: int64(len(in)), Out: outs[i]}
	}
	p, err := svc.PreparePDFBatch(signer.PDFRequest{}, docs)
	if err != nil {
		t.Fatalf("PreparePDFBatch() = %v", err)
	}
	res, err := p.Sign(ctx, caller, cred)
	if err != nil {
		t.Fatalf("PreparedPDFBatch.Sign() = %v", err)
	}
	for i, r := range res {
		switch {
		case i == 37:
			if r.Err == nil || !errors.Is(r.Err, signer.ErrInvalid) && !errors.Is(r.Err, signer.ErrDocument) {
				t.Errorf("document 37 (not a PDF) = %v, want a document error", r.Err)
			}
		case r.Err != nil:
			t.Errorf("document %d: %v", i, r.Err)
		case outs[i].Len() <= int(docs[i].Size):
			t.Errorf("document %d: output not longer than input", i)
		}
	}
	// Counted at the keys Manager: the Transit requests made, whichever
	// view of the signer made them (pades signs through its Unchecked view).
	if got := km.SignCalls().Batch; got != 1 {
		t.Errorf("Transit batch calls = %d, want 1 for %d documents", got, n)
	}
	if got := km.SignCalls().Single; got != 0 {
		t.Errorf("single Transit sign calls = %d, want 0", got)
	}

	// Without an authorised credential the whole batch is refused (that
	// another agency's client may not use the seal is app's decision:
	// app's TestSignPDFBatchRefusedWhole).
	if _, err := p.Sign(ctx, caller, nil); !errors.Is(err, signer.ErrForbidden) {
		t.Errorf("batch without a credential = %v, want ErrForbidden", err)
	}
	if _, err := svc.PreparePDFBatch(signer.PDFRequest{}, nil); !errors.Is(err, signer.ErrInvalid) {
		t.Errorf("empty batch = %v, want ErrInvalid", err)
	}
}

package xmldsig_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"testing"

	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/xmldsig"
	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// vaultSigner creates a Transit key of type kt on a fresh mount and returns
// a signer for it, made through a client whose sign requests are counted.
func vaultSigner(t *testing.T, kt keys.KeyType) (*keys.Signer, *vaulttest.SignCounter) {
	return vaulttest.CountedSigner(t, "xml-"+string(kt), kt)
}

// TestVaultSignEInvoice signs an e-invoice with keys held in a real Vault
// (one Transit call per signature) and has xmlsec1 verify it; a second
// Vault key countersigns as the tax authority.
func TestVaultSignEInvoice(t *testing.T) {
	pki := xmltest.NewPKI(t)
	for _, tc := range []struct {
		kt  keys.KeyType
		pss bool
	}{
		{keys.RSA2048, false}, {keys.RSA2048, true}, {keys.ECDSAP256, false}, {keys.ECDSAP384, false},
	} {
		t.Run(fmt.Sprintf("%s/PSS=%t", tc.kt, tc.pss), func(t *testing.T) {
			s, counter := vaultSigner(t, tc.kt)
			cred := model.Key{Signer: s, Cert: pki.Issue(t, s.Public(), "Trung tâm Dịch vụ công Hà Nội", "UBND Thành phố Hà Nội", "MST:0101234567"), Chain: []*x509.Certificate{pki.Issuing}}
			res, err := xmldsig.Sign(context.Background(), xmltest.Invoice{Items: 3, EmptyBlocks: true}.Make(), cred, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, PSS: tc.pss, ID: "seller"})
			if err != nil {
				t.Fatalf("Sign = %v", err)
			}
			if n := counter.Signs.Load(); n != 1 {
				t.Errorf("%d Transit sign requests, want 1", n)
			}
			d, err := xmldsig.Parse(res.Document, xmldsig.Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if err := xmldsig.CheckSignature(d, d.ByID("seller")[0], cred.Cert); err != nil {
				t.Errorf("CheckSignature = %v", err)
			}
			if !tc.pss { // Debian's xmlsec1 1.2 has no PSS: TestSignPSSInterop
				xmlsecOK(t, pki, res.Document)
			}
			tax, _ := vaultSigner(t, keys.ECDSAP256)
			taxCred := model.Key{Signer: tax, Cert: pki.Issue(t, tax.Public(), "Cục Thuế Thành phố Hà Nội", "Tổng cục Thuế", "MST:0100231226"), Chain: []*x509.Certificate{pki.Issuing}}
			both, err := xmldsig.Sign(context.Background(), res.Document, taxCred, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, Location: "/HDon/DSCKS/CQT", ID: "cqt"})
			if err != nil {
				t.Fatalf("Sign(tax authority) = %v", err)
			}
			xmlsecOK(t, pki, both.Document, "--node-id", "cqt")
			if !tc.pss {
				xmlsecOK(t, pki, both.Document, "--node-id", "seller")
			}
		})
	}
}

// TestVaultSignBatch signs 50 invoices with one Transit request.
func TestVaultSignBatch(t *testing.T) {
	pki := xmltest.NewPKI(t)
	s, counter := vaultSigner(t, keys.RSA2048)
	cred := model.Key{Signer: s, Cert: pki.Issue(t, s.Public(), "Trung tâm Dịch vụ công Hà Nội", "UBND Thành phố Hà Nội", "MST:0101234567"), Chain: []*x509.Certificate{pki.Issuing}}
	docs := make([][]byte, 50)
	for i := range docs {
		docs[i] = xmltest.Invoice{Number: i + 1}.Make()
	}
	counter.Signs.Store(0)
	res, err := xmldsig.SignBatch(context.Background(), docs, cred, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN})
	if err != nil {
		t.Fatalf("SignBatch = %v", err)
	}
	if n := counter.Signs.Load(); n != 1 {
		t.Errorf("%d Transit sign requests for %d documents, want 1", n, len(docs))
	}
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("document %d: %v", i, r.Err)
		}
	}
	xmlsecOK(t, pki, res[0].Result.Document)
	xmlsecOK(t, pki, res[49].Result.Document)
}

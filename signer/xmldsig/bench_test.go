package xmldsig_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/xmldsig"
	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// BenchmarkSign signs e-invoices of about 1 KB and 200 KB with an
// in-memory RSA-2048 key: the format's cost, without Vault or HTTP.
func BenchmarkSign(b *testing.B) {
	pki := xmltest.NewPKI(b)
	k := benchKey(b)
	c := model.Key{Signer: k, Cert: pki.Issue(b, k.Public(), "Bench", "kyso", "MST:0101234567")}
	for _, items := range []int{1, 550} {
		doc := xmltest.Invoice{Items: items}.Make()
		b.Run(fmt.Sprintf("%dKB", (len(doc)+512)/1024), func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if _, err := xmldsig.Sign(context.Background(), doc, c, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkCountersign adds the tax authority's signature (CQT, over the
// invoice data and the seller's signature) to a 200 KB e-invoice the
// seller has signed.
func BenchmarkCountersign(b *testing.B) {
	pki := xmltest.NewPKI(b)
	k := benchKey(b)
	c := model.Key{Signer: k, Cert: pki.Issue(b, k.Public(), "Bench", "kyso", "MST:0101234567")}
	ctx := context.Background()
	s1, err := xmldsig.Sign(ctx, xmltest.Invoice{Items: 550, WithMCCQT: true}.Make(), c, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, ID: "seller"})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(s1.Document)))
	for b.Loop() {
		if _, err := xmldsig.Sign(ctx, s1.Document, c, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, Location: "/HDon/DSCKS/CQT", References: []string{"mccqt", "seller"}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheck parses a signed e-invoice and checks its signature.
func BenchmarkCheck(b *testing.B) {
	pki := xmltest.NewPKI(b)
	k := benchKey(b)
	c := model.Key{Signer: k, Cert: pki.Issue(b, k.Public(), "Bench", "kyso", "MST:0101234567")}
	for _, items := range []int{1, 550} {
		res, err := xmldsig.Sign(context.Background(), xmltest.Invoice{Items: items}.Make(), c, xmldsig.Options{Profile: xmldsig.ProfileEInvoiceVN, ID: "s"})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("%dKB", (len(res.Document)+512)/1024), func(b *testing.B) {
			b.SetBytes(int64(len(res.Document)))
			for b.Loop() {
				d, err := xmldsig.Parse(res.Document, xmldsig.Limits{})
				if err != nil {
					b.Fatal(err)
				}
				if err := xmldsig.CheckSignature(d, d.ByID("s")[0], c.Cert); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

package xmldsig_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"testing"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/xmldsig"
	"github.com/kyso-vn/kyso/signer/xmldsig/xmltest"
)

// FuzzSign signs any bytes as an enveloped document: Sign either refuses
// it or returns a document whose new signature verifies and which starts
// and ends as the input did.
func FuzzSign(f *testing.F) {
	for _, s := range xmltest.Seeds(f, "../../../shared/testdata/realworld-xml") {
		f.Add(s)
	}
	pki := xmltest.NewPKI(f)
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	cred := model.Key{Signer: k, Cert: pki.Issue(f, k.Public(), "Fuzz", "kyso", "MST:0101234567"), Chain: []*x509.Certificate{pki.Issuing}}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := xmldsig.Sign(context.Background(), data, cred, xmldsig.Options{Profile: xmldsig.ProfileEnveloped, Limits: xmldsig.Limits{MaxNodes: 20000}})
		if err != nil {
			return
		}
		d, err := xmldsig.Parse(res.Document, xmldsig.Limits{MaxNodes: 40000})
		if err != nil {
			t.Fatalf("signed document does not parse: %v", err)
		}
		els := d.ByID(res.SignatureID)
		if len(els) != 1 {
			t.Fatalf("signature %q found %d times", res.SignatureID, len(els))
		}
		if err := xmldsig.CheckSignature(d, els[0], cred.Cert); err != nil {
			t.Fatalf("signed document does not verify: %v", err)
		}
		if len(res.Document) <= len(data) {
			t.Fatalf("signed document (%d bytes) not longer than the input (%d)", len(res.Document), len(data))
		}
	})
}

package truststore_test

import (
	"context"
	"crypto/x509"
	"testing"

	"github.com/kyso-vn/kyso/truststore"
	"github.com/kyso-vn/kyso/verifier"
)

// TestTrustListsCertificates: the verifier gets the trust directories'
// certificates as a list too (verifier.Options.TrustCerts), which it needs
// for the Vietnamese Government CA's G1 chain, signed with SHA-1.
func TestTrustListsCertificates(t *testing.T) {
	ctx := context.Background()
	tr, err := truststore.New(ctx, nil, truststore.Config{Sources: []truststore.Source{truststore.Dir("../trust/vn")}})
	if err != nil {
		t.Fatal(err)
	}
	o, err := tr.Snapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir, _, err := verifier.ReadTrustDir("../trust/vn")
	if err != nil {
		t.Fatal(err)
	}
	if len(o.TrustCerts) != len(dir) || len(o.TrustCerts) == 0 {
		t.Fatalf("TrustCerts has %d certificates, want the %d of trust/vn", len(o.TrustCerts), len(dir))
	}
	if o.Revocation != nil {
		t.Errorf("Snapshot without a registry has a revocation checker")
	}
	g1 := 0
	for _, c := range o.TrustCerts {
		if c.SignatureAlgorithm == x509.SHA1WithRSA && c.Subject.CommonName == "Co quan chung thuc so Chinh phu" {
			g1++
		}
	}
	if g1 != 1 {
		t.Errorf("the G1 intermediate (SHA-1) is not in TrustCerts")
	}
}

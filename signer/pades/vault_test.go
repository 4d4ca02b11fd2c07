package pades_test

import (
	"context"
	"testing"

	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
)

// TestVaultSigner signs with a real Vault Transit key: the private key
// never leaves Vault, pades sees only the keys.Signer.
func TestVaultSigner(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	ctx := context.Background()
	m, err := keys.New(vaulttest.Client(t), keys.Config{Mount: vaulttest.NewMount(t)})
	if err != nil {
		t.Fatalf("keys.New: %v", err)
	}
	if err := m.Create(ctx, "pades-official", keys.RSA2048); err != nil {
		t.Fatalf("Create: %v", err)
	}
	vs, err := m.Signer(ctx, "pades-official", 1)
	if err != nil {
		t.Fatalf("Signer: %v", err)
	}
	cert, err := p.leafCert("Lê Văn Cường", "UBND Quận Hoàn Kiếm", vs.Public())
	if err != nil {
		t.Fatalf("issue certificate for the Vault key: %v", err)
	}
	cred := model.Key{Signer: vs, Cert: cert, Chain: p.official.Chain}
	s := pades.New(&testTSA{pki: p}, newRevocation(p))

	tests := []struct {
		name string
		opts pades.Options
	}{
		{"B-B", pades.Options{Level: pades.LevelBB, Rect: [4]float64{50, 50, 250, 120}}},
		{"PSS/B-T", pades.Options{Level: pades.LevelBT, Scheme: pades.SchemePSS}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := sign(t, s, makePDF(pdfSpec{}), cred, tt.opts)
			reps := runPdfsig(t, p, out)
			if len(reps) != 1 || !reps[0].Valid || !reps[0].Trusted || reps[0].CommonName != cert.Subject.CommonName {
				t.Fatalf("pdfsig = %+v, want one valid, trusted signature by %q", reps, cert.Subject.CommonName)
			}
			qpdfCheck(t, out)
			sig := readSignatures(t, out)[0]
			opensslCMSVerify(t, p, sig.DER, sig.Signed)
		})
	}
}

package tsa_test

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"testing"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/tsa"
)

// TestVaultKey runs the TSA on a real Vault-held RSA-3072 Transit key: the
// certificate is issued for the key's public half by a test CA, and OpenSSL
// verifies the tokens.
func TestVaultKey(t *testing.T) {
	ctx := context.Background()
	km, err := keys.New(vaulttest.Client(t), keys.Config{Mount: vaulttest.NewMount(t)})
	if err != nil {
		t.Fatalf("keys.New: %v", err)
	}
	if err := km.Create(ctx, "tsa", keys.RSA3072); err != nil {
		t.Fatalf("Create(tsa, rsa-3072) = %v", err)
	}
	signer, err := km.Signer(ctx, "tsa", 1)
	if err != nil {
		t.Fatalf("Signer(tsa, 1) = %v", err)
	}
	ca := newTestCA(t, "kyso test root")
	cert := ca.issueTSA(t, signer.Public(), nil)
	a, err := tsa.New(tsa.Config{}, model.Key{Signer: signer, Cert: cert, Chain: []*x509.Certificate{ca.Cert}})
	if err != nil {
		t.Fatalf("New(vault signer) = %v", err)
	}

	for _, tc := range opensslCases {
		t.Run(tc.name, func(t *testing.T) { opensslRoundTrip(t, a, ca.Cert, tc) })
	}

	t.Run("Timestamp", func(t *testing.T) {
		tok, err := a.Timestamp(ctx, sum384("hồ sơ"), crypto.SHA384)
		if err != nil {
			t.Fatalf("Timestamp() = %v", err)
		}
		ts, err := timestamp.Parse(tok) // verifies with the embedded certificate
		if err != nil {
			t.Fatalf("timestamp.Parse = %v", err)
		}
		if len(ts.Certificates) != 2 || !ts.Certificates[0].Equal(cert) || !ts.Certificates[1].Equal(ca.Cert) {
			t.Errorf("token carries %d certificates, want the TSA's and its chain", len(ts.Certificates))
		}
		p7, err := pkcs7.Parse(tok)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AddCert(ca.Cert)
		if err := p7.VerifyWithChain(pool); err != nil {
			t.Errorf("VerifyWithChain = %v", err)
		}
		if !p7.Signers[0].DigestAlgorithm.Algorithm.Equal(oidSHA384) {
			t.Errorf("digest algorithm = %v, want SHA-384", p7.Signers[0].DigestAlgorithm.Algorithm)
		}
	})

	t.Run("other version refused", func(t *testing.T) {
		if _, err := km.Rotate(ctx, "tsa"); err != nil {
			t.Fatal(err)
		}
		v2, err := km.Signer(ctx, "tsa", 2)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := v2.Public().(*rsa.PublicKey); !ok {
			t.Fatalf("v2 public key is %T", v2.Public())
		}
		if _, err := tsa.New(tsa.Config{}, model.Key{Signer: v2, Cert: cert}); !errors.Is(err, tsa.ErrKeyMismatch) {
			t.Errorf("New(version 2 signer, version 1 certificate) = %v, want ErrKeyMismatch", err)
		}
	})
}

package cms_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"io"
	"sync/atomic"
	"testing"

	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/cms"
)

// vaultSigner creates a Transit key of type kt on a fresh mount and returns
// a signer for it, made through a client whose sign requests are counted.
func vaultSigner(t *testing.T, kt keys.KeyType) (*keys.Signer, *vaulttest.SignCounter) {
	return vaulttest.CountedSigner(t, "cms-"+string(kt), kt)
}

// countingSigner wraps the Vault signer and counts how it is called.
type countingSigner struct {
	s              *keys.Signer
	signs, batches atomic.Int32
}

func (c *countingSigner) Public() crypto.PublicKey { return c.s.Public() }

func (c *countingSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	c.signs.Add(1)
	return c.s.Sign(r, digest, opts)
}

func (c *countingSigner) SignBatch(ctx context.Context, digests [][]byte, opts crypto.SignerOpts) ([][]byte, error) {
	c.batches.Add(1)
	return c.s.SignBatch(ctx, digests, opts)
}

// TestVaultSignDetached signs a file with keys held in a real Vault, the
// certificate issued by the test CA, and has openssl verify it.
func TestVaultSignDetached(t *testing.T) {
	pki := newPKI(t)
	content := bytes.Repeat([]byte("Hồ sơ dịch vụ công trực tuyến. "), 10_000)
	for _, tc := range []struct {
		kt   keys.KeyType
		opts cms.Options
	}{
		{keys.RSA2048, cms.Options{PSS: true}},
		{keys.RSA2048, cms.Options{Hash: crypto.SHA384}},
		{keys.ECDSAP256, cms.Options{SigningTime: true}},
	} {
		t.Run(fmt.Sprintf("%s/PSS=%t/%v", tc.kt, tc.opts.PSS, hashOf(tc.opts)), func(t *testing.T) {
			s, counter := vaultSigner(t, tc.kt)
			cred := model.Key{Signer: s, Cert: pki.issue(t, s.Public(), "Sở Tư pháp Hà Nội"), Chain: []*x509.Certificate{pki.issuing}}
			sig, err := cms.SignDetached(context.Background(), bytes.NewReader(content), cred, tc.opts)
			if err != nil {
				t.Fatalf("SignDetached = %v", err)
			}
			if n := counter.Signs.Load(); n != 1 {
				t.Errorf("%d Transit sign requests, want 1", n)
			}
			checkCMS(t, sig, sum(hashOf(tc.opts), content), hashOf(tc.opts), pki.roots())
			opensslVerify(t, pki, sig, content)
		})
	}
}

// TestVaultSignDigests signs 100 client-computed digests with the real
// Vault signer as BatchSigner and shows it takes one Transit call.
func TestVaultSignDigests(t *testing.T) {
	pki := newPKI(t)
	for _, pss := range []bool{true, false} {
		t.Run(fmt.Sprintf("PSS=%t", pss), func(t *testing.T) {
			s, counter := vaultSigner(t, keys.RSA2048)
			cs := &countingSigner{s: s}
			cred := model.Key{Signer: cs, Cert: pki.issue(t, s.Public(), "UBND Phường Hàng Bạc"), Chain: []*x509.Certificate{pki.issuing, pki.root}}
			contents := make([][]byte, 100)
			digests := make([][]byte, len(contents))
			for i := range contents {
				contents[i] = fmt.Appendf(nil, "Giấy phép số %03d/GP-UBND", i)
				digests[i] = sum(crypto.SHA256, contents[i])
			}
			counter.Signs.Store(0)
			sigs, err := cms.SignDigests(context.Background(), digests, cred, cs, cms.Options{PSS: pss, SigningTime: true})
			if err != nil {
				t.Fatalf("SignDigests = %v", err)
			}
			if b, n, v := cs.batches.Load(), cs.signs.Load(), counter.Signs.Load(); b != 1 || n != 0 || v != 1 {
				t.Errorf("SignBatch called %d times, Sign %d times, %d Transit sign requests; want 1, 0, 1", b, n, v)
			}
			if len(sigs) != len(digests) {
				t.Fatalf("SignDigests returned %d signatures, want %d", len(sigs), len(digests))
			}
			for i, sig := range sigs {
				checkCMS(t, sig, digests[i], crypto.SHA256, pki.roots())
			}
			for _, i := range []int{0, 41, 99} {
				opensslVerify(t, pki, sigs[i], contents[i])
			}
			// Each signature is over its own digest: content 41 does not
			// verify against signature 42.
			if err := tryOpenSSL(pki, sigs[42], contents[41]); err == nil {
				t.Errorf("openssl verified signature 42 over content 41")
			}
		})
	}
}

package verifier

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"sync"
	"testing"
)

// tamperedSignature returns c with the last byte of its signature changed.
func tamperedSignature(t *testing.T, c *x509.Certificate) *x509.Certificate {
	t.Helper()
	der := bytes.Clone(c.Raw)
	der[len(der)-1] ^= 1
	out, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("parse the tampered certificate: %v", err)
	}
	return out
}

// TestSigCache: a signature is remembered by the exact issuer key and
// certificate bytes, never for other bytes, within its bound and under
// concurrent use.
func TestSigCache(t *testing.T) {
	p := getPKI(t)
	leaf, ca, root := p.official.Cert, p.ca, p.root
	c := &sigCache{max: 3}
	if c.verified(ca.RawSubjectPublicKeyInfo, leaf.Raw) {
		t.Fatal("an empty cache remembers a signature")
	}
	c.add(ca.RawSubjectPublicKeyInfo, leaf.Raw)
	if !c.verified(ca.RawSubjectPublicKeyInfo, leaf.Raw) {
		t.Error("the signature added is not remembered")
	}
	bad := tamperedSignature(t, leaf)
	for name, pair := range map[string][2][]byte{
		"another certificate":    {ca.RawSubjectPublicKeyInfo, bad.Raw},
		"another issuer key":     {root.RawSubjectPublicKeyInfo, leaf.Raw},
		"the bytes run together": {append(bytes.Clone(ca.RawSubjectPublicKeyInfo), leaf.Raw[0]), leaf.Raw[1:]},
	} {
		if c.verified(pair[0], pair[1]) {
			t.Errorf("%s: remembered as verified", name)
		}
	}
	for i := range 10 {
		c.add([]byte{byte(i)}, []byte("certificate"))
	}
	if n := c.len(); n > 3 {
		t.Errorf("%d signatures remembered, more than the bound 3", n)
	}
	if !c.verified([]byte{9}, []byte("certificate")) {
		t.Error("the signature added last is not remembered")
	}

	// Concurrent use (go test -race).
	c = &sigCache{max: 64}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				k := []byte(fmt.Sprint(g, i%80))
				c.add(k, leaf.Raw)
				c.verified(k, leaf.Raw)
			}
		})
	}
	wg.Wait()
	if n := c.len(); n > 64 {
		t.Errorf("%d signatures remembered, more than the bound 64", n)
	}
}

// TestCheckCertSignatureRemembers: checkCertSignature gives the same answers
// with the signatures it remembers: a tampered signature, or the right one
// checked against another key, still fails after the valid one was seen.
func TestCheckCertSignatureRemembers(t *testing.T) {
	p := getPKI(t)
	leaf, ca, root := p.seal.Cert, p.ca, p.root
	for i := range 2 {
		if err := checkCertSignature(leaf, ca); err != nil {
			t.Fatalf("check %d: checkCertSignature(leaf, CA) = %v", i, err)
		}
	}
	if !certSigs.verified(ca.RawSubjectPublicKeyInfo, leaf.Raw) {
		t.Error("the valid signature is not remembered")
	}
	if err := checkCertSignature(tamperedSignature(t, leaf), ca); err == nil {
		t.Error("a tampered signature verifies after the valid one was remembered")
	}
	if err := checkCertSignature(leaf, root); err == nil {
		t.Error("the leaf verifies against the root's key")
	}
	if err := checkCertSignature(ca, root); err != nil {
		t.Errorf("checkCertSignature(CA, root) = %v", err)
	}
}

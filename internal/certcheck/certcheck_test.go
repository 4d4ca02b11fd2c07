package certcheck

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

func cert(t *testing.T, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	if parent == nil {
		parent, parentKey = tmpl, k
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &k.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, k
}

func TestCheckSignatureFrom(t *testing.T) {
	root, rootKey := cert(t, "root", nil, nil)
	other, _ := cert(t, "other root", nil, nil)
	leaf, _ := cert(t, "leaf", root, rootKey)
	for range 2 { // the second time from the table
		if err := CheckSignatureFrom(leaf, root); err != nil {
			t.Fatalf("leaf from root = %v", err)
		}
		if err := CheckSignatureFrom(leaf, other); err == nil {
			t.Fatal("leaf from another root = nil")
		}
	}
	// A certificate with the same bytes but one changed bit is another key.
	forged := *leaf
	forged.Raw = append([]byte(nil), leaf.Raw...)
	forged.Raw[len(forged.Raw)-1] ^= 1
	forged.Signature = append([]byte(nil), leaf.Signature...)
	forged.Signature[len(forged.Signature)-1] ^= 1
	if err := CheckSignatureFrom(&forged, root); err == nil {
		t.Fatal("a changed certificate passed because its original had")
	}
	mu.RLock()
	n := len(seen)
	mu.RUnlock()
	if n != 1 {
		t.Errorf("%d entries remembered, want 1 (failures are not remembered)", n)
	}
}

func TestBounded(t *testing.T) {
	root, rootKey := cert(t, "root", nil, nil)
	leaf, _ := cert(t, "leaf", root, rootKey)
	mu.Lock()
	for i := range maxEntries {
		var k key
		k[0][0], k[0][1], k[0][2] = byte(i), byte(i>>8), 0xff
		seen[k] = struct{}{}
	}
	mu.Unlock()
	if err := CheckSignatureFrom(leaf, root); err != nil {
		t.Fatal(err)
	}
	mu.RLock()
	defer mu.RUnlock()
	if len(seen) > maxEntries {
		t.Errorf("%d entries, want at most %d", len(seen), maxEntries)
	}
}

package model

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"testing"
)

func TestKeyAlgorithm(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		key  Key
		want x509.PublicKeyAlgorithm
	}{
		{"no certificate", Key{}, x509.UnknownPublicKeyAlgorithm},
		{"ECDSA", Key{Cert: &x509.Certificate{PublicKey: &ec.PublicKey}}, x509.ECDSA},
		{"RSA", Key{Cert: &x509.Certificate{PublicKey: &rk.PublicKey}}, x509.RSA},
		{"other", Key{Cert: &x509.Certificate{PublicKey: "not a key"}}, x509.UnknownPublicKeyAlgorithm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.key.Algorithm(); got != tt.want {
				t.Errorf("Key.Algorithm() = %v, want %v", got, tt.want)
			}
		})
	}
}

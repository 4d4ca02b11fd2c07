package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

// TestLinterRejects checks that an error-level zlint finding refuses a
// certificate. The test key is a unit-test key, never a kyso key.
func TestLinterRejects(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	good := &x509.Certificate{
		SerialNumber: big.NewInt(1 << 62), Subject: pkix.Name{CommonName: "x", Country: []string{"VN"}},
		NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, SubjectKeyId: []byte{1, 2, 3}, AuthorityKeyId: []byte{1, 2, 3},
	}
	bad := *good
	bad.Subject = pkix.Name{} // empty subject and no subjectAltName: RFC 5280, 4.1.2.6
	l := newLinter()
	for _, tc := range []struct {
		name    string
		tmpl    *x509.Certificate
		wantErr string
	}{
		{"clean", good, ""},
		{"empty subject without SAN", &bad, "e_subject_empty_without_san"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			der, err := x509.CreateCertificate(rand.Reader, tc.tmpl, good, key.Public(), key)
			if err != nil {
				t.Fatal(err)
			}
			err = l.check(der)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("check() = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, ErrLint) || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("check() = %v, want ErrLint naming %s", err, tc.wantErr)
			}
		})
	}
}

func TestBuildProfilesConfig(t *testing.T) {
	if _, err := buildProfiles(map[string]ProfileConfig{"nope": {}}); err == nil {
		t.Error("unknown profile accepted")
	}
	if _, err := buildProfiles(map[string]ProfileConfig{"citizen": {PolicyOID: "not.an.oid"}}); err == nil {
		t.Error("bad policy OID accepted")
	}
	if _, err := buildProfiles(map[string]ProfileConfig{"citizen": {Validity: time.Minute}}); err == nil {
		t.Error("validity under an hour accepted")
	}
	p, err := buildProfiles(map[string]ProfileConfig{"citizen": {Validity: 48 * time.Hour, PolicyOID: "1.2.3.4"}})
	if err != nil {
		t.Fatal(err)
	}
	if p["citizen"].validity != 48*time.Hour || p["citizen"].policy.String() != "1.2.3.4" {
		t.Errorf("citizen profile = %v %v", p["citizen"].validity, p["citizen"].policy)
	}
}

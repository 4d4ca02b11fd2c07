package ca

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/model"
)

// TestProfilePurposes builds every profile's certificate as issuance does
// (template from the profile, under an issuing CA), lints it with zlint and
// checks its key usage and extended key usage: the citizen, official and
// seal certificates say they may sign documents (RFC 9336 document signing
// and e-mail protection, never TLS), kyso's service and TLS certificates
// say what they are for and nothing about documents. The keys are
// unit-test keys, never kyso keys.
func TestProfilePurposes(t *testing.T) {
	profiles, err := buildProfiles(nil)
	if err != nil {
		t.Fatal(err)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1 << 62), Subject: pkix.Name{CommonName: "kyso Test Issuing CA", Organization: []string{"kyso"}, Country: []string{"VN"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		SubjectKeyId: []byte{1, 2, 3, 4},
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	service := model.Subject{Name: "kyso service", Organization: "kyso"}
	signingKU := x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
	tests := []struct {
		profile string
		subject model.Subject
		ku      x509.KeyUsage
		eku     []asn1.ObjectIdentifier
	}{
		{ProfileCitizen, model.Subject{Name: "Nguyễn Văn An", CCCD: "001099012345", Province: "Hà Nội"}, signingKU, documentSigningEKU},
		{ProfileOfficial, model.Subject{Name: "Trần Thị Bình", CCCD: "001185000123", Organization: "Ủy ban nhân dân Thành phố Hà Nội", Locality: "Hà Nội", Email: "binh@hanoi.gov.vn"}, signingKU, documentSigningEKU},
		{ProfileSeal, model.Subject{Organization: "Ủy ban nhân dân Thành phố Hà Nội", TaxCode: "0103410294", Locality: "Hà Nội"}, signingKU, documentSigningEKU},
		{ProfileTSA, service, x509.KeyUsageDigitalSignature, []asn1.ObjectIdentifier{oidEKUTimeStamping}},
		{ProfileOCSP, service, x509.KeyUsageDigitalSignature, []asn1.ObjectIdentifier{oidEKUOCSPSigning}},
		{ProfileTLSServer, service, x509.KeyUsageDigitalSignature, []asn1.ObjectIdentifier{oidEKUServerAuth}},
		{ProfileTLSClient, service, x509.KeyUsageDigitalSignature, []asn1.ObjectIdentifier{oidEKUClientAuth}},
	}
	l := newLinter()
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			p := profiles[tt.profile]
			raw, email, _, err := p.subject(tt.subject)
			if err != nil {
				t.Fatal(err)
			}
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			ski, err := subjectKeyID(key.Public())
			if err != nil {
				t.Fatal(err)
			}
			tmpl := &x509.Certificate{
				SerialNumber: new(big.Int).Lsh(big.NewInt(1), 126), RawSubject: raw,
				NotBefore: now.Add(-time.Minute), NotAfter: now.Add(p.validity), SubjectKeyId: ski,
			}
			if tt.profile == ProfileTLSServer {
				tmpl.DNSNames = []string{"kyso.example.vn"}
			}
			if tt.profile == ProfileTLSClient {
				u, _ := url.Parse(ClientURIPrefix + "cli_test")
				tmpl.URIs = []*url.URL{u}
			}
			if err := p.apply(tmpl, email, urlsFor("http://kyso.test", "issuing-1")); err != nil {
				t.Fatal(err)
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, key.Public(), caKey)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.check(der); err != nil {
				t.Errorf("zlint: %v", err)
			}
			c, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatal(err)
			}
			if c.KeyUsage != tt.ku {
				t.Errorf("KeyUsage = %b, want %b", c.KeyUsage, tt.ku)
			}
			var got []asn1.ObjectIdentifier
			for _, e := range c.Extensions {
				if e.Id.Equal(oidExtEKU) {
					if _, err := asn1.Unmarshal(e.Value, &got); err != nil {
						t.Fatal(err)
					}
				}
			}
			if !slices.EqualFunc(got, tt.eku, asn1.ObjectIdentifier.Equal) {
				t.Errorf("extended key usage %v, want %v", got, tt.eku)
			}
		})
	}
}

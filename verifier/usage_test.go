package verifier

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"net/url"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
)

// ekuExt is an extended key usage extension listing oids.
func ekuExt(critical bool, oids ...asn1.ObjectIdentifier) pkix.Extension {
	return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: critical, Value: marshalDER(oids)}
}

var (
	oidKPServerAuth   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	oidKPClientAuth   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}
	oidKPCodeSigning  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 3}
	oidKPEmail        = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 4}
	oidKPTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidKPOCSPSigning  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 9}
	oidKPAny          = asn1.ObjectIdentifier{2, 5, 29, 37, 0}
)

// TestSignerUsage signs with certificates of kyso's test CA that differ
// only in key usage and extended key usage. Those made for TLS, OCSP,
// time-stamping or code signing — kyso's own tls-client certificate first
// among them: its key is held by the client system, outside Vault — must
// never be reported as a document's signer; document-signing purposes,
// including the Vietnamese Government CA's mix of clientAuth,
// emailProtection and smart card logon, pass.
func TestSignerUsage(t *testing.T) {
	p := getPKI(t)
	clientURI, _ := url.Parse("urn:kyso:client:cli_attacker")
	tests := []struct {
		name string
		ku   x509.KeyUsage
		ext  []pkix.Extension
		uris []*url.URL
		// want is "" for TOTAL_PASSED, else words of the detail of an
		// INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE.
		want string
	}{
		{"kyso tls-client", x509.KeyUsageDigitalSignature, []pkix.Extension{ekuExt(false, oidKPClientAuth)}, []*url.URL{clientURI}, "TLS client authentication"},
		{"kyso tls-server", x509.KeyUsageDigitalSignature, []pkix.Extension{ekuExt(false, oidKPServerAuth)}, nil, "TLS server authentication"},
		{"kyso OCSP responder", x509.KeyUsageDigitalSignature, []pkix.Extension{ekuExt(false, oidKPOCSPSigning)}, nil, "signing OCSP responses"},
		{"kyso TSA", x509.KeyUsageDigitalSignature, []pkix.Extension{ekuExt(true, oidKPTimeStamping)}, nil, "time-stamping"},
		{"TLS client and server", x509.KeyUsageDigitalSignature, []pkix.Extension{ekuExt(false, oidKPServerAuth, oidKPClientAuth)}, nil, "TLS server authentication, TLS client authentication"},
		{"code signing", x509.KeyUsageDigitalSignature, []pkix.Extension{ekuExt(false, oidKPCodeSigning)}, nil, "code signing"},
		{"smart card logon only", x509.KeyUsageDigitalSignature, []pkix.Extension{ekuExt(false, oidEKUMSSmartcardLogon)}, nil, "smart card logon"},
		{"key encipherment only", x509.KeyUsageKeyEncipherment, nil, nil, "allows neither digitalSignature nor nonRepudiation"},
		{"document signing (RFC 9336)", x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment, []pkix.Extension{ekuExt(false, oidEKUDocumentSigning)}, nil, ""},
		{"e-mail protection", x509.KeyUsageContentCommitment, []pkix.Extension{ekuExt(false, oidKPEmail)}, nil, ""},
		{"any purpose", x509.KeyUsageDigitalSignature, []pkix.Extension{ekuExt(false, oidKPAny)}, nil, ""},
		{"Adobe Authentic Documents", x509.KeyUsageDigitalSignature, []pkix.Extension{ekuExt(false, oidEKUAdobeAuthentic)}, nil, ""},
		{"Microsoft document signing", x509.KeyUsageDigitalSignature, []pkix.Extension{ekuExt(false, oidEKUMSDocumentSigning)}, nil, ""},
		{"VGCA signer: clientAuth, emailProtection, smart card logon", x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment | x509.KeyUsageKeyEncipherment | x509.KeyUsageDataEncipherment,
			[]pkix.Extension{ekuExt(false, oidKPClientAuth, oidKPEmail, oidEKUMSSmartcardLogon)}, nil, ""},
		{"no extended key usage", x509.KeyUsageDigitalSignature, nil, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			key := ecKey()
			cert, err := issueCert(&x509.Certificate{
				Subject:         vnName("UBND Thành phố Hà Nội", "UBND Thành phố Hà Nội", "MST:0101234567"),
				KeyUsage:        tt.ku,
				ExtraExtensions: tt.ext,
				URIs:            tt.uris,
			}, p.ca, key.Public(), p.caKey)
			if err != nil {
				t.Fatal(err)
			}
			cred := model.Key{Signer: key, Cert: cert, Chain: []*x509.Certificate{p.ca, p.root}}
			for _, level := range []pades.Level{pades.LevelBB, pades.LevelBLT} {
				var doc []byte
				if tt.ku&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) != 0 {
					doc = signPDF(t, p, basePDF(), cred, pades.Options{Level: level})
				} else {
					// kyso's signer refuses such a certificate: sign by hand.
					doc = replaceContents(t, signPDF(t, p, basePDF(), p.seal, pades.Options{Level: level}), 0, func(d []byte) []byte {
						return buildCMS(t, cmsSpec{key: key, sid: cert, certs: []*x509.Certificate{cert, p.ca}, digest: d, essCert: cert})
					})
				}
				rep := verifyPDF(t, doc, Options{Roots: p.roots, Revocation: registry{p}})
				s := sigOf(t, rep, 0)
				if tt.want == "" {
					if s.Indication != TotalPassed {
						t.Errorf("%s: %s/%s (%s), want TOTAL_PASSED", level, s.Indication, s.SubIndication, s.Detail)
					}
					continue
				}
				if s.Indication != Indeterminate || s.SubIndication != ChainConstraintsFailure || rep.Valid {
					t.Errorf("%s: %s/%s (%s), valid %v; want INDETERMINATE/CHAIN_CONSTRAINTS_FAILURE", level, s.Indication, s.SubIndication, s.Detail, rep.Valid)
				}
				if !strings.Contains(s.Detail, "may not sign documents") || !strings.Contains(s.Detail, tt.want) {
					t.Errorf("%s: detail %q, want it to say the certificate may not sign documents (%s)", level, s.Detail, tt.want)
				}
				if s.Signer.Name != cert.Subject.CommonName {
					t.Errorf("%s: signer %q, want %q named in the report", level, s.Signer.Name, cert.Subject.CommonName)
				}
			}
		})
	}
}

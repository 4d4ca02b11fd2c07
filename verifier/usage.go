package verifier

import (
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"strings"
)

// Extended key purposes that are not in crypto/x509's list.
var (
	// oidEKUDocumentSigning is id-kp-documentSigning (RFC 9336).
	oidEKUDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}
	// oidEKUAdobeAuthentic is Adobe's Authentic Documents Trust purpose,
	// which Adobe's own and AATL signers carry.
	oidEKUAdobeAuthentic = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 5}
	// oidEKUMSDocumentSigning is Microsoft's document signing purpose.
	oidEKUMSDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}
	// oidEKUMSSmartcardLogon is Microsoft's smart card logon purpose,
	// named in messages only.
	oidEKUMSSmartcardLogon = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 311, 20, 2, 2}
)

// checkSignerUsage checks that a signer's certificate may sign documents
// (RFC 5280, 4.2.1.3 and 4.2.1.12):
//
//   - a key usage extension must allow digitalSignature or nonRepudiation
//     (contentCommitment);
//   - an extended key usage extension restricts the key to the purposes it
//     lists, so one of them must be a document-signing purpose:
//     id-kp-documentSigning (RFC 9336), emailProtection (the purpose
//     S/MIME and most document signers, the Vietnamese Government CA's
//     included, are issued with), anyExtendedKeyUsage, Adobe's Authentic
//     Documents Trust or Microsoft's document signing.
//
// TLS client or server authentication, OCSP signing, time-stamping and code
// signing are not document signing: a certificate restricted to them —
// kyso's own tls-client certificates, whose keys the client systems hold,
// kyso's HTTPS, OCSP responder and TSA certificates — is never accepted as
// a document signer, though its key can technically sign a CMS. A
// certificate without either extension is unrestricted (RFC 5280).
//
// EU DSS's default policy only warns when nonRepudiation is missing and
// pyHanko checks no extended key usage by default; kyso is stricter
// because its own CA issues certificates for other purposes.
func checkSignerUsage(c *x509.Certificate) error {
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return fmt.Errorf("the signer's certificate may not sign documents: its key usage (%s) allows neither digitalSignature nor nonRepudiation", keyUsageNames(c.KeyUsage))
	}
	if len(c.ExtKeyUsage) == 0 && len(c.UnknownExtKeyUsage) == 0 {
		return nil
	}
	for _, u := range c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageAny, x509.ExtKeyUsageEmailProtection:
			return nil
		}
	}
	for _, u := range c.UnknownExtKeyUsage {
		if u.Equal(oidEKUDocumentSigning) || u.Equal(oidEKUAdobeAuthentic) || u.Equal(oidEKUMSDocumentSigning) {
			return nil
		}
	}
	return fmt.Errorf("the signer's certificate may not sign documents: it is issued only for %s (its extended key usage), not for document signing", extKeyUsageNames(c))
}

// keyUsageNames lists the key usage bits set in ku, by their RFC 5280 names.
func keyUsageNames(ku x509.KeyUsage) string {
	names := []string{"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly"}
	var out []string
	for i, n := range names {
		if ku&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return strings.Join(out, ", ")
}

// extKeyUsageNames names the purposes of c's extended key usage extension
// in plain words.
func extKeyUsageNames(c *x509.Certificate) string {
	var out []string
	for _, u := range c.ExtKeyUsage {
		switch u {
		case x509.ExtKeyUsageServerAuth:
			out = append(out, "TLS server authentication")
		case x509.ExtKeyUsageClientAuth:
			out = append(out, "TLS client authentication")
		case x509.ExtKeyUsageCodeSigning:
			out = append(out, "code signing")
		case x509.ExtKeyUsageTimeStamping:
			out = append(out, "time-stamping")
		case x509.ExtKeyUsageOCSPSigning:
			out = append(out, "signing OCSP responses")
		case x509.ExtKeyUsageIPSECEndSystem, x509.ExtKeyUsageIPSECTunnel, x509.ExtKeyUsageIPSECUser:
			out = append(out, "IPsec")
		default:
			out = append(out, fmt.Sprintf("purpose %d", u))
		}
	}
	for _, u := range c.UnknownExtKeyUsage {
		if u.Equal(oidEKUMSSmartcardLogon) {
			out = append(out, "smart card logon")
			continue
		}
		out = append(out, u.String())
	}
	return strings.Join(out, ", ")
}

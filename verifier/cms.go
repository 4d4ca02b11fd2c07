package verifier

import (
	"bytes"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
)

// sidMatches reports whether cert is the one si's sid identifies.
func sidMatches(si *cmsasn1.SignerInfo, cert *x509.Certificate) bool {
	if si.SIDKeyID != nil {
		if len(cert.SubjectKeyId) > 0 {
			return bytes.Equal(cert.SubjectKeyId, si.SIDKeyID)
		}
		return bytes.Equal(keyID(cert), si.SIDKeyID)
	}
	return cert.SerialNumber != nil && cert.SerialNumber.Cmp(si.SIDSerial) == 0 && sameName(cert.RawIssuer, si.SIDIssuer)
}

// keyID is RFC 5280, 4.2.1.2 method (1): the SHA-1 of the subject public
// key's bits, for certificates without a subjectKeyIdentifier extension.
func keyID(cert *x509.Certificate) []byte {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil
	}
	sum := sha1.Sum(spki.PublicKey.Bytes)
	return sum[:]
}

// sameName compares two DER Names: byte for byte, or else as parsed
// sequences of attribute type and value (an encoder may have chosen another
// string type).
func sameName(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var na, nb pkix.RDNSequence
	if rest, err := asn1.Unmarshal(a, &na); err != nil || len(rest) > 0 {
		return false
	}
	if rest, err := asn1.Unmarshal(b, &nb); err != nil || len(rest) > 0 {
		return false
	}
	if len(na) != len(nb) {
		return false
	}
	for i := range na {
		if len(na[i]) != len(nb[i]) {
			return false
		}
		for j := range na[i] {
			x, y := na[i][j], nb[i][j]
			if !x.Type.Equal(y.Type) || fmt.Sprint(x.Value) != fmt.Sprint(y.Value) {
				return false
			}
		}
	}
	return true
}

// essMatches reports whether the ESSCertID e identifies cert.
func essMatches(e cmsasn1.ESSCertID, cert *x509.Certificate) error {
	if newHash(e.Hash) == nil {
		return fmt.Errorf("%w: hash %v", errAlgorithm, e.Hash)
	}
	if !bytes.Equal(digest(e.Hash, cert.Raw), e.Sum) {
		return errors.New("its certificate hash is not the signer certificate's")
	}
	if e.Serial != nil && cert.SerialNumber.Cmp(e.Serial) != 0 {
		return errors.New("its serial number is not the signer certificate's")
	}
	if e.Issuer != nil && !sameName(e.Issuer, cert.RawIssuer) {
		return errors.New("its issuer is not the signer certificate's")
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

package xmlsig

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"strings"
)

// dnNames are the attribute type names written in X509SubjectName: those
// of RFC 4514, 3 and the ones OpenSSL (and so xmlsec1) reads back. UID
// carries the Vietnamese identifiers (MST:, CCCD:).
var dnNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.4":                    "SN",
	"2.5.4.5":                    "serialNumber",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "street",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "title",
	"2.5.4.42":                   "GN",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
	"1.2.840.113549.1.9.1":       "emailAddress",
}

// SubjectName returns cert's subject as an RFC 4514 string, the most
// specific RDN first, for X509SubjectName (XML-Signature 1.1, 4.5.4).
// Attribute types without a name are written as dotted OIDs with the
// value's DER in hex (RFC 4514, 2.4).
func SubjectName(cert *x509.Certificate) string {
	var seq pkix.RDNSequence
	if _, err := asn1.Unmarshal(cert.RawSubject, &seq); err != nil {
		return cert.Subject.String()
	}
	var rdns []string
	for i := len(seq) - 1; i >= 0; i-- {
		var parts []string
		for _, atv := range seq[i] {
			name, ok := dnNames[atv.Type.String()]
			s, isString := atv.Value.(string)
			switch {
			case ok && isString:
				parts = append(parts, name+"="+escapeDN(s))
			default:
				der, err := asn1.Marshal(atv.Value)
				if err != nil {
					parts = append(parts, fmt.Sprintf("%s=%v", atv.Type, atv.Value))
					continue
				}
				t := atv.Type.String()
				if ok {
					t = name
				}
				parts = append(parts, t+"=#"+hex.EncodeToString(der))
			}
		}
		rdns = append(rdns, strings.Join(parts, "+"))
	}
	return strings.Join(rdns, ",")
}

// escapeDN escapes an attribute value (RFC 4514, 2.4).
func escapeDN(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case strings.ContainsRune(`"+,;<>\`, r),
			i == 0 && (r == ' ' || r == '#'),
			i == len(s)-1 && r == ' ':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == 0:
			b.WriteString(`\00`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

package verifier

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"strings"
	"unicode"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
)

var (
	oidUID                    = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	oidSerialNumberAttr       = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}
)

// attrNames are the short names of the attribute types written in
// distinguished names (RFC 4514, 3, and common practice).
var attrNames = []struct {
	oid  asn1.ObjectIdentifier
	name string
}{
	{asn1.ObjectIdentifier{2, 5, 4, 3}, "CN"},
	{oidSerialNumberAttr, "SERIALNUMBER"},
	{asn1.ObjectIdentifier{2, 5, 4, 4}, "SN"},
	{asn1.ObjectIdentifier{2, 5, 4, 42}, "GN"},
	{asn1.ObjectIdentifier{2, 5, 4, 12}, "T"},
	{asn1.ObjectIdentifier{2, 5, 4, 6}, "C"},
	{asn1.ObjectIdentifier{2, 5, 4, 7}, "L"},
	{asn1.ObjectIdentifier{2, 5, 4, 8}, "ST"},
	{asn1.ObjectIdentifier{2, 5, 4, 9}, "STREET"},
	{asn1.ObjectIdentifier{2, 5, 4, 10}, "O"},
	{asn1.ObjectIdentifier{2, 5, 4, 11}, "OU"},
	{oidOrganizationIdentifier, "organizationIdentifier"},
	{oidUID, "UID"},
	{asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}, "DC"},
	{cmsasn1.OIDEmailAddress, "E"},
}

func attrName(oid asn1.ObjectIdentifier) string {
	for _, a := range attrNames {
		if a.oid.Equal(oid) {
			return a.name
		}
	}
	return oid.String()
}

func attrValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return fmt.Sprintf("#%X", v)
	}
	return fmt.Sprint(v)
}

// dnString writes a DER Name most specific first (as RFC 4514 does), with
// short names for the usual attributes — UID included, which crypto/x509
// prints as a hex-encoded OID — and Vietnamese text left as it is.
func dnString(der []byte) string {
	var seq pkix.RDNSequence
	if rest, err := asn1.Unmarshal(der, &seq); err != nil || len(rest) > 0 {
		return fmt.Sprintf("#%X", der)
	}
	var parts []string
	for i := len(seq) - 1; i >= 0; i-- {
		var rdn []string
		for _, atv := range seq[i] {
			rdn = append(rdn, attrName(atv.Type)+"="+escapeDN(attrValue(atv.Value)))
		}
		parts = append(parts, strings.Join(rdn, "+"))
	}
	return strings.Join(parts, ", ")
}

func escapeDN(s string) string {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == ',' || r == '+' || r == '"' || r == '\\' || r == '<' || r == '>' || r == ';' || r == '=':
			b.WriteByte('\\')
		case (r == '#' || r == ' ') && i == 0:
			b.WriteByte('\\')
		case r < 0x20:
			fmt.Fprintf(&b, "\\%02X", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// signerOf describes a certificate's subject for the report.
func signerOf(c *x509.Certificate) Signer {
	if c == nil {
		return Signer{Identifiers: []string{}}
	}
	s := Signer{
		Name:        c.Subject.CommonName,
		Identifiers: []string{},
		Issuer:      c.Issuer.CommonName,
		Serial:      fmt.Sprintf("%X", c.SerialNumber),
	}
	s.Organization = strings.Join(c.Subject.Organization, ", ")
	s.OrganizationalUnit = strings.Join(c.Subject.OrganizationalUnit, ", ")
	for _, atv := range c.Subject.Names {
		v := attrValue(atv.Value)
		switch {
		case atv.Type.Equal(oidUID), atv.Type.Equal(oidSerialNumberAttr), atv.Type.Equal(oidOrganizationIdentifier):
			if v != "" {
				s.Identifiers = append(s.Identifiers, v)
			}
		case atv.Type.Equal(cmsasn1.OIDEmailAddress):
			if s.Email == "" {
				s.Email = v
			}
		}
	}
	if s.Name == "" {
		s.Name = dnString(c.RawSubject)
	}
	return s
}

func chainOf(certs []*x509.Certificate) []ChainCert {
	out := make([]ChainCert, 0, len(certs))
	for _, c := range certs {
		out = append(out, ChainCert{
			Subject:  dnString(c.RawSubject),
			Issuer:   dnString(c.RawIssuer),
			NotAfter: formatTime(c.NotAfter),
		})
	}
	return out
}

// maxSignerText bounds a text the signer wrote (reason, location,
// contact) in the report, in characters.
const maxSignerText = 512

// signerText returns a text the signer wrote — a signature's /Reason,
// /Location, /ContactInfo, a XAdES production place — fit to show: control
// characters (line breaks and tabs become spaces) and bidirectional
// formatting characters (U+061C, U+200E, U+200F, U+202A–U+202E,
// U+2066–U+2069: an override could make "…exe.pdf" read as "…fdp.exe" or
// reverse an amount) are left out, space is trimmed, and text beyond
// maxSignerText characters is cut with "…".
func signerText(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			r = ' '
		case unicode.IsControl(r), r == 0x061C, r == 0x200E, r == 0x200F,
			r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == unicode.ReplacementChar:
			continue
		}
		if n == maxSignerText {
			b.WriteString("…")
			break
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimSpace(b.String())
}

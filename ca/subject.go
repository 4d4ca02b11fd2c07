package ca

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/model"
	"golang.org/x/text/unicode/norm"
)

// Attribute OIDs used in Vietnamese certificate subjects.
var (
	oidCountry      = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidProvince     = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidLocality     = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidOrganization = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOrgUnit      = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidTitle        = asn1.ObjectIdentifier{2, 5, 4, 12}
	oidCommonName   = asn1.ObjectIdentifier{2, 5, 4, 3}
	// OIDUID is the userid attribute (RFC 4519, 2.39) that carries the
	// holder's identifier, e.g. "CCCD:001099012345" or "MST:0103410294".
	OIDUID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	// oidEmailAddr is PKCS #9 emailAddress, declared with the other CMS
	// and PKCS #9 identifiers.
	oidEmailAddr = cmsasn1.OIDEmailAddress
)

// Upper bounds from RFC 5280, Appendix A (ub-common-name and friends).
const (
	maxCommonName = 64
	maxOrgName    = 64
	maxOrgUnit    = 64
	maxLocality   = 128
	maxTitle      = 64
	maxEmail      = 255
	maxUID        = 128
)

var (
	reCCCD       = regexp.MustCompile(`^[0-9]{12}$`)
	reTaxCode    = regexp.MustCompile(`^[0-9]{10}(-[0-9]{3})?$`)
	reBudgetCode = regexp.MustCompile(`^[0-9]{7}$`)
)

// cleanText normalises a free-text field to NFC (so "Nguyễn" typed with
// combining marks and precomposed compares and renders the same), trims it
// and rejects over-long values and text that would not read as what it
// is (see checkText).
func cleanText(field, s string, max int, required bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", invalid(field, "must be valid UTF-8 text")
	}
	s = strings.TrimSpace(norm.NFC.String(s))
	if s == "" {
		if required {
			return "", invalid(field, "is required")
		}
		return "", nil
	}
	if err := checkText(field, s); err != nil {
		return "", err
	}
	if n := utf8.RuneCountInString(s); n > max {
		return "", invalid(field, "is %d characters long, at most %d allowed", n, max)
	}
	return s, nil
}

// checkText refuses subject text that a relying party would read as
// something else than what the certificate holds:
//
//   - control characters (Cc), line and paragraph separators, and every
//     format character (Cf): the bidirectional overrides, embeddings and
//     isolates (U+202A–U+202E, U+2066–U+2069, the marks U+200E, U+200F,
//     U+061C) that reorder what a viewer shows, and the zero-width
//     characters (U+200B–U+200D, U+2060, U+FEFF) that make two different
//     names look the same (Unicode TR #36, 2.1 and 2.4);
//   - private-use characters, noncharacters and U+FFFD, the replacement
//     character a JSON decoder puts in place of invalid UTF-8;
//   - Latin letters mixed with Cyrillic or Greek ones in one field: "Ủy
//     ban" written with a Cyrillic "У" looks like an agency's name and is
//     another (TR #36, 2.9.3, mixed-script confusables). A name wholly in
//     one script is accepted.
func checkText(field, s string) error {
	var latin, other rune
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			return invalid(field, "contains U+FFFD (invalid UTF-8 or a replacement character)")
		case unicode.Is(unicode.Bidi_Control, r):
			return invalid(field, "contains %U, a bidirectional formatting character, which could make the name display in another order", r)
		case unicode.In(r, unicode.Cc, unicode.Zl, unicode.Zp):
			return invalid(field, "contains %U, a control character", r)
		case unicode.Is(unicode.Cf, r):
			return invalid(field, "contains %U, an invisible formatting character (zero-width or similar)", r)
		case unicode.In(r, unicode.Co, unicode.Noncharacter_Code_Point):
			return invalid(field, "contains %U, a private-use character or noncharacter", r)
		case unicode.Is(unicode.Latin, r):
			if latin == 0 {
				latin = r
			}
		case unicode.In(r, unicode.Cyrillic, unicode.Greek):
			if other == 0 {
				other = r
			}
		}
	}
	if latin != 0 && other != 0 {
		return invalid(field, "mixes Latin letters with %q (%U, %s), a look-alike from another script; write the name in one script", other, other, scriptOf(other))
	}
	return nil
}

// scriptOf names the non-Latin script checkText refuses to mix with Latin.
func scriptOf(r rune) string {
	if unicode.Is(unicode.Cyrillic, r) {
		return "Cyrillic"
	}
	return "Greek"
}

// validateCCCD checks a citizen identity number (Căn cước công dân): 12
// digits, the first three a province code (001–096).
func validateCCCD(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalid(field, "is required (12-digit citizen identity number)")
	}
	if !reCCCD.MatchString(s) {
		return "", invalid(field, "must be exactly 12 digits (số CCCD gồm 12 chữ số)")
	}
	if p := (int(s[0]-'0')*100 + int(s[1]-'0')*10 + int(s[2]-'0')); p < 1 || p > 96 {
		return "", invalid(field, "starts with province code %03d, which does not exist (001–096)", p)
	}
	return s, nil
}

// rdn builds one single-valued RDN. Directory strings are UTF8String
// (RFC 5280, 4.1.2.4); the country is PrintableString and the e-mail
// address IA5String as their definitions require.
func rdn(oid asn1.ObjectIdentifier, value string) pkix.RelativeDistinguishedNameSET {
	tag := asn1.TagUTF8String
	switch {
	case oid.Equal(oidCountry):
		tag = asn1.TagPrintableString
	case oid.Equal(oidEmailAddr):
		tag = asn1.TagIA5String
	}
	return pkix.RelativeDistinguishedNameSET{{
		Type:  oid,
		Value: asn1.RawValue{Tag: tag, Bytes: []byte(value)},
	}}
}

// nameBuilder accumulates RDNs in the order they appear in the DN
// (most general first: C, ST, L, O, OU, title, CN, UID, E).
type nameBuilder struct{ seq pkix.RDNSequence }

func (b *nameBuilder) add(oid asn1.ObjectIdentifier, value string) {
	if value != "" {
		b.seq = append(b.seq, rdn(oid, value))
	}
}

func (b *nameBuilder) der() ([]byte, error) { return asn1.Marshal(b.seq) }

// checkEmail validates an optional e-mail address.
func checkEmail(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) > maxEmail {
		return "", invalid(field, "is too long")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", invalid(field, "must be a plain e-mail address such as an@hanoi.gov.vn")
	}
	for _, r := range s {
		if r > unicode.MaxASCII {
			return "", invalid(field, "must be ASCII (internationalised mailboxes are not supported)")
		}
	}
	return s, nil
}

// subjectOf reads the subject a credential was issued for (its
// SubjectJSON).
func subjectOf(cred *model.Credential) (model.Subject, error) {
	var subj model.Subject
	if err := json.Unmarshal([]byte(cred.SubjectJSON), &subj); err != nil {
		return model.Subject{}, fmt.Errorf("ca: credential %s subject: %w", cred.ID, err)
	}
	return subj, nil
}

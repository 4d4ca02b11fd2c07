package verifier

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Warning is a warning of the report with a stable code, so that a reader
// can say it in its own language: Code names the sentence, Params its
// variable parts, Text is the English sentence of Report.Warnings or
// Signature.Warnings. A warning that wraps another one (a signature
// time-stamp's) has it in Inner.
type Warning struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params,omitempty"`
	Text   string            `json:"text"`
	Inner  *Warning          `json:"inner,omitempty"`
}

// Warning codes that are not one sentence of WarningCodes: another check
// that did not pass (its reason is the text; the entry's indication is
// the one of its first failed check), and a sentence the table does not
// know (a test keeps this from happening).
const (
	WarnCheckFailed = "check_failed"
	WarnOther       = "other"
)

// warningDef is one warning sentence: its code, its fmt format as the
// verifier writes it, and the names of the format's verbs in order. A
// param named "reason" or "error" is English text from deeper down (an
// error, another check's reason): a reader in another language says the
// sentence without it.
type warningDef struct {
	Code   string
	Format string
	Params []string
}

// WarningCodes lists every warning the verifier writes, with its code. A
// sentence is listed once per format; more specific entries of a format
// (a %s the verifier fills with one of a few sentences) come first. Codes
// are stable: change the English sentence, never the code.
var WarningCodes = []warningDef{
	// The document.
	{"document_unsigned", "the document has no signature", nil},
	{"xml_unsigned", "the document has no XML signature", nil},
	{"document_encrypted", "the document is encrypted; signatures of encrypted documents may not be read correctly", nil},
	{"xref_repaired", "the document's cross-reference data is damaged (%v); it was read by scanning the file for its objects, as other readers do", []string{"error"}},
	{"fields_too_deep", "form fields nested deeper than %d were not read", []string{"limit"}},
	{"fields_too_many", "more than %d form fields: the rest were not read", []string{"limit"}},
	{"field_shared_signature", "field %q shares its signature dictionary with another field", []string{"field"}},
	{"dss_too_many", "the DSS holds more than %d items of a kind: the rest were not read", []string{"limit"}},
	{"dss_item_unreadable", "a DSS item could not be read", nil},
	{"dss_bad_certificates", "%d certificates in the DSS could not be parsed", []string{"count"}},
	{"xml_duplicate_ids", "several elements carry the same ID (%s): a signature referencing one of them is refused", []string{"ids"}},
	{"einvoice_not_covered", "the e-invoice data %s is not covered by a valid signature", []string{"path"}},

	// The signing time.
	{"time_not_proven", "no time-stamp proves when the signature was made", nil},
	{"claimed_time_not_proven", "the signing time %s is claimed by the signer and not proven by a time-stamp", []string{"time"}},
	{"claimed_time_after_timestamp", "the claimed signing time %s is after the time-stamp %s", []string{"time", "timestamp_time"}},
	{"signing_time_unparsable", "the signing-time attribute does not parse: %v", []string{"error"}},
	{"pades_signing_time_attribute", "a PAdES signature has a signing-time attribute (ETSI EN 319 142-1, 5.2.1 forbids it)", nil},

	// The signature's structure.
	{"pades_no_signing_certificate", "a PAdES signature without signing-certificate attribute (ETSI EN 319 142-1, 5.2.2)", nil},
	{"partial_revision", "the signature does not cover a whole revision: its byte range ends at %d, not at the end of an incremental update", []string{"offset"}},
	{"docmdp_not_in_perms", "the signature has a DocMDP reference but the catalog's /Perms does not name it", nil},
	{"certification_not_first", "a certification signature that is not the document's first signature", nil},
	{"icp_brasil_policy_not_checked", "sub-filter %s (ICP-Brasil) is validated as a detached CMS signature; the ICP-Brasil signature policy is not checked", []string{"sub_filter"}},
	{"digest_as_signature_algorithm", "the digest algorithm is given as signature algorithm %v", []string{"algorithm"}},
	{"digest_not_listed", "the signer's digest algorithm is not listed in the SignedData's digestAlgorithms", nil},
	{"cms_bad_certificates", "%d certificates in the CMS could not be parsed", []string{"count"}},
	{"signer_ambiguous", "%d certificates match the signer identifier %s", []string{"count", "sid"}},
	{"signed_attributes_not_der", "the signed attributes are not DER-encoded (%v), as RFC 5652, 5.3 requires", []string{"error"}},
	{"first_certificate_not_signer", "the CMS's first certificate (%s) is not the signer's (%s): the signer is the one the SignerInfo's sid names", []string{"first", "signer"}},
	{"appearance_of_later_signature", "%s: accepted as the appearance of signature %q, made after this one and valid", []string{"reason", "field"}},

	// Algorithms.
	{"sha1_subfilter", "sub-filter adbe.pkcs7.sha1 signs a SHA-1 digest of the document; SHA-1 is weak", nil},
	{"sha1_signature", "the signature uses SHA-1, which is weak", nil},
	{"rsa_key_short", "the signer's RSA key has %d bits, fewer than 2048", []string{"bits"}},
	{"sha1_chain", "certificate %q is signed with SHA-1 by %q: SHA-1 is a weak algorithm, and the chain is accepted only as one made while SHA-1 was in use (ETSI EN 319 102-1)", []string{"certificate", "issuer"}},

	// Certificates and revocation.
	{"expired_after_signing", "the signer's certificate expired on %s, after the signature was made (proven at %s)", []string{"expiry", "proven_time"}},
	{"revoked_after_signing", "%s was revoked on %s (per %s), after the signature was made (proven at %s)", []string{"certificate", "revocation_time", "source", "proven_time"}},
	{"revocation_not_checked", "revocation status not checked for %s: no OCSP response or CRL about them in the document (online checking is off)", []string{"certificates"}},
	{"revocation_not_checked_online", "revocation status not checked for %s: no OCSP response or CRL about them in the document or online", []string{"certificates"}},
	{"revocation_data_unusable", "revocation status not checked for %s: the document holds revocation data about it, but none that can be used (%s)", []string{"certificates", "reason"}},
	{"revocation_not_checked_other", "revocation status not checked for %s: %s", []string{"certificates", "reason"}},
	{"registry_unreachable", "kyso's certificate registry could not be asked about %q: %v", []string{"certificate", "error"}},
	{"online_ocsp_failed", "online OCSP at %s: %v", []string{"url", "error"}},
	{"online_crl_failed", "online CRL at %s: %v", []string{"url", "error"}},

	// Time-stamps.
	{"signature_timestamp_warning", "signature time-stamp: %s", []string{"warning"}},
	{"signature_timestamp_rejected", "the signature time-stamp is not accepted as proof of the signing time: %s", []string{"reason"}},
	{"archive_timestamp_rejected", "the archive time-stamp is not accepted: %s", []string{"reason"}},
	{"timestamp_imprint_weak", "the time-stamp's imprint uses %s, which is weak", []string{"algorithm"}},
	{"timestamp_sha1", "the time-stamp token is signed with SHA-1, which is weak", nil},
	{"timestamp_no_signing_certificate", "the time-stamp token has no signing-certificate attribute (RFC 3161, 2.4.1)", nil},
	{"tsa_revoked_after_timestamp", "the time-stamp authority's certificate %q was revoked on %s, after the time-stamp", []string{"certificate", "revocation_time"}},
	{"tsa_eku_not_critical", "the TSA certificate's extended key usage is not critical (RFC 3161, 2.3)", nil},

	// XML signatures.
	{"xml_reference_sha1", "reference %q uses SHA-1, which is weak", []string{"uri"}},
	{"keyinfo_bad_certificates", "%d certificates in KeyInfo could not be parsed", []string{"count"}},
	{"keyinfo_subject_mismatch", "KeyInfo's X509SubjectName %q does not name the certificate that verifies the signature", []string{"subject"}},
	{"xml_signing_time_not_covered", "the signature's SigningTime is not covered by a reference: ignored", nil},
	{"xml_signing_time_unreadable", "the signature's SigningTime %q cannot be read", []string{"time"}},
	{"einvoice_tax_code_mismatch", "the certificate's tax code MST:%s is not the %s's tax code %s on the invoice", []string{"certificate_tax_code", "block", "invoice_tax_code"}},
	{"xades_signing_time_unreadable", "XAdES SigningTime %q cannot be read", []string{"time"}},
	{"xades_no_signing_certificate", "the XAdES signature has no SigningCertificateV2 (ETSI EN 319 132-1, 5.2.2)", nil},
	{"xades_timestamp_not_base64", "a XAdES SignatureTimeStamp that is not base64", nil},
	{"xades_timestamp_unchecked", "the XAdES SignatureTimeStamp cannot be checked: %v", []string{"error"}},
	{"xades_revocation_missing", "the XAdES RevocationValues hold no status of the signer's certificate: the signature is not B-LT", nil},
	{"xades_revocation_too_early", "the XAdES RevocationValues give the signer certificate's status as of %s, before the signature time-stamp: the signature is not B-LT", []string{"time"}},
	{"xades_archive_timestamp_unchecked", "the XAdES ArchiveTimeStamp cannot be checked: %v", []string{"error"}},
}

type compiledWarning struct {
	def warningDef
	re  *regexp.Regexp
	// quoted[i] is true when the i-th verb is %q.
	quoted []bool
}

var compiledWarnings = sync.OnceValue(func() []compiledWarning {
	verb := regexp.MustCompile(`%[sdvq]`)
	out := make([]compiledWarning, 0, len(WarningCodes))
	for _, d := range WarningCodes {
		var quoted []bool
		var b strings.Builder
		b.WriteString("^")
		rest := d.Format
		for {
			loc := verb.FindStringIndex(rest)
			if loc == nil {
				b.WriteString(regexp.QuoteMeta(rest))
				break
			}
			b.WriteString(regexp.QuoteMeta(rest[:loc[0]]))
			switch rest[loc[0]+1] {
			case 'd':
				b.WriteString(`(-?[0-9]+)`)
			case 'q':
				b.WriteString(`("(?:[^"\\]|\\.)*")`)
			default:
				b.WriteString(`(.*)`)
			}
			quoted = append(quoted, rest[loc[0]+1] == 'q')
			rest = rest[loc[1]:]
		}
		b.WriteString("$")
		out = append(out, compiledWarning{def: d, re: regexp.MustCompile("(?s)" + b.String()), quoted: quoted})
	}
	return out
})

// codeWarning gives text, a warning the verifier wrote, its code and
// parameters: the first sentence of WarningCodes it is written by.
func codeWarning(text string) Warning {
	for _, c := range compiledWarnings() {
		m := c.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		w := Warning{Code: c.def.Code, Text: text}
		for i, v := range m[1:] {
			if i >= len(c.def.Params) {
				break
			}
			if c.quoted[i] {
				if u, err := strconv.Unquote(v); err == nil {
					v = u
				}
			}
			if w.Params == nil {
				w.Params = map[string]string{}
			}
			name := c.def.Params[i]
			w.Params[name] = v
			if name == "warning" {
				inner := codeWarning(v)
				w.Inner = &inner
			}
		}
		return w
	}
	return Warning{Code: WarnOther, Text: text}
}

// codeWarnings codes each of texts.
func codeWarnings(texts []string) []Warning {
	out := make([]Warning, len(texts))
	for i, s := range texts {
		out[i] = codeWarning(s)
	}
	return out
}

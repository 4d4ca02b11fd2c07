package verifier

import (
	"time"
)

// Indication is the overall result of validating one signature or
// document time-stamp (ETSI EN 319 102-1, 5.1.3).
type Indication string

// The indications.
const (
	// TotalPassed means every check passed: integrity, the signer's
	// certificate chains to a trust anchor and was valid and not revoked
	// at the proven (or current) time, and nothing was changed after
	// signing that the document's permissions do not allow.
	TotalPassed Indication = "TOTAL_PASSED"
	// TotalFailed means the signature is proven bad: the bytes or the
	// CMS do not verify, the certificate was revoked or expired at a
	// proven signing time, the signature cannot be processed, or the
	// document was changed after signing in a way not allowed.
	TotalFailed Indication = "TOTAL_FAILED"
	// Indeterminate means the checks that could be made passed but
	// something needed for a positive answer is missing: a chain to a
	// trust anchor, a proof of the signing time, revocation status.
	Indeterminate Indication = "INDETERMINATE"
)

// SubIndication explains a TOTAL_FAILED or INDETERMINATE indication (ETSI EN
// 319 102-1, 5.1.3, Table 5 and 6); it is empty for TOTAL_PASSED.
type SubIndication string

// The sub-indications the verifier reports.
const (
	// FormatFailure: the signature could not be processed at all — a
	// malformed or out-of-bounds /ByteRange, /Contents that are not the
	// byte range's gap, a CMS that does not parse, a missing mandatory
	// attribute, an unsupported algorithm, or a panic while processing.
	FormatFailure SubIndication = "FORMAT_FAILURE"
	// HashFailure: the digest of the signed bytes is not the one signed.
	HashFailure SubIndication = "HASH_FAILURE"
	// SigCryptoFailure: the signature value does not verify with the
	// signer's public key.
	SigCryptoFailure SubIndication = "SIG_CRYPTO_FAILURE"
	// Revoked: the signer's certificate (or a CA's) was revoked before the
	// proven signing time, or before the time the signer claims.
	Revoked SubIndication = "REVOKED"
	// Expired: the signer's certificate had expired at the proven signing
	// time.
	Expired SubIndication = "EXPIRED"
	// NotYetValid: the signature provably existed before its certificate
	// became valid.
	NotYetValid SubIndication = "NOT_YET_VALID"
	// ChangedAfterSigning: the document was changed after the signature
	// in a way its permissions do not allow (page content, resources,
	// pages added or removed, a locked field, other objects) —
	// TOTAL_FAILED — or in a way they allow but that draws over what the
	// signature signed (an annotation or field appearance over its text
	// or images: a shadow attack) — INDETERMINATE; changes_after names
	// them. This is kyso's extension of ETSI's list for PDF.
	ChangedAfterSigning SubIndication = "CHANGED_AFTER_SIGNING"
	// AmbiguousRevision: the revision the signature signs, or the
	// document as it is now, cannot be read unambiguously — its
	// cross-reference data cannot be followed, or rebuilding it from the
	// object definitions (as viewers do with a damaged file) gives other
	// content — so what a viewer shows may not be what was checked.
	// kyso's extension of ETSI's list for PDF, reported as INDETERMINATE.
	AmbiguousRevision SubIndication = "AMBIGUOUS_REVISION"
	// NoSigningCertificateFound: no certificate matches the SignerInfo's
	// sid, or the one that does is not the one the ESS
	// signing-certificate(-v2) attribute names.
	NoSigningCertificateFound SubIndication = "NO_SIGNING_CERTIFICATE_FOUND"
	// NoCertificateChainFound: the signer's certificate does not chain to
	// a trust anchor.
	NoCertificateChainFound SubIndication = "NO_CERTIFICATE_CHAIN_FOUND"
	// ChainConstraintsFailure: a chain exists but a certificate in it may
	// not be used for this (key usage, extended key usage, path length).
	ChainConstraintsFailure SubIndication = "CHAIN_CONSTRAINTS_FAILURE"
	// CryptoConstraintsFailureNoPOE: a broken algorithm (MD5) was used.
	CryptoConstraintsFailureNoPOE SubIndication = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
	// OutOfBoundsNoPOE: the certificate is expired (or not yet valid)
	// now and no time-stamp proves the signature existed while it was
	// valid.
	OutOfBoundsNoPOE SubIndication = "OUT_OF_BOUNDS_NO_POE"
	// RevokedNoPOE: the signer's certificate is revoked and nothing proves
	// the signature was made before the revocation.
	RevokedNoPOE SubIndication = "REVOKED_NO_POE"
	// RevokedCANoPOE: a CA certificate of the chain is revoked and nothing
	// proves the signature was made before.
	RevokedCANoPOE SubIndication = "REVOKED_CA_NO_POE"
	// TryLater: online revocation checking was asked for and no status
	// could be obtained for the signer's certificate.
	TryLater SubIndication = "TRY_LATER"
	// SignedDataNotFound: an XML signature does not sign the data it is
	// read for: the e-invoice data an application reads (HDon/DLHDon) or
	// a XAdES signature's SignedProperties are not what its references
	// cover (signature wrapping), or it signs only its own properties.
	SignedDataNotFound SubIndication = "SIGNED_DATA_NOT_FOUND"
)

// Signature types.
const (
	TypeSignature         = "signature"
	TypeDocumentTimestamp = "document_timestamp"
)

// Levels (ETSI EN 319 142-1, 6). LevelNotPAdES is reported for the
// adbe.pkcs7.* and adbe.x509.* sub-filters.
const (
	LevelBB       = "B-B"
	LevelBT       = "B-T"
	LevelBLT      = "B-LT"
	LevelBLTA     = "B-LTA"
	LevelNotPAdES = "not PAdES"
	// LevelXMLDSig is reported for an XML signature without XAdES
	// qualifying properties; XAdES ones get B-B or B-T (ETSI EN 319
	// 132-1, 6).
	LevelXMLDSig = "XMLDSig"
)

// Change kinds reported in changes_after.
const (
	ChangeSignatureAdded    = "signature_added"
	ChangeTimestampAdded    = "document_timestamp_added"
	ChangeDSS               = "dss_updated"
	ChangeFormFilled        = "form_filled"
	ChangeFieldAdded        = "form_field_added"
	ChangeFieldModified     = "form_field_modified"
	ChangeFieldRemoved      = "form_field_removed"
	ChangeAnnotationAdded   = "annotation_added"
	ChangeAnnotationChanged = "annotation_modified"
	ChangeAnnotationRemoved = "annotation_removed"
	ChangePageContent       = "page_content_modified"
	ChangeResources         = "resources_modified"
	ChangePageAdded         = "page_added"
	ChangePageRemoved       = "page_removed"
	ChangePage              = "page_modified"
	ChangeSignatureModified = "signature_modified"
	ChangeCatalog           = "catalog_modified"
	ChangeForm              = "form_modified"
	ChangeMetadata          = "metadata_modified"
	ChangeStructure         = "structure_tree_modified"
	ChangeObject            = "object_modified"
	ChangeUnreferenced      = "unreferenced_objects"
	ChangeUnknown           = "not_analysed"
	// ChangeLockedField: a field the signature locks (FieldMDP, /Lock)
	// was filled or signed after it; never allowed.
	ChangeLockedField = "locked_field_modified"
	// ChangeDrawnOver: an annotation or field appearance added, changed
	// or removed after the signature is drawn over what the signed
	// revision shows on a page (a shadow attack's "hide" or "replace").
	// Not allowed; it makes the signature INDETERMINATE rather than
	// TOTAL_FAILED, as the permissions allow the change itself. The
	// appearance of a later signature is allowed when that signature is
	// TOTAL_PASSED.
	ChangeDrawnOver = "drawn_over_signed_content"
)

// Report is the result of validating a document: one entry per signature
// and document time-stamp, in file order.
type Report struct {
	// Valid is true only when the document has at least one signature
	// and every entry of Signatures is TOTAL_PASSED.
	Valid bool `json:"valid"`
	// SignatureCount is len(Signatures).
	SignatureCount int `json:"signature_count"`
	// Signatures lists every signature and document time-stamp, in the
	// order of the revisions they sign.
	Signatures []Signature `json:"signatures"`
	// Warnings are about the document as a whole.
	Warnings []string `json:"warnings,omitempty"`
	// WarningCodes are Warnings with their codes and parameters, in the
	// same order (WarningCodes lists the codes).
	WarningCodes []Warning `json:"warning_codes,omitempty"`
}

// Signature is the validation result of one signature or document
// time-stamp.
type Signature struct {
	// Field is the fully qualified name of the signature field ("" for a
	// detached CMS).
	Field string `json:"field"`
	// Type is TypeSignature or TypeDocumentTimestamp.
	Type          string        `json:"type"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"sub_indication"`
	// Signer describes the signer's certificate (the TSA's for a document
	// time-stamp). It is empty when no certificate matches the CMS's sid.
	Signer Signer `json:"signer"`
	// ClaimedTime is the time the signer claims (/M, or the signing-time
	// attribute), RFC 3339; it proves nothing.
	ClaimedTime string `json:"claimed_time"`
	// ProvenTime is the earliest time at which the signature provably
	// existed: the genTime of a valid signature time-stamp or of a later
	// document time-stamp that covers it. Empty when nothing proves it.
	ProvenTime string `json:"proven_time"`
	// TimestampAuthority names the TSA of the time-stamp that proves
	// ProvenTime.
	TimestampAuthority string `json:"timestamp_authority"`
	// Level is the PAdES baseline level reached (B-B, B-T, B-LT, B-LTA),
	// "not PAdES" for adbe.* sub-filters, "" for a document time-stamp.
	Level string `json:"level"`
	// Revision is the revision the signature covers, counting from 1;
	// Revisions is the number of revisions of the file.
	Revision  int `json:"revision"`
	Revisions int `json:"revisions"`
	// ChangesAfter lists what was changed in the revisions after the one
	// signed, and whether each change is allowed.
	ChangesAfter []Change `json:"changes_after"`
	// Chain is the signer's certificate up to the trust anchor (or as far
	// as it could be built).
	Chain    []ChainCert `json:"chain"`
	Warnings []string    `json:"warnings"`
	// WarningCodes are Warnings with their codes and parameters, in the
	// same order: the reasons of other failed checks have the code
	// WarnCheckFailed, the others one of WarningCodes.
	WarningCodes []Warning `json:"warning_codes"`

	// Extensions of the issue's report shape.

	// Detail explains the indication in a sentence (empty when passed);
	// the reasons of other failed checks are in Warnings.
	Detail string `json:"detail,omitempty"`

	// SubFilter is the signature dictionary's /SubFilter.
	SubFilter string `json:"sub_filter,omitempty"`
	// Reason, Location and ContactInfo are the signature dictionary's
	// /Reason, /Location and /ContactInfo; for a XAdES signature,
	// Location is its SignatureProductionPlace. They are what the signer
	// wrote, proven by nothing but the signature, with control and
	// bidirectional formatting characters left out and at most
	// maxSignerText characters (signerText).
	Reason      string `json:"reason,omitempty"`
	Location    string `json:"location,omitempty"`
	ContactInfo string `json:"contact_info,omitempty"`
	// Revocation says whether and where the revocation status of the
	// signer's certificate was found; nil when the chain was not built
	// to a trust anchor (the status was not looked for).
	Revocation *RevocationCheck `json:"revocation,omitempty"`
	// DigestAlgorithm and SignatureAlgorithm name the algorithms used.
	DigestAlgorithm    string `json:"digest_algorithm,omitempty"`
	SignatureAlgorithm string `json:"signature_algorithm,omitempty"`
	// Certification is the DocMDP permission (1, 2 or 3) of a
	// certification signature, 0 for an approval signature.
	Certification int `json:"certification,omitempty"`
	// CoversWholeFile is true when the signature covers every byte of
	// the file but its own /Contents.
	CoversWholeFile bool `json:"covers_whole_file"`

	// References says, for an XML signature, what each reference of
	// SignedInfo covers, in order.
	References []XMLReference `json:"references,omitempty"`
	// EInvoice holds the facts of a Vietnamese e-invoice (Circular
	// 78/2021/TT-BTC) signed by an XML signature of it.
	EInvoice *EInvoice `json:"einvoice,omitempty"`

	// Evidence is what the validation used (chain, revocation data); not
	// in the JSON report.
	Evidence *Evidence `json:"-"`
}

// XMLReference is what one ds:Reference of an XML signature covers.
type XMLReference struct {
	// URI is the reference's URI ("" is the whole document).
	URI  string `json:"uri"`
	Type string `json:"type,omitempty"`
	// Covers is the path of the element the URI names
	// ("/HDon/DLHDon"), "/" for the whole document, "detached: <uri>" for
	// detached content the caller gave, "" when it could not be resolved.
	Covers string `json:"covers"`
	// Excludes are the paths of elements the transforms leave out (the
	// signature itself, for an enveloped signature).
	Excludes   []string `json:"excludes,omitempty"`
	Transforms []string `json:"transforms,omitempty"`
	// DigestAlgorithm names the hash; DigestValid says whether the
	// covered data has the digest signed.
	DigestAlgorithm string `json:"digest_algorithm"`
	DigestValid     bool   `json:"digest_valid"`
	// Problem says why the reference could not be checked.
	Problem string `json:"problem,omitempty"`
}

// EInvoice is what an e-invoice says, read from HDon/DLHDon — the element
// an application reads — and how the signature relates to it.
type EInvoice struct {
	// Block is the signature block the signature is in: seller (NBan),
	// buyer (NMua), tax_authority (CQT), other (CCKSKhac), or "".
	Block string `json:"block"`
	// Seller and SellerTaxCode are NBan/Ten and NBan/MST; Buyer and
	// BuyerTaxCode NMua's.
	Seller        string `json:"seller"`
	SellerTaxCode string `json:"seller_tax_code"`
	Buyer         string `json:"buyer,omitempty"`
	BuyerTaxCode  string `json:"buyer_tax_code,omitempty"`
	// Template (KHMSHDon), Series (KHHDon) and Number (SHDon) identify
	// the invoice; IssueDate is NLap, Total TgTTTBSo in Currency.
	Template  string `json:"template,omitempty"`
	Series    string `json:"series,omitempty"`
	Number    string `json:"number"`
	IssueDate string `json:"issue_date,omitempty"`
	Total     string `json:"total,omitempty"`
	Currency  string `json:"currency,omitempty"`
	// SigningTime is the signature's SigningTime as written.
	SigningTime string `json:"signing_time,omitempty"`
	// CertificateTaxCode is the MST: identifier of the signer's
	// certificate; TaxCodeMatch whether it is the tax code of the
	// signature's block (seller or buyer), nil when not compared (other
	// blocks, or no MST in the certificate).
	CertificateTaxCode string `json:"certificate_tax_code,omitempty"`
	TaxCodeMatch       *bool  `json:"tax_code_match"`
	// DataCovered is true when the signature covers HDon/DLHDon, the
	// data read here.
	DataCovered bool `json:"data_covered"`
}

// Signer describes a certificate holder.
type Signer struct {
	// Name is the certificate's common name.
	Name string `json:"name"`
	// Identifiers are the subject's UID values (Vietnamese practice:
	// "CCCD:…", "CMND:…", "MST:…", "MNS:…") and serialNumber attributes.
	Identifiers []string `json:"identifiers"`
	// Organization is the subject's O.
	Organization string `json:"organization"`
	// OrganizationalUnit is the subject's OU.
	OrganizationalUnit string `json:"organizational_unit,omitempty"`
	// Email is the subject's emailAddress attribute.
	Email string `json:"email,omitempty"`
	// Issuer is the issuer's common name; Serial the certificate's serial
	// number in hex.
	Issuer string `json:"issuer,omitempty"`
	Serial string `json:"serial,omitempty"`
}

// Change is one change made after a signature.
type Change struct {
	// Kind is one of the Change* constants.
	Kind string `json:"kind"`
	// Allowed reports whether the change is one the signature's document
	// permits: new signatures, DSS, document time-stamps, and form filling
	// or annotations as the DocMDP level and the signature's field locks
	// allow; a drawn_over_signed_content change is allowed only when it
	// is the appearance of a later signature that is valid
	// (docs/verification.md, "Allowed changes").
	Allowed bool `json:"allowed"`
	// Detail names what changed (page, field, object).
	Detail string `json:"detail,omitempty"`
}

// RevocationCheck is how the revocation status of a signer's certificate
// was established (docs/verification.md, "Revocation policy").
type RevocationCheck struct {
	// Status is RevocationGood, RevocationRevoked or RevocationUnknown.
	Status string `json:"status"`
	// From is where the status came from (a RevocationFrom* constant),
	// "" when Status is RevocationUnknown.
	From string `json:"from,omitempty"`
	// Online is true when online checking was allowed for this
	// validation (verify.online): false means a status that is unknown
	// was not looked for on the network.
	Online bool `json:"online"`
}

// Revocation statuses of RevocationCheck.
const (
	RevocationGood    = "good"
	RevocationRevoked = "revoked"
	RevocationUnknown = "unknown"
)

// Sources of a revocation status (RevocationCheck.From).
const (
	// RevocationFromRegistry: kyso's own certificate registry, for the
	// certificates kyso issued.
	RevocationFromRegistry = "registry"
	// RevocationFromDocument: an OCSP response or CRL the document
	// carries (the DSS, the CMS, XAdES RevocationValues).
	RevocationFromDocument = "document"
	// RevocationFromOnline: an OCSP response or CRL fetched over the
	// network (verify.online).
	RevocationFromOnline = "online"
)

// ChainCert is one certificate of a chain.
type ChainCert struct {
	Subject  string `json:"subject"`
	Issuer   string `json:"issuer"`
	NotAfter string `json:"not_after"`
}

// vnZone is Vietnam's time (UTC+07:00), in which report times are written.
var vnZone = time.FixedZone("ICT", 7*3600)

func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(vnZone).Format(time.RFC3339)
}

// finish sets the document-level fields from the signatures.
func (r *Report) finish() {
	r.SignatureCount = len(r.Signatures)
	r.Valid = len(r.Signatures) > 0
	for i := range r.Signatures {
		s := &r.Signatures[i]
		if s.ChangesAfter == nil {
			s.ChangesAfter = []Change{}
		}
		if s.Chain == nil {
			s.Chain = []ChainCert{}
		}
		if s.Warnings == nil {
			s.Warnings = []string{}
		}
		if len(s.WarningCodes) != len(s.Warnings) {
			s.WarningCodes = codeWarnings(s.Warnings)
		}
		if s.Signer.Identifiers == nil {
			s.Signer.Identifiers = []string{}
		}
		if s.Indication != TotalPassed {
			r.Valid = false
		}
	}
	if r.Signatures == nil {
		r.Signatures = []Signature{}
	}
	r.WarningCodes = codeWarnings(r.Warnings)
	if len(r.WarningCodes) == 0 {
		r.WarningCodes = nil
	}
}

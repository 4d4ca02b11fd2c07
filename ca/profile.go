package ca

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/model"
)

// Profile names.
const (
	ProfileCitizen  = "citizen"
	ProfileOfficial = "official"
	ProfileSeal     = "seal"
	ProfileTSA      = "tsa"
	ProfileOCSP     = "ocsp"
	// ProfileTLSServer is kyso's own HTTPS server certificate (tls.mode
	// "ca"): EKU serverAuth, key in Vault, issued by kyso itself.
	ProfileTLSServer = "tls-server"
	// ProfileTLSClient is a client system's mutual-TLS certificate: EKU
	// clientAuth, the client's own key (from its CSR), and the client ID
	// in a URI SAN (ClientURIPrefix).
	ProfileTLSClient = "tls-client"
	// profileIssuingCA and profileRoot are internal: they name the records
	// of CA certificates in the certificate table.
	profileIssuingCA = "issuing-ca"
)

// ProfileConfig is the configurable part of a profile.
type ProfileConfig struct {
	// Validity of certificates of this profile; never beyond the issuer's.
	Validity time.Duration `json:"validity"`
	// PolicyOID is the certificate policy identifier (RFC 5280, 4.2.1.4)
	// written into certificates of this profile, in dotted form.
	PolicyOID string `json:"policy_oid"`
}

// defaultPolicyArc is under IANA's documentation enterprise number 32473
// (RFC 5612): placeholder policy identifiers that mark a development CA.
// A production CA configures the policy OIDs registered for it (in Vietnam,
// those of its certificate policy under the national root's arc). A UUID
// arc (2.25.x) would be unregistered too and is not parsed by common
// tools (zlint/zcrypto, some validators) whose arcs are 64-bit.
const defaultPolicyArc = "1.3.6.1.4.1.32473.1"

// DefaultProfiles are the profile settings used when Config leaves them
// unset.
func DefaultProfiles() map[string]ProfileConfig {
	day := 24 * time.Hour
	return map[string]ProfileConfig{
		ProfileCitizen:  {Validity: 2 * 365 * day, PolicyOID: defaultPolicyArc + ".1"},
		ProfileOfficial: {Validity: 3 * 365 * day, PolicyOID: defaultPolicyArc + ".2"},
		ProfileSeal:     {Validity: 3 * 365 * day, PolicyOID: defaultPolicyArc + ".3"},
		ProfileTSA:      {Validity: 5 * 365 * day, PolicyOID: defaultPolicyArc + ".4"},
		ProfileOCSP:     {Validity: 90 * day, PolicyOID: defaultPolicyArc + ".5"},
		// TLS certificates are short-lived: kyso renews its own server
		// certificate when a third of its life is left, and a client
		// system asks for a new one each year.
		ProfileTLSServer: {Validity: 90 * day, PolicyOID: defaultPolicyArc + ".6"},
		ProfileTLSClient: {Validity: 365 * day, PolicyOID: defaultPolicyArc + ".7"},
	}
}

// profile is a resolved profile: what a certificate of this kind looks like.
type profile struct {
	name      string
	validity  time.Duration
	policy    x509.OID
	keyTypes  []string // allowed key types, first is the default
	keyUsage  x509.KeyUsage
	ekuOIDs   []asn1.ObjectIdentifier // written as an EKU extension when set, critical if ekuCrit
	ekuCrit   bool
	ocspCheck bool // add id-pkix-ocsp-nocheck (RFC 6960, 4.2.2.2.1)
	// subject validates the request subject and returns the encoded DN,
	// the e-mail for the SAN (if any) and the canonical subject.
	subject func(model.Subject) ([]byte, string, model.Subject, error)
}

var (
	oidEKUTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
	oidEKUOCSPSigning  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 9}
	oidExtEKU          = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidOCSPNoCheck     = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}
	oidEKUServerAuth   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 1}
	oidEKUClientAuth   = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 2}
	// oidEKUEmailProtection and oidEKUDocumentSigning (RFC 9336) are the
	// purposes of a document signer's certificate; see documentSigningEKU.
	oidEKUEmailProtection = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 4}
	oidEKUDocumentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}
)

// documentSigningEKU is the extended key usage of the citizen, official
// and seal certificates, which sign documents (RFC 5280, 4.2.1.12: a key
// may then be used only for the purposes listed):
//
//   - id-kp-documentSigning (RFC 9336) says exactly that;
//   - emailProtection is what validators that predate RFC 9336 accept for
//     a document signer (Adobe Acrobat among them), and what the
//     Vietnamese Government CA's signer certificates carry.
//
// It never includes clientAuth or serverAuth, which the Government CA's
// signers also carry: a signing key is not a TLS key, and kyso's verifier
// refuses as a document signer a certificate whose purposes are only
// TLS, OCSP, time-stamping or code signing. The extension is not critical
// (RFC 5280, 4.2.1.12 lets it be either), as in the Government CA's
// certificates.
var documentSigningEKU = []asn1.ObjectIdentifier{oidEKUDocumentSigning, oidEKUEmailProtection}

var signingKeyTypes = []string{"rsa-2048", "rsa-3072", "rsa-4096", "ecdsa-p256", "ecdsa-p384"}

// buildProfiles resolves configured profiles over the defaults.
func buildProfiles(cfg map[string]ProfileConfig) (map[string]*profile, error) {
	merged := DefaultProfiles()
	for name, pc := range cfg {
		d, ok := merged[name]
		if !ok {
			names := make([]string, 0, len(merged))
			for n := range merged {
				names = append(names, n)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("ca: unknown profile %q in config (known: %v)", name, names)
		}
		if pc.Validity != 0 {
			d.Validity = pc.Validity
		}
		if pc.PolicyOID != "" {
			d.PolicyOID = pc.PolicyOID
		}
		merged[name] = d
	}
	out := make(map[string]*profile, len(merged))
	for name, pc := range merged {
		if pc.Validity < time.Hour {
			return nil, fmt.Errorf("ca: profile %s: validity %v is shorter than an hour", name, pc.Validity)
		}
		oid, err := x509.ParseOID(pc.PolicyOID)
		if err != nil {
			return nil, fmt.Errorf("ca: profile %s: policy OID %q: %w", name, pc.PolicyOID, err)
		}
		p := &profile{name: name, validity: pc.Validity, policy: oid}
		switch name {
		case ProfileCitizen:
			p.keyTypes = signingKeyTypes
			p.keyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
			p.ekuOIDs = documentSigningEKU
			p.subject = citizenSubject
		case ProfileOfficial:
			p.keyTypes = signingKeyTypes
			p.keyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
			p.ekuOIDs = documentSigningEKU
			p.subject = officialSubject
		case ProfileSeal:
			p.keyTypes = []string{"rsa-3072", "rsa-2048", "rsa-4096", "ecdsa-p256", "ecdsa-p384"}
			p.keyUsage = x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment
			p.ekuOIDs = documentSigningEKU
			p.subject = sealSubject
		case ProfileTSA:
			p.keyTypes = []string{"rsa-3072", "rsa-2048", "rsa-4096", "ecdsa-p256", "ecdsa-p384"}
			p.keyUsage = x509.KeyUsageDigitalSignature
			p.ekuOIDs = []asn1.ObjectIdentifier{oidEKUTimeStamping}
			p.ekuCrit = true // RFC 3161, 2.3: the EKU MUST be critical
			p.subject = serviceSubject
		case ProfileOCSP:
			p.keyTypes = []string{"rsa-3072", "rsa-2048", "rsa-4096", "ecdsa-p256", "ecdsa-p384"}
			p.keyUsage = x509.KeyUsageDigitalSignature
			p.ekuOIDs = []asn1.ObjectIdentifier{oidEKUOCSPSigning}
			p.ocspCheck = true
			p.subject = serviceSubject
		case ProfileTLSServer:
			// ECDSA P-256 first: one Vault signature per handshake, and
			// TLS 1.3 takes a plain ECDSA signature (RSA would need PSS).
			p.keyTypes = []string{"ecdsa-p256", "ecdsa-p384"}
			p.keyUsage = x509.KeyUsageDigitalSignature
			p.ekuOIDs = []asn1.ObjectIdentifier{oidEKUServerAuth}
			p.subject = serviceSubject
		case ProfileTLSClient:
			// The key is the client system's own, from its CSR.
			p.keyTypes = signingKeyTypes
			p.keyUsage = x509.KeyUsageDigitalSignature
			p.ekuOIDs = []asn1.ObjectIdentifier{oidEKUClientAuth}
			p.subject = serviceSubject
		}
		out[name] = p
	}
	return out, nil
}

func citizenSubject(s model.Subject) ([]byte, string, model.Subject, error) {
	var c model.Subject
	var err error
	if c.Name, err = cleanText("subject.name", s.Name, maxCommonName, true); err != nil {
		return nil, "", c, err
	}
	if c.CCCD, err = validateCCCD("subject.cccd", s.CCCD); err != nil {
		return nil, "", c, err
	}
	if c.Locality, err = cleanText("subject.locality", s.Locality, maxLocality, false); err != nil {
		return nil, "", c, err
	}
	if c.Province, err = cleanText("subject.province", s.Province, maxLocality, false); err != nil {
		return nil, "", c, err
	}
	if c.Locality == "" && c.Province == "" {
		return nil, "", c, invalid("subject.locality", "locality or province is required")
	}
	if c.Email, err = checkEmail("subject.email", s.Email); err != nil {
		return nil, "", c, err
	}
	if err := rejectFields(s, "citizen", "title", "unit", "organization", "tax_code", "budget_code"); err != nil {
		return nil, "", c, err
	}
	var b nameBuilder
	b.add(oidCountry, "VN")
	b.add(oidProvince, c.Province)
	b.add(oidLocality, c.Locality)
	b.add(oidCommonName, c.Name)
	b.add(OIDUID, "CCCD:"+c.CCCD)
	der, err := b.der()
	return der, c.Email, c, err
}

func officialSubject(s model.Subject) ([]byte, string, model.Subject, error) {
	var c model.Subject
	var err error
	if c.Name, err = cleanText("subject.name", s.Name, maxCommonName, true); err != nil {
		return nil, "", c, err
	}
	if c.CCCD, err = validateCCCD("subject.cccd", s.CCCD); err != nil {
		return nil, "", c, err
	}
	if c.Title, err = cleanText("subject.title", s.Title, maxTitle, false); err != nil {
		return nil, "", c, err
	}
	if c.Unit, err = cleanText("subject.unit", s.Unit, maxOrgUnit, false); err != nil {
		return nil, "", c, err
	}
	if c.Organization, err = cleanText("subject.organization", s.Organization, maxOrgName, true); err != nil {
		return nil, "", c, err
	}
	if c.Locality, err = cleanText("subject.locality", s.Locality, maxLocality, true); err != nil {
		return nil, "", c, err
	}
	if c.Province, err = cleanText("subject.province", s.Province, maxLocality, false); err != nil {
		return nil, "", c, err
	}
	if c.Email, err = checkEmail("subject.email", s.Email); err != nil {
		return nil, "", c, err
	}
	if err := rejectFields(s, "official", "tax_code", "budget_code"); err != nil {
		return nil, "", c, err
	}
	var b nameBuilder
	b.add(oidCountry, "VN")
	b.add(oidProvince, c.Province)
	b.add(oidLocality, c.Locality)
	b.add(oidOrganization, c.Organization)
	b.add(oidOrgUnit, c.Unit)
	b.add(oidTitle, c.Title)
	b.add(oidCommonName, c.Name)
	b.add(OIDUID, "CCCD:"+c.CCCD)
	b.add(oidEmailAddr, c.Email)
	der, err := b.der()
	return der, c.Email, c, err
}

func sealSubject(s model.Subject) ([]byte, string, model.Subject, error) {
	var c model.Subject
	var err error
	if c.Organization, err = cleanText("subject.organization", s.Organization, maxOrgName, true); err != nil {
		return nil, "", c, err
	}
	if n, _ := cleanText("subject.name", s.Name, maxCommonName, false); n != "" && n != c.Organization {
		return nil, "", c, invalid("subject.name", "must be empty or equal to subject.organization for a seal certificate (CN = O = agency name)")
	}
	c.Name = c.Organization
	c.TaxCode = strings.TrimSpace(s.TaxCode)
	c.BudgetCode = strings.TrimSpace(s.BudgetCode)
	if c.TaxCode != "" && !reTaxCode.MatchString(c.TaxCode) {
		return nil, "", c, invalid("subject.tax_code", "must be a 10-digit tax code (MST), or 10 digits, a hyphen and 3 digits for a branch")
	}
	if c.BudgetCode != "" && !reBudgetCode.MatchString(c.BudgetCode) {
		return nil, "", c, invalid("subject.budget_code", "must be a 7-digit budget-relationship code (mã ĐVQHNS)")
	}
	if c.TaxCode == "" && c.BudgetCode == "" {
		return nil, "", c, invalid("subject.tax_code", "tax_code (MST) or budget_code (MNS) is required for a seal certificate")
	}
	if c.Unit, err = cleanText("subject.unit", s.Unit, maxOrgUnit, false); err != nil {
		return nil, "", c, err
	}
	if c.Locality, err = cleanText("subject.locality", s.Locality, maxLocality, true); err != nil {
		return nil, "", c, err
	}
	if c.Province, err = cleanText("subject.province", s.Province, maxLocality, false); err != nil {
		return nil, "", c, err
	}
	if c.Email, err = checkEmail("subject.email", s.Email); err != nil {
		return nil, "", c, err
	}
	if err := rejectFields(s, "seal", "cccd", "title"); err != nil {
		return nil, "", c, err
	}
	var b nameBuilder
	b.add(oidCountry, "VN")
	b.add(oidProvince, c.Province)
	b.add(oidLocality, c.Locality)
	b.add(oidOrganization, c.Organization)
	b.add(oidOrgUnit, c.Unit)
	b.add(oidCommonName, c.Name)
	if c.TaxCode != "" {
		b.add(OIDUID, "MST:"+c.TaxCode)
	}
	if c.BudgetCode != "" {
		b.add(OIDUID, "MNS:"+c.BudgetCode)
	}
	der, err := b.der()
	return der, c.Email, c, err
}

// serviceSubject is the subject of kyso's own service certificates (TSA,
// OCSP responder, TLS server) and of client systems' TLS certificates: CN
// and O.
func serviceSubject(s model.Subject) ([]byte, string, model.Subject, error) {
	var c model.Subject
	var err error
	if c.Name, err = cleanText("subject.name", s.Name, maxCommonName, true); err != nil {
		return nil, "", c, err
	}
	if c.Organization, err = cleanText("subject.organization", s.Organization, maxOrgName, false); err != nil {
		return nil, "", c, err
	}
	if err := rejectFields(s, "service", "cccd", "title", "unit", "tax_code", "budget_code", "email"); err != nil {
		return nil, "", c, err
	}
	var b nameBuilder
	b.add(oidCountry, "VN")
	b.add(oidOrganization, c.Organization)
	b.add(oidCommonName, c.Name)
	der, err := b.der()
	return der, "", c, err
}

// rejectFields refuses fields that do not belong to a profile, so a
// requester cannot smuggle data into a certificate it does not belong in.
func rejectFields(s model.Subject, profile string, fields ...string) error {
	for _, f := range fields {
		var v string
		switch f {
		case "cccd":
			v = s.CCCD
		case "title":
			v = s.Title
		case "unit":
			v = s.Unit
		case "organization":
			v = s.Organization
		case "tax_code":
			v = s.TaxCode
		case "budget_code":
			v = s.BudgetCode
		case "email":
			v = s.Email
		}
		if v != "" {
			return invalid("subject."+f, "is not part of the %s profile", profile)
		}
	}
	return nil
}

// extensions returns the profile's extra extensions and sets the standard
// fields of tmpl that the profile controls.
func (p *profile) apply(tmpl *x509.Certificate, email string, urls issuerURLs) error {
	tmpl.KeyUsage = p.keyUsage
	tmpl.BasicConstraintsValid = true
	tmpl.IsCA = false
	tmpl.Policies = []x509.OID{p.policy}
	if email != "" {
		tmpl.EmailAddresses = []string{email}
	}
	if !p.ocspCheck {
		tmpl.OCSPServer = []string{urls.ocsp}
	}
	tmpl.IssuingCertificateURL = []string{urls.caIssuers}
	tmpl.CRLDistributionPoints = []string{urls.crl}
	if len(p.ekuOIDs) > 0 {
		v, err := asn1.Marshal(p.ekuOIDs)
		if err != nil {
			return err
		}
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidExtEKU, Critical: p.ekuCrit, Value: v})
	}
	if p.ocspCheck {
		tmpl.ExtraExtensions = append(tmpl.ExtraExtensions, pkix.Extension{Id: oidOCSPNoCheck, Value: asn1.NullBytes})
	}
	return nil
}

// issuerURLs are the public URLs for one issuer (RFC 5280, 4.2.1.13 and
// 4.2.2.1).
type issuerURLs struct{ caIssuers, ocsp, crl string }

func urlsFor(base, issuerName string) issuerURLs {
	n := url.PathEscape(issuerName)
	return issuerURLs{
		caIssuers: base + "/pki/issuers/" + n + ".crt",
		ocsp:      base + "/pki/ocsp",
		crl:       base + "/pki/crl/" + n + ".crl",
	}
}

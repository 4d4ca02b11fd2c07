package etsireport

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/verifier"
)

// Namespaces of the report.
const (
	NamespaceVR    = "http://uri.etsi.org/19102/v1.2.1#"
	NamespaceDS    = "http://www.w3.org/2000/09/xmldsig#"
	NamespaceXAdES = "http://uri.etsi.org/01903/v1.3.2#"
)

// MediaType is the media type of the report.
const MediaType = "application/xml"

// Document describes the validated document.
type Document struct {
	// MimeType is its media type (application/pdf, application/xml).
	MimeType string
	// SHA256 is the SHA-256 digest of the whole document as received.
	SHA256 []byte
}

// Options are what the report says beyond the verifier's report.
type Options struct {
	// ValidationTime is when the document was validated; required.
	ValidationTime time.Time
	// Document is the validated document.
	Document Document
}

// Indication URNs (ETSI TS 119 102-2, 5.1.3 and Annex A).
const (
	urnPassed        = "urn:etsi:019102:mainindication:total-passed"
	urnFailed        = "urn:etsi:019102:mainindication:total-failed"
	urnIndeterminate = "urn:etsi:019102:mainindication:indeterminate"
	urnSubETSI       = "urn:etsi:019102:subindication:"
	// urnSubKyso prefixes kyso's sub-indications that ETSI EN 319 102-1
	// does not define (changes after signing in a PDF, ambiguous
	// revisions).
	urnSubKyso = "urn:kyso:019102:subindication:"
	// urnWarning and urnChange type the AdditionalValidationReportData
	// entries: a warning of kyso's report by its code, a change after
	// signing by its kind.
	urnWarning = "urn:kyso:019102:warning:"
	urnChange  = "urn:kyso:019102:change:"
	urnDetail  = "urn:kyso:019102:detail"
	// urnRevocationUsed names a validation object (OCSP response, CRL)
	// that gave a status; urnRegistry a status given by kyso's
	// certificate registry (kyso's own CA), which has no object.
	urnRevocationUsed = "urn:kyso:019102:revocation-data-used"
	urnRegistry       = "urn:kyso:019102:registry"
	// urnLevel prefixes the signature's baseline level
	// (SignatureQualityInformation): kyso does not judge EU
	// qualification; it says which baseline level the signature reaches.
	urnLevel = "urn:kyso:019102:level:"

	urnCertificate = "urn:etsi:019102:validationObject:certificate"
	urnCRL         = "urn:etsi:019102:validationObject:CRL"
	urnOCSP        = "urn:etsi:019102:validationObject:OCSPResponse"
	urnSignedData  = "urn:etsi:019102:validationObject:signedData"
	urnPOEValid    = "urn:etsi:019102:poetype:validation"

	urnProcessBasic = "urn:etsi:019102:validationprocess:Basic"
	urnProcessLTVM  = "urn:etsi:019102:validationprocess:LTVM"
	urnProcessLTA   = "urn:etsi:019102:validationprocess:LTA"
)

// kysoSub are kyso's sub-indications outside ETSI EN 319 102-1's list.
var kysoSub = map[verifier.SubIndication]bool{
	verifier.ChangedAfterSigning: true,
	verifier.AmbiguousRevision:   true,
}

// Marshal writes rep as an ETSI TS 119 102-2 ValidationReport. A report
// without signatures has no SignatureValidationReport, which the schema
// requires at least once: Marshal refuses it.
func Marshal(rep *verifier.Report, o Options) ([]byte, error) {
	if rep == nil || len(rep.Signatures) == 0 {
		return nil, errors.New("etsireport: the document has no signature to report on")
	}
	if o.ValidationTime.IsZero() {
		return nil, errors.New("etsireport: no validation time")
	}
	b := &builder{o: o, ids: map[string]bool{}}
	out := validationReport{
		XMLNS:      NamespaceVR,
		XMLNSDS:    NamespaceDS,
		XMLNSXAdES: NamespaceXAdES,
	}
	if len(o.Document.SHA256) > 0 {
		b.add(validationObject{
			ID:         "D-" + hex.EncodeToString(o.Document.SHA256),
			ObjectType: urnSignedData,
			Repr:       representation{Digest: digestOf(crypto.SHA256, o.Document.SHA256)},
			POE:        &poe{Time: xmlTime(o.ValidationTime), TypeOfProof: urnPOEValid},
		})
	}
	for i := range rep.Signatures {
		out.Reports = append(out.Reports, b.signature(i, &rep.Signatures[i]))
	}
	if len(b.objects) > 0 {
		out.Objects = &objectList{Objects: b.objects}
	}
	x, err := xml.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("etsireport: %w", err)
	}
	return append([]byte(xml.Header), append(x, '\n')...), nil
}

// builder collects the validation objects, each once.
type builder struct {
	o       Options
	ids     map[string]bool
	objects []validationObject
}

func (b *builder) add(v validationObject) string {
	if !b.ids[v.ID] {
		b.ids[v.ID] = true
		b.objects = append(b.objects, v)
	}
	return v.ID
}

// cert adds a certificate and returns its id.
func (b *builder) cert(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return b.add(validationObject{
		ID:         "C-" + hex.EncodeToString(sum[:]),
		ObjectType: urnCertificate,
		Repr:       representation{Base64: b64(c.Raw)},
		POE:        &poe{Time: xmlTime(b.o.ValidationTime), TypeOfProof: urnPOEValid},
	})
}

// revocation adds an OCSP response or CRL and returns its id ("" for an
// answer of kyso's registry, which has no object).
func (b *builder) revocation(r verifier.RevocationEvidence) string {
	var typ string
	switch r.Kind {
	case verifier.RevocationOCSP:
		typ = urnOCSP
	case verifier.RevocationCRL:
		typ = urnCRL
	default:
		return ""
	}
	sum := sha256.Sum256(r.DER)
	return b.add(validationObject{
		ID:         "R-" + hex.EncodeToString(sum[:]),
		ObjectType: typ,
		Repr:       representation{Base64: b64(r.DER)},
		POE:        &poe{Time: xmlTime(b.o.ValidationTime), TypeOfProof: urnPOEValid},
	})
}

func (b *builder) signature(i int, s *verifier.Signature) signatureValidationReport {
	ev := s.Evidence
	if ev == nil {
		ev = &verifier.Evidence{}
	}
	out := signatureValidationReport{}

	// Which signature: the digest of its value and the field's name.
	id := &signatureIdentifier{ID: fmt.Sprintf("S-%d", i+1), DAIdentifier: s.Field}
	if len(ev.SignatureValue) > 0 {
		sum := sha256.Sum256(ev.SignatureValue)
		id.Digest = digestOf(crypto.SHA256, sum[:])
		id.SignatureValue = &signatureValue{Value: b64(ev.SignatureValue)}
	}
	out.Identifier = id

	// When: the validation time, and the earliest proven existence (or
	// the validation time when nothing proves an earlier one, ETSI EN
	// 319 102-1, 5.6.2.1).
	best := b.o.ValidationTime
	if t, err := time.Parse(time.RFC3339, s.ProvenTime); err == nil {
		best = t
	}
	out.TimeInfo = &validationTimeInfo{
		ValidationTime:    xmlTime(b.o.ValidationTime),
		BestSignatureTime: poe{Time: xmlTime(best), TypeOfProof: urnPOEValid},
	}

	if len(ev.SignedDigest) > 0 {
		out.SignersDocument = &signersDocument{Digest: *digestOf(ev.DigestHash, ev.SignedDigest)}
	}

	// The signature's attributes as the document states them.
	attrs := &signatureAttributes{}
	if t, err := time.Parse(time.RFC3339, s.ClaimedTime); err == nil {
		attrs.Items = append(attrs.Items, saSigningTime{XMLName: xml.Name{Local: "SigningTime"}, Time: xmlTime(t)})
	}
	if m := b.o.Document.MimeType; m != "" {
		attrs.Items = append(attrs.Items, saDataObjectFormat{MimeType: m})
	}
	if s.Reason != "" {
		attrs.Items = append(attrs.Items, saReason{Reason: s.Reason})
	}
	if s.Location != "" {
		attrs.Items = append(attrs.Items, saPlace{Address: []string{s.Location}})
	}
	if s.SubFilter != "" {
		attrs.Items = append(attrs.Items, saSubFilter{SubFilter: s.SubFilter})
	}
	if len(attrs.Items) > 0 {
		out.Attributes = attrs
	}

	// Who: the signer's certificate and name.
	var chainIDs []string
	for _, c := range ev.Chain {
		chainIDs = append(chainIDs, b.cert(c))
	}
	if len(chainIDs) > 0 {
		out.SignerInformation = &signerInformation{
			SignerCertificate: voRef{Ref: chainIDs[0]},
			Signer:            signerName(s.Signer),
		}
	}

	if s.Level != "" && s.Level != verifier.LevelNotPAdES {
		out.Quality = &signatureQuality{Info: []string{urnLevel + s.Level}}
	}
	process := urnProcessBasic
	switch {
	case s.Level == verifier.LevelBLTA || s.Type == verifier.TypeDocumentTimestamp && s.Indication == verifier.TotalPassed:
		process = urnProcessLTA
	case s.ProvenTime != "":
		process = urnProcessLTVM
	}
	out.Process = &validationProcess{ID: process}

	// The verdict, with the chain, the revocation data and kyso's
	// warnings and changes after signing.
	st := validationStatus{MainIndication: mainIndication(s.Indication)}
	if s.SubIndication != "" {
		prefix := urnSubETSI
		if kysoSub[s.SubIndication] {
			prefix = urnSubKyso
		}
		st.SubIndication = []string{prefix + string(s.SubIndication)}
	}
	data := validationReportData{}
	if len(chainIDs) > 0 {
		cc := &certificateChain{SigningCertificate: voRef{Ref: chainIDs[0]}}
		last := len(chainIDs)
		if ev.Trusted && len(chainIDs) > 1 {
			last--
			cc.TrustAnchor = &voRef{Ref: chainIDs[last]}
			data.TrustAnchor = &voRef{Ref: chainIDs[last]}
		}
		for _, id := range chainIDs[1:last] {
			cc.Intermediate = append(cc.Intermediate, voRef{Ref: id})
		}
		data.CertificateChain = cc
	}
	var revIDs []string
	for _, r := range ev.Revocation {
		rid := b.revocation(r)
		if rid != "" {
			revIDs = append(revIDs, rid)
		}
		if r.Revoked && data.RevocationStatus == nil && r.Cert != nil {
			rs := &revocationStatus{
				Certificate: voRef{Ref: b.cert(r.Cert)},
				Time:        xmlTime(r.RevokedAt),
			}
			if rid != "" {
				rs.Object = &voRef{Ref: rid}
			}
			data.RevocationStatus = rs
		}
	}
	var extra []typedData
	if s.Detail != "" {
		extra = append(extra, typedData{Type: urnDetail, Value: s.Detail})
	}
	for _, w := range s.WarningCodes {
		extra = append(extra, typedData{Type: urnWarning + w.Code, Value: w.Text})
	}
	for _, c := range s.ChangesAfter {
		allowed := "allowed"
		if !c.Allowed {
			allowed = "not allowed"
		}
		v := allowed
		if c.Detail != "" {
			v = c.Detail + " (" + allowed + ")"
		}
		extra = append(extra, typedData{Type: urnChange + c.Kind, Value: v})
	}
	for _, r := range ev.Revocation {
		if r.Kind == "" {
			what := "good"
			if r.Revoked {
				what = "revoked at " + xmlTime(r.RevokedAt)
			}
			subject := ""
			if r.Cert != nil {
				subject = r.Cert.Subject.String() + ": "
			}
			extra = append(extra, typedData{Type: urnRegistry, Value: subject + what + " per " + r.Source + " at " + xmlTime(r.ThisUpdate)})
		}
	}
	// The revocation data used are validation objects; the schema has a
	// reference to them only for a revocation (RevocationStatusInformation),
	// so each is named here.
	for _, rid := range revIDs {
		extra = append(extra, typedData{Type: urnRevocationUsed, Value: rid})
	}
	if len(extra) > 0 {
		data.Additional = &additionalData{Data: extra}
	}
	if data != (validationReportData{}) {
		st.Data = append(st.Data, data)
	}
	out.Status = st
	return out
}

// signerName is the signer as one line: the certificate's name and
// organisation.
func signerName(s verifier.Signer) string {
	name := s.Name
	if s.Organization != "" && s.Organization != s.Name {
		name += ", " + s.Organization
	}
	return name
}

func mainIndication(ind verifier.Indication) string {
	switch ind {
	case verifier.TotalPassed:
		return urnPassed
	case verifier.TotalFailed:
		return urnFailed
	}
	return urnIndeterminate
}

// digestURI names a hash as XML Signature does (RFC 6931).
func digestURI(h crypto.Hash) string {
	switch h {
	case crypto.MD5:
		return "http://www.w3.org/2001/04/xmldsig-more#md5"
	case crypto.SHA1:
		return "http://www.w3.org/2000/09/xmldsig#sha1"
	case crypto.SHA224:
		return "http://www.w3.org/2001/04/xmldsig-more#sha224"
	case crypto.SHA256:
		return "http://www.w3.org/2001/04/xmlenc#sha256"
	case crypto.SHA384:
		return "http://www.w3.org/2001/04/xmldsig-more#sha384"
	case crypto.SHA512:
		return "http://www.w3.org/2001/04/xmlenc#sha512"
	case crypto.SHA3_256:
		return "http://www.w3.org/2007/05/xmldsig-more#sha3-256"
	case crypto.SHA3_384:
		return "http://www.w3.org/2007/05/xmldsig-more#sha3-384"
	case crypto.SHA3_512:
		return "http://www.w3.org/2007/05/xmldsig-more#sha3-512"
	}
	return "urn:etsi:019102:algorithm:unidentified"
}

func digestOf(h crypto.Hash, v []byte) *digestAlgAndValue {
	return &digestAlgAndValue{Method: digestMethod{Algorithm: digestURI(h)}, Value: b64(v)}
}

func b64(v []byte) string { return base64.StdEncoding.EncodeToString(v) }

// xmlTime writes t as an xs:dateTime in UTC.
func xmlTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

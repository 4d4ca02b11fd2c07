package etsireport

import "encoding/xml"

// The XML shapes of ETSI TS 119 102-2 (the XSD in testdata/xsd). The
// report's own elements are in the default namespace; XML Signature's
// carry the ds prefix, declared on the root.

type validationReport struct {
	XMLName    xml.Name                    `xml:"ValidationReport"`
	XMLNS      string                      `xml:"xmlns,attr"`
	XMLNSDS    string                      `xml:"xmlns:ds,attr"`
	XMLNSXAdES string                      `xml:"xmlns:XAdES,attr"`
	Reports    []signatureValidationReport `xml:"SignatureValidationReport"`
	Objects    *objectList                 `xml:"SignatureValidationObjects,omitempty"`
}

type signatureValidationReport struct {
	Identifier        *signatureIdentifier `xml:"SignatureIdentifier,omitempty"`
	TimeInfo          *validationTimeInfo  `xml:"ValidationTimeInfo,omitempty"`
	SignersDocument   *signersDocument     `xml:"SignersDocument,omitempty"`
	Attributes        *signatureAttributes `xml:"SignatureAttributes,omitempty"`
	SignerInformation *signerInformation   `xml:"SignerInformation,omitempty"`
	Quality           *signatureQuality    `xml:"SignatureQuality,omitempty"`
	Process           *validationProcess   `xml:"SignatureValidationProcess,omitempty"`
	Status            validationStatus     `xml:"SignatureValidationStatus"`
}

type signatureIdentifier struct {
	ID             string             `xml:"id,attr"`
	Digest         *digestAlgAndValue `xml:"DigestAlgAndValue,omitempty"`
	SignatureValue *signatureValue    `xml:"ds:SignatureValue,omitempty"`
	HashOnly       bool               `xml:"HashOnly"`
	DocHashOnly    bool               `xml:"DocHashOnly"`
	DAIdentifier   string             `xml:"DAIdentifier,omitempty"`
}

type signatureValue struct {
	Value string `xml:",chardata"`
}

type digestAlgAndValue struct {
	Method digestMethod `xml:"ds:DigestMethod"`
	Value  string       `xml:"ds:DigestValue"`
}

type digestMethod struct {
	Algorithm string `xml:"Algorithm,attr"`
}

type validationTimeInfo struct {
	ValidationTime    string `xml:"ValidationTime"`
	BestSignatureTime poe    `xml:"BestSignatureTime"`
}

type poe struct {
	Time        string `xml:"POETime"`
	TypeOfProof string `xml:"TypeOfProof"`
}

type signersDocument struct {
	Digest digestAlgAndValue `xml:"DigestAlgAndValue"`
}

// signatureAttributes is a choice of SA* elements, in any order.
type signatureAttributes struct {
	Items []any
}

func (a *signatureAttributes) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	for _, it := range a.Items {
		if err := e.Encode(it); err != nil {
			return err
		}
	}
	return e.EncodeToken(start.End())
}

type saSigningTime struct {
	XMLName xml.Name
	Time    string `xml:"Time"`
}

type saDataObjectFormat struct {
	XMLName  xml.Name `xml:"DataObjectFormat"`
	MimeType string   `xml:"MimeType"`
}

type saReason struct {
	XMLName xml.Name `xml:"Reason"`
	Reason  string   `xml:"ReasonElement"`
}

type saPlace struct {
	XMLName xml.Name `xml:"SignatureProductionPlace"`
	Address []string `xml:"AddressString"`
}

type saSubFilter struct {
	XMLName   xml.Name `xml:"SubFilter"`
	SubFilter string   `xml:"SubFilterElement"`
}

type voRef struct {
	Ref string `xml:"VOReference,attr"`
}

type signerInformation struct {
	SignerCertificate voRef  `xml:"SignerCertificate"`
	Signer            string `xml:"Signer,omitempty"`
}

type signatureQuality struct {
	Info []string `xml:"SignatureQualityInformation"`
}

type validationProcess struct {
	ID string `xml:"SignatureValidationProcessID"`
}

type validationStatus struct {
	MainIndication string                 `xml:"MainIndication"`
	SubIndication  []string               `xml:"SubIndication"`
	Data           []validationReportData `xml:"AssociatedValidationReportData"`
}

type validationReportData struct {
	TrustAnchor      *voRef            `xml:"TrustAnchor,omitempty"`
	CertificateChain *certificateChain `xml:"CertificateChain,omitempty"`
	RevocationStatus *revocationStatus `xml:"RevocationStatusInformation,omitempty"`
	Additional       *additionalData   `xml:"AdditionalValidationReportData,omitempty"`
}

type certificateChain struct {
	SigningCertificate voRef   `xml:"SigningCertificate"`
	Intermediate       []voRef `xml:"IntermediateCertificate"`
	TrustAnchor        *voRef  `xml:"TrustAnchor,omitempty"`
}

type revocationStatus struct {
	Certificate voRef  `xml:"ValidationObjectId"`
	Time        string `xml:"RevocationTime"`
	Object      *voRef `xml:"RevocationObject,omitempty"`
}

type additionalData struct {
	Data []typedData `xml:"ReportData"`
}

type typedData struct {
	Type  string `xml:"Type"`
	Value string `xml:"Value"`
}

type objectList struct {
	Objects []validationObject `xml:"ValidationObject"`
}

type validationObject struct {
	ID         string         `xml:"id,attr"`
	ObjectType string         `xml:"ObjectType"`
	Repr       representation `xml:"ValidationObjectRepresentation"`
	POE        *poe           `xml:"POE,omitempty"`
}

type representation struct {
	Base64 string             `xml:"base64,omitempty"`
	Digest *digestAlgAndValue `xml:"DigestAlgAndValue,omitempty"`
}

package truststore

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/verifier"
)

// Trusted lists of ETSI TS 119 612 (v2.1.1; the XML schema of v2.2.1 has
// the same namespace and elements for what is read and written here).
const (
	// TSLNamespace is the trusted list's XML namespace (TS 119 612, B.1).
	TSLNamespace = "http://uri.etsi.org/02231/v2#"
	// tslTag is TSLTag (TS 119 612, 5.2).
	tslTag = "http://uri.etsi.org/19612/TSLTag"
	// statusGranted is the status of a service that is trusted now
	// (TS 119 612, 5.5.4, D.5); the others below are the statuses of
	// trusted lists before eIDAS that meant the same.
	statusGranted = "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"
	// typeCAPKC is a CA issuing public-key certificates (5.5.1.1).
	typeCAPKC = "http://uri.etsi.org/TrstSvc/Svctype/CA/PKC"
	// typeTSA is a time-stamping authority.
	typeTSA = "http://uri.etsi.org/TrstSvc/Svctype/TSA"
)

// trustedStatuses are the service statuses whose certificates are
// imported: granted, and its pre-eIDAS equivalents. withdrawn and every
// other status are left out.
var trustedStatuses = map[string]bool{
	statusGranted: true,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/undersupervision":       true,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/accredited":             true,
	"http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/supervisionincessation": true,
}

// ErrTSL is a trusted list that cannot be read or imported.
var ErrTSL = errkind.New(errkind.Invalid, "truststore: trusted list")

// Bounds of a trusted list read.
const (
	maxTSLBytes    = 32 << 20
	maxTSLServices = 5000
)

// The XML of a trusted list, as far as kyso reads and writes it.
type (
	tslList struct {
		XMLName    xml.Name     `xml:"http://uri.etsi.org/02231/v2# TrustServiceStatusList"`
		TSLTag     string       `xml:"TSLTag,attr"`
		Scheme     tslScheme    `xml:"SchemeInformation"`
		Providers  *tslProvList `xml:"TrustServiceProviderList"`
		HasSigElem *struct{}    `xml:"http://www.w3.org/2000/09/xmldsig# Signature"`
	}
	tslScheme struct {
		Version            int        `xml:"TSLVersionIdentifier"`
		Sequence           uint64     `xml:"TSLSequenceNumber"`
		Type               string     `xml:"TSLType"`
		OperatorName       tslNames   `xml:"SchemeOperatorName"`
		OperatorAddress    tslAddress `xml:"SchemeOperatorAddress"`
		Name               tslNames   `xml:"SchemeName"`
		InformationURI     tslURIs    `xml:"SchemeInformationURI"`
		StatusApproach     string     `xml:"StatusDeterminationApproach"`
		Territory          string     `xml:"SchemeTerritory,omitempty"`
		HistoricalPeriod   int        `xml:"HistoricalInformationPeriod"`
		ListIssueDateTime  string     `xml:"ListIssueDateTime"`
		NextUpdate         tslNext    `xml:"NextUpdate"`
		DistributionPoints *tslPlain  `xml:"DistributionPoints,omitempty"`
	}
	tslNext struct {
		DateTime string `xml:"dateTime,omitempty"`
	}
	tslPlain struct {
		URI []string `xml:"URI"`
	}
	tslNames struct {
		Name []tslLang `xml:"Name"`
	}
	tslLang struct {
		Lang  string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		Value string `xml:",chardata"`
	}
	tslURIs struct {
		URI []tslLang `xml:"URI"`
	}
	tslAddress struct {
		Postal     tslPostalList `xml:"PostalAddresses"`
		Electronic tslURIs       `xml:"ElectronicAddress"`
	}
	tslPostalList struct {
		Address []tslPostal `xml:"PostalAddress"`
	}
	tslPostal struct {
		Lang     string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		Street   string `xml:"StreetAddress"`
		Locality string `xml:"Locality"`
		Country  string `xml:"CountryName"`
	}
	tslProvList struct {
		Provider []tslProvider `xml:"TrustServiceProvider"`
	}
	tslProvider struct {
		Info     tslTSPInfo `xml:"TSPInformation"`
		Services struct {
			Service []tslService `xml:"TSPService"`
		} `xml:"TSPServices"`
	}
	tslTSPInfo struct {
		Name    tslNames   `xml:"TSPName"`
		Address tslAddress `xml:"TSPAddress"`
		InfoURI tslURIs    `xml:"TSPInformationURI"`
	}
	tslService struct {
		Info tslServiceInfo `xml:"ServiceInformation"`
	}
	tslServiceInfo struct {
		Type     string   `xml:"ServiceTypeIdentifier"`
		Name     tslNames `xml:"ServiceName"`
		Identity struct {
			DigitalID []tslDigitalID `xml:"DigitalId"`
		} `xml:"ServiceDigitalIdentity"`
		Status   string `xml:"ServiceStatus"`
		Starting string `xml:"StatusStartingTime"`
	}
	tslDigitalID struct {
		X509Certificate string `xml:"X509Certificate,omitempty"`
	}
)

// first returns the English name, else the first.
func (n tslNames) first() string {
	for _, l := range n.Name {
		if l.Lang == "en" {
			return strings.TrimSpace(l.Value)
		}
	}
	if len(n.Name) > 0 {
		return strings.TrimSpace(n.Name[0].Value)
	}
	return ""
}

// TSLCert is a certificate imported from a trusted list.
type TSLCert struct {
	Cert *x509.Certificate
	// Source says where in the list it was: the list's territory and
	// sequence number, the provider, the service, its type and status.
	Source string
}

// TSL is what ImportTSL read of a trusted list.
type TSL struct {
	Territory string
	Sequence  uint64
	Issued    string
	// Signed is true when the list carries an XML signature (checked by
	// CheckTSLSignature, not by ImportTSL).
	Signed bool
	Certs  []TSLCert
	// Left names the services left out (a status other than granted, or
	// a certificate that does not parse).
	Left []string
}

// ImportTSL reads a TS 119 612 trusted list and returns the certificates
// of the service digital identities (X509Certificate) of its services
// whose status is granted (or a pre-eIDAS equivalent); services with
// another status (withdrawn…) are named in Left. A certificate listed
// under several services is returned once.
func ImportTSL(data []byte) (*TSL, error) {
	if len(data) > maxTSLBytes {
		return nil, ErrTSL.Errorf("larger than %d bytes", maxTSLBytes)
	}
	if bytes.Contains(data, []byte("<!DOCTYPE")) {
		return nil, ErrTSL.Errorf("a DTD is not accepted")
	}
	var l tslList
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	if err := dec.Decode(&l); err != nil {
		return nil, ErrTSL.Errorf("not a TS 119 612 trusted list: %v", err)
	}
	out := &TSL{Territory: l.Scheme.Territory, Sequence: l.Scheme.Sequence, Issued: l.Scheme.ListIssueDateTime, Signed: l.HasSigElem != nil}
	if l.Providers == nil {
		return out, nil
	}
	seen := map[string]bool{}
	n := 0
	for _, p := range l.Providers.Provider {
		tsp := p.Info.Name.first()
		for _, s := range p.Services.Service {
			if n++; n > maxTSLServices {
				return nil, ErrTSL.Errorf("more than %d services", maxTSLServices)
			}
			name := s.Info.Name.first()
			where := fmt.Sprintf("TL %s #%d, %s, service %q (%s, %s)", l.Scheme.Territory, l.Scheme.Sequence, tsp, name,
				lastPart(s.Info.Type), lastPart(s.Info.Status))
			if !trustedStatuses[strings.TrimSpace(s.Info.Status)] {
				out.Left = append(out.Left, where)
				continue
			}
			for _, id := range s.Info.Identity.DigitalID {
				b64 := strings.Join(strings.Fields(id.X509Certificate), "")
				if b64 == "" {
					continue
				}
				der, err := base64.StdEncoding.DecodeString(b64)
				if err != nil {
					out.Left = append(out.Left, where+": not base64")
					continue
				}
				c, err := x509.ParseCertificate(der)
				if err != nil {
					out.Left = append(out.Left, where+": "+err.Error())
					continue
				}
				fp := sha256Hex(c.Raw)
				if seen[fp] {
					continue
				}
				seen[fp] = true
				out.Certs = append(out.Certs, TSLCert{Cert: c, Source: where})
			}
		}
	}
	return out, nil
}

func lastPart(uri string) string {
	uri = strings.TrimSpace(uri)
	if i := strings.Index(uri, "/Svctype/"); i >= 0 {
		return uri[i+len("/Svctype/"):]
	}
	if i := strings.LastIndex(uri, "/"); i >= 0 {
		return uri[i+1:]
	}
	return uri
}

// CheckTSLSignature checks the trusted list's enveloped XML signature
// with kyso's XML verifier, trusting only the scheme operator's
// certificates in operators: the list must carry exactly one signature,
// whose reference covers the whole list, and which verifies and chains to
// one of operators (revocation of the operator's certificate may be
// unknown: an offline check).
func CheckTSLSignature(ctx context.Context, data []byte, operators []*x509.Certificate) error {
	pool := x509.NewCertPool()
	for _, c := range operators {
		pool.AddCert(c)
	}
	rep, err := verifier.VerifyXML(ctx, data, verifier.Options{Roots: pool, Intermediates: x509.NewCertPool(), TrustCerts: operators})
	if err != nil {
		return ErrTSL.Errorf("signature: %v", err)
	}
	if len(rep.Signatures) != 1 {
		return ErrTSL.Errorf("signature: want exactly one XML signature, the list has %d", len(rep.Signatures))
	}
	s := rep.Signatures[0]
	whole := false
	for _, r := range s.References {
		whole = whole || (r.URI == "" && r.Covers == "/" && r.DigestValid)
	}
	switch {
	case !whole:
		return ErrTSL.Errorf("signature: no reference covers the whole list")
	case s.Indication == verifier.TotalPassed:
		return nil
	case s.Indication == verifier.Indeterminate && s.SubIndication == verifier.TryLater:
		return nil // the operator's certificate's revocation status is unknown offline
	}
	msg := string(s.Indication)
	if s.SubIndication != "" {
		msg += "/" + string(s.SubIndication)
	}
	if s.Detail != "" {
		msg += ": " + s.Detail
	}
	return ErrTSL.Errorf("signature: %s", msg)
}

// TSLExport describes the list ExportTSL writes.
type TSLExport struct {
	// Operator is the scheme operator's name (the agency publishing it).
	Operator string
	// OperatorURI is its web address; Territory its country code ("VN").
	OperatorURI string
	Territory   string
	// Sequence is the list's sequence number (the bundle's version).
	Sequence uint64
	// Issued is the issue time; NextUpdate when the next list is due.
	Issued, NextUpdate time.Time
}

// ExportTSL writes certs (a bundle's certificates) as an unsigned TS 119
// 612 trusted list: one trust service provider per organisation (O) of
// the certificates' subjects, one service per certificate (CA/PKC, or TSA
// for a time-stamping certificate), status granted since the
// certificate's notBefore. The XML is valid against TS 119 612's schema.
func ExportTSL(certs []verifier.TrustCert, e TSLExport) ([]byte, error) {
	if len(certs) == 0 {
		return nil, ErrTSL.Errorf("no certificate to export")
	}
	if e.Sequence == 0 {
		e.Sequence = 1
	}
	if e.Territory == "" {
		e.Territory = "VN"
	}
	if e.Operator == "" {
		e.Operator = "kyso"
	}
	if e.OperatorURI == "" {
		e.OperatorURI = "https://kyso.invalid/"
	}
	en := func(s string) tslNames { return tslNames{Name: []tslLang{{Lang: "en", Value: s}}} }
	addr := tslAddress{
		Postal:     tslPostalList{Address: []tslPostal{{Lang: "en", Street: "-", Locality: "-", Country: e.Territory}}},
		Electronic: tslURIs{URI: []tslLang{{Lang: "en", Value: e.OperatorURI}}},
	}
	l := tslList{TSLTag: tslTag, Scheme: tslScheme{
		Version:           5,
		Sequence:          e.Sequence,
		Type:              "http://uri.etsi.org/TrstSvc/TrustedList/TSLType/" + e.Territory + "generic",
		OperatorName:      en(e.Operator),
		OperatorAddress:   addr,
		Name:              en(e.Territory + ": trust anchors of " + e.Operator),
		InformationURI:    tslURIs{URI: []tslLang{{Lang: "en", Value: e.OperatorURI}}},
		StatusApproach:    "http://uri.etsi.org/TrstSvc/TrustedList/StatusDetn/EUappropriate",
		Territory:         e.Territory,
		HistoricalPeriod:  65535,
		ListIssueDateTime: e.Issued.UTC().Format(time.RFC3339),
		NextUpdate:        tslNext{DateTime: e.NextUpdate.UTC().Format(time.RFC3339)},
	}}
	byOrg := map[string][]verifier.TrustCert{}
	var orgs []string
	for _, c := range certs {
		o := strings.Join(c.Cert.Subject.Organization, ", ")
		if o == "" {
			o = c.Cert.Subject.CommonName
		}
		if _, ok := byOrg[o]; !ok {
			orgs = append(orgs, o)
		}
		byOrg[o] = append(byOrg[o], c)
	}
	sort.Strings(orgs)
	l.Providers = &tslProvList{}
	for _, o := range orgs {
		p := tslProvider{Info: tslTSPInfo{Name: en(o), Address: addr, InfoURI: tslURIs{URI: []tslLang{{Lang: "en", Value: e.OperatorURI}}}}}
		for _, c := range byOrg[o] {
			typ := typeCAPKC
			if isTSA(c.Cert) {
				typ = typeTSA
			}
			name := c.Cert.Subject.CommonName
			if name == "" {
				name = c.Cert.Subject.String()
			}
			s := tslService{Info: tslServiceInfo{Type: typ, Name: en(name), Status: statusGranted,
				Starting: c.Cert.NotBefore.UTC().Format(time.RFC3339)}}
			s.Info.Identity.DigitalID = []tslDigitalID{{X509Certificate: base64.StdEncoding.EncodeToString(c.Cert.Raw)}}
			p.Services.Service = append(p.Services.Service, s)
		}
		l.Providers.Provider = append(l.Providers.Provider, p)
	}
	b, err := xml.MarshalIndent(l, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

func isTSA(c *x509.Certificate) bool {
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageTimeStamping {
			return true
		}
	}
	return false
}

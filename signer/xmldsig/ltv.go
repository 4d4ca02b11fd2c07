package xmldsig

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"fmt"

	"github.com/beevik/etree"
	"github.com/digitorus/timestamp"
	"github.com/kyso-vn/kyso/internal/xmlsig"
	"golang.org/x/crypto/ocsp"
)

// Revocation supplies certificate status for XAdES B-LT and B-LTA
// signatures; kyso's CA provides it in process (the source PAdES B-LT uses).
type Revocation interface {
	// OCSP returns a DER OCSPResponse (RFC 6960) for cert, issued by
	// issuer, or nil when the issuer runs no OCSP responder; the issuer's
	// CRL must then be available.
	OCSP(ctx context.Context, cert, issuer *x509.Certificate) ([]byte, error)
	// CRL returns issuer's current DER CRL (RFC 5280), or nil when it has
	// none.
	CRL(ctx context.Context, issuer *x509.Certificate) ([]byte, error)
}

// maxChain bounds the certificate paths built for validation data.
const maxChain = 8

// ltvData is the validation data of a signature: certificates, OCSP
// responses and CRLs, each once.
type ltvData struct {
	certs, ocsps, crls [][]byte
	statused           map[string]bool
	crlOf              map[string]*x509.RevocationList
}

func appendOnce(list [][]byte, b []byte) [][]byte {
	for _, have := range list {
		if bytes.Equal(have, b) {
			return list
		}
	}
	return append(list, b)
}

// validationValues adds CertificateValues and RevocationValues (ETSI EN
// 319 132-1, 5.5.1 and 5.5.2) to sig: the signer's chain up to its root
// and the signature time-stamp's TSA chain, with an OCSP response or CRL
// for every certificate but the roots. A revoked certificate, or one whose
// status cannot be shown offline, fails the signing.
func (p *plan) validationValues(ctx context.Context, sig *etree.Element, ts *timestamp.Timestamp) error {
	chain := append([]*x509.Certificate{p.cred.Cert}, p.cred.Chain...)
	if !selfSigned(chain[len(chain)-1]) {
		return ErrInvalid.Errorf("XAdES %s needs the credential's chain up to its root", p.opts.Level)
	}
	v := &ltvData{statused: map[string]bool{}, crlOf: map[string]*x509.RevocationList{}}
	if err := p.collect(ctx, v, chain); err != nil {
		return err
	}
	tsChain, err := tsaChain(ts, chain)
	if err != nil {
		return err
	}
	if err := p.collect(ctx, v, tsChain); err != nil {
		return err
	}
	usp := sig.FindElement("./Object/xades:QualifyingProperties/xades:UnsignedProperties/xades:UnsignedSignatureProperties")
	cv := usp.CreateElement("xades:CertificateValues")
	for _, c := range v.certs {
		cv.CreateElement("xades:EncapsulatedX509Certificate").SetText(base64.StdEncoding.EncodeToString(c))
	}
	rv := usp.CreateElement("xades:RevocationValues")
	if len(v.crls) > 0 {
		crls := rv.CreateElement("xades:CRLValues")
		for _, c := range v.crls {
			crls.CreateElement("xades:EncapsulatedCRLValue").SetText(base64.StdEncoding.EncodeToString(c))
		}
	}
	if len(v.ocsps) > 0 {
		ocsps := rv.CreateElement("xades:OCSPValues")
		for _, o := range v.ocsps {
			ocsps.CreateElement("xades:EncapsulatedOCSPValue").SetText(base64.StdEncoding.EncodeToString(o))
		}
	}
	return nil
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil
}

// tsaChain is the path from the token's TSA certificate to a root, built
// from the token's certificates and the signer's chain.
func tsaChain(ts *timestamp.Timestamp, known []*x509.Certificate) ([]*x509.Certificate, error) {
	var leaf *x509.Certificate
	for _, c := range ts.Certificates {
		for _, u := range c.ExtKeyUsage {
			if u == x509.ExtKeyUsageTimeStamping {
				leaf = c
			}
		}
	}
	if leaf == nil {
		return nil, ErrIntegrity.Errorf("the time-stamp token carries no TSA certificate")
	}
	pool := append(append([]*x509.Certificate{}, ts.Certificates...), known...)
	chain := []*x509.Certificate{leaf}
	for c := leaf; !selfSigned(c); {
		var issuer *x509.Certificate
		for _, cand := range pool {
			if bytes.Equal(cand.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(cand) == nil {
				issuer = cand
				break
			}
		}
		if issuer == nil || len(chain) >= maxChain {
			return nil, ErrIntegrity.Errorf("the TSA certificate %q has no path to a root here", leaf.Subject.CommonName)
		}
		chain = append(chain, issuer)
		c = issuer
	}
	return chain, nil
}

// collect adds chain's certificates and their status to v (each
// certificate's OCSP response and its issuer's CRL, asked once).
func (p *plan) collect(ctx context.Context, v *ltvData, chain []*x509.Certificate) error {
	for i, c := range chain {
		v.certs = appendOnce(v.certs, c.Raw)
		if i == len(chain)-1 || v.statused[string(c.Raw)] {
			continue // a root has no status to prove
		}
		v.statused[string(c.Raw)] = true
		issuer := chain[i+1]
		der, err := p.opts.Revocation.OCSP(ctx, c, issuer)
		if err != nil {
			return fmt.Errorf("OCSP for %q: %w", c.Subject.CommonName, err)
		}
		if der != nil {
			resp, err := ocsp.ParseResponseForCert(der, c, issuer)
			if err != nil {
				return ErrIntegrity.Errorf("OCSP response for %q: %v", c.Subject.CommonName, err)
			}
			switch {
			case resp.Status == ocsp.Revoked:
				return ErrRevoked.Errorf("%q (serial %x) is revoked", c.Subject.CommonName, c.SerialNumber)
			case resp.Status != ocsp.Good:
				return ErrIntegrity.Errorf("OCSP status of %q is unknown", c.Subject.CommonName)
			case !resp.NextUpdate.IsZero() && resp.NextUpdate.Before(p.now):
				return ErrIntegrity.Errorf("OCSP response for %q expired at %v", c.Subject.CommonName, resp.NextUpdate)
			}
			v.ocsps = appendOnce(v.ocsps, der)
			if resp.Certificate != nil {
				v.certs = appendOnce(v.certs, resp.Certificate.Raw)
			}
		}
		rl, ok := v.crlOf[string(issuer.Raw)]
		if !ok {
			crl, err := p.opts.Revocation.CRL(ctx, issuer)
			if err != nil {
				return fmt.Errorf("CRL of %q: %w", issuer.Subject.CommonName, err)
			}
			if crl != nil {
				if rl, err = x509.ParseRevocationList(crl); err != nil {
					return ErrIntegrity.Errorf("CRL of %q: %v", issuer.Subject.CommonName, err)
				}
				if err := rl.CheckSignatureFrom(issuer); err != nil {
					return ErrIntegrity.Errorf("CRL of %q: %v", issuer.Subject.CommonName, err)
				}
				v.crls = appendOnce(v.crls, crl)
			}
			v.crlOf[string(issuer.Raw)] = rl
		}
		if rl == nil {
			if der == nil {
				return ErrUnsupported.Errorf("no OCSP response and no CRL for %q: it could not be validated offline", c.Subject.CommonName)
			}
			continue
		}
		for _, e := range rl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(c.SerialNumber) == 0 {
				return ErrRevoked.Errorf("%q (serial %x) is on its issuer's CRL", c.Subject.CommonName, c.SerialNumber)
			}
		}
	}
	return nil
}

// archiveTimestamp adds an ArchiveTimeStamp (ETSI EN 319 132-1, 5.5.2)
// to sig, after its other unsigned properties.
func (p *plan) archiveTimestamp(ctx context.Context, d *Document, sig *etree.Element) error {
	usp := sig.FindElement("./Object/xades:QualifyingProperties/xades:UnsignedProperties/xades:UnsignedSignatureProperties")
	ats := usp.CreateElement("xades141:ArchiveTimeStamp")
	ats.CreateAttr("xmlns:xades141", NamespaceXAdES141)
	ats.CreateAttr("Id", sig.SelectAttrValue("Id", "")+"-ArchiveTimeStamp")
	ats.CreateElement("CanonicalizationMethod").CreateAttr("Algorithm", xmlsig.C14N10)
	s, err := xmlsig.ReadSignature(sig)
	if err != nil {
		return ErrIntegrity.Errorf("reading back the signature: %v", err)
	}
	input, err := d.ArchiveTimeStampInput(s, ats, xmlsig.C14N10)
	if err != nil {
		return err
	}
	tok, _, err := p.stamp(ctx, input, "signature and its properties")
	if err != nil {
		return err
	}
	ats.CreateElement("xades:EncapsulatedTimeStamp").SetText(base64.StdEncoding.EncodeToString(tok))
	return nil
}

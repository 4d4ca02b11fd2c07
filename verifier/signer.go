package verifier

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
)

// signerCheck is the outcome of checking one SignerInfo: integrity, the
// signer's certificate and the signature value. Chain, time and revocation
// are checked later, by the caller.
type signerCheck struct {
	cert        *x509.Certificate // the signer's, nil if none matches
	digestHash  crypto.Hash
	alg         sigInfo
	signingTime time.Time // signing-time attribute, zero if absent
	// ind and sub are set when a check failed; reason says which.
	ind      Indication
	sub      SubIndication
	reason   string
	warnings []string
}

func (c *signerCheck) fail(ind Indication, sub SubIndication, format string, args ...any) *signerCheck {
	c.ind, c.sub, c.reason = ind, sub, fmt.Sprintf(format, args...)
	return c
}

func (c *signerCheck) warn(format string, args ...any) {
	c.warnings = append(c.warnings, fmt.Sprintf(format, args...))
}

// checkSigner checks the only SignerInfo of sd:
//
//   - its digest algorithm is known, and its content-type attribute (RFC
//     5652, 11.1) is present and names sd's eContentType, which must be
//     wantType when wantType is set;
//   - its message-digest attribute (11.2) is the digest of the content,
//     which contentDigest computes (HASH_FAILURE otherwise);
//   - the signer's certificate is the one its sid names (issuer and serial
//     number, or subject key identifier) among sd's certificates and
//     extra — never simply the first certificate, which an attacker
//     chooses freely since the certificate set is not signed;
//   - the signature over the signed attributes verifies with that
//     certificate's key (SIG_CRYPTO_FAILURE otherwise);
//   - an ESS signing-certificate or signing-certificate-v2 attribute, when
//     present, identifies that same certificate (RFC 5035; otherwise
//     NO_SIGNING_CERTIFICATE_FOUND).
func checkSigner(sd *cmsasn1.SignedData, wantType asn1.ObjectIdentifier, contentDigest func(crypto.Hash) ([]byte, error), extra []*x509.Certificate) *signerCheck {
	c := &signerCheck{}
	if len(sd.Signers) != 1 {
		return c.fail(TotalFailed, FormatFailure, "the CMS has %d signers, want 1", len(sd.Signers))
	}
	si := sd.Signers[0]
	if wantType != nil && !sd.EContentType.Equal(wantType) {
		return c.fail(TotalFailed, FormatFailure, "the CMS encapsulates content of type %v, want %v", sd.EContentType, wantType)
	}
	h, loose, ok := cmsasn1.HashForDigestOID(si.DigestAlgorithm.Algorithm)
	if !ok {
		return c.fail(TotalFailed, FormatFailure, "unsupported digest algorithm %v", si.DigestAlgorithm.Algorithm)
	}
	c.digestHash = h
	if loose {
		c.warn("the digest algorithm is given as signature algorithm %v", si.DigestAlgorithm.Algorithm)
	}
	listed := false
	for _, a := range sd.DigestAlgorithms {
		if a.Equal(si.DigestAlgorithm.Algorithm) {
			listed = true
		}
	}
	if !listed {
		c.warn("the signer's digest algorithm is not listed in the SignedData's digestAlgorithms")
	}
	if sd.BadCerts > 0 {
		c.warn("%d certificates in the CMS could not be parsed", sd.BadCerts)
	}
	sum, err := contentDigest(h)
	if err != nil {
		return c.fail(TotalFailed, FormatFailure, "cannot read the signed content: %v", err)
	}

	// Candidates for the signer's certificate: those the sid names.
	var cands []*x509.Certificate
	seen := map[string]bool{}
	for _, list := range [][]*x509.Certificate{sd.Certs, extra} {
		for _, cert := range list {
			if !seen[string(cert.Raw)] && sidMatches(si, cert) {
				seen[string(cert.Raw)] = true
				cands = append(cands, cert)
			}
		}
	}
	var msg []byte // what the signature is over; nil: the content's digest
	var derErr error
	if si.SignedAttrs != nil {
		derErr = cmsasn1.CheckDER(si.SignedAttrs)
		ct, err := cmsasn1.SingleAttr(si.Attrs, cmsasn1.OIDAttrContentType, "content-type")
		if err != nil {
			return c.fail(TotalFailed, FormatFailure, "%v", err)
		}
		if ct == nil {
			return c.fail(TotalFailed, FormatFailure, "the signed attributes have no content-type (RFC 5652, 11.1)")
		}
		var oid asn1.ObjectIdentifier
		if rest, err := asn1.Unmarshal(ct, &oid); err != nil || len(rest) > 0 || !oid.Equal(sd.EContentType) {
			return c.fail(TotalFailed, FormatFailure, "the content-type attribute does not name the encapsulated content type %v", sd.EContentType)
		}
		md, err := cmsasn1.SingleAttr(si.Attrs, cmsasn1.OIDAttrMessageDigest, "message-digest")
		if err != nil {
			return c.fail(TotalFailed, FormatFailure, "%v", err)
		}
		if md == nil {
			return c.fail(TotalFailed, FormatFailure, "the signed attributes have no message-digest (RFC 5652, 11.2)")
		}
		var mdv []byte
		if rest, err := asn1.Unmarshal(md, &mdv); err != nil || len(rest) > 0 {
			return c.fail(TotalFailed, FormatFailure, "the message-digest attribute is not an OCTET STRING")
		}
		if !bytes.Equal(mdv, sum) {
			if len(cands) > 0 {
				c.cert = cands[0] // who the CMS says signed, unverified
			}
			return c.fail(TotalFailed, HashFailure, "the signed bytes' %s digest is not the one signed: the document was changed after signing", hashName(h))
		}
		if st, err := cmsasn1.SingleAttr(si.Attrs, cmsasn1.OIDAttrSigningTime, "signing-time"); err != nil {
			return c.fail(TotalFailed, FormatFailure, "%v", err)
		} else if st != nil {
			if c.signingTime, err = cmsasn1.ParseTime(st); err != nil {
				c.warn("the signing-time attribute does not parse: %v", err)
			}
		}
		msg = si.SignedAttrs
	} else if !sd.EContentType.Equal(cmsasn1.OIDData) {
		return c.fail(TotalFailed, FormatFailure, "no signed attributes with content type %v (RFC 5652, 5.3)", sd.EContentType)
	}

	if len(cands) == 0 {
		msg := fmt.Sprintf("no certificate in the CMS or the document matches the signer identifier %s", sidString(si))
		if sd.BadCerts > 0 {
			msg += fmt.Sprintf(" (%d certificates of the CMS could not be parsed)", sd.BadCerts)
		}
		return c.fail(Indeterminate, NoSigningCertificateFound, "%s", msg)
	}
	if len(cands) > 1 {
		c.warn("%d certificates match the signer identifier %s", len(cands), sidString(si))
	}
	var ess []cmsasn1.ESSCertID
	for _, v := range []struct {
		oid  asn1.ObjectIdentifier
		name string
		v2   bool
	}{{cmsasn1.OIDAttrSigningCertificateV2, "signing-certificate-v2", true}, {cmsasn1.OIDAttrSigningCertificate, "signing-certificate", false}} {
		val, err := cmsasn1.SingleAttr(si.Attrs, v.oid, v.name)
		if err != nil {
			return c.fail(TotalFailed, FormatFailure, "%v", err)
		}
		if val == nil {
			continue
		}
		id, err := cmsasn1.ParseSigningCert(val, v.v2)
		if err != nil {
			return c.fail(TotalFailed, FormatFailure, "%s attribute: %v", v.name, err)
		}
		ess = append(ess, id)
	}
	var cryptoErr, essErr error
	var chosen *x509.Certificate
	for _, cand := range cands {
		alg, err := verifySig(cand.PublicKey, si.SignatureAlgorithm, h, msg, sum, si.Signature)
		if err != nil {
			if errors.Is(err, errAlgorithm) {
				return c.fail(TotalFailed, FormatFailure, "%v", err)
			}
			if errors.Is(err, errWeakKey) {
				c.cert = cand
				return c.fail(Indeterminate, CryptoConstraintsFailureNoPOE, "%v", err)
			}
			if cryptoErr == nil {
				cryptoErr = err
			}
			continue
		}
		c.alg = alg
		essErr = nil
		for _, id := range ess {
			if err := essMatches(id, cand); err != nil {
				essErr = err
			}
		}
		chosen = cand
		if essErr == nil {
			break
		}
	}
	if derErr != nil {
		c.warn("the signed attributes are not DER-encoded (%v), as RFC 5652, 5.3 requires", derErr)
	}
	if chosen == nil {
		c.cert = cands[0]
		var label *labelMismatch
		if errors.As(cryptoErr, &label) {
			return c.fail(TotalFailed, SigCryptoFailure, "the signature's algorithm label disagrees with its value (signer %s): %v", describeCert(cands[0]), cryptoErr)
		}
		return c.fail(TotalFailed, SigCryptoFailure, "the signature value does not verify with the key of the certificate the signer identifier names (%s): %v", describeCert(cands[0]), cryptoErr)
	}
	c.cert = chosen
	// A CA certificate first is common and harmless; an end-entity one
	// that is not the signer's is what fools a validator that takes the
	// first certificate as the signer's.
	if first := firstCert(sd); first != nil && !first.Equal(chosen) && !(first.BasicConstraintsValid && first.IsCA) && !bytes.Equal(first.RawSubject, first.RawIssuer) {
		c.warn("the CMS's first certificate (%s) is not the signer's (%s): the signer is the one the SignerInfo's sid names", describeCert(first), describeCert(chosen))
	}
	if essErr != nil {
		return c.fail(Indeterminate, NoSigningCertificateFound, "the signing-certificate attribute does not identify the signer's certificate (%s): %v", describeCert(chosen), essErr)
	}
	if derErr != nil {
		// The signature verifies over the bytes as they are, but RFC 5652
		// has it made over their DER encoding: validators that re-encode
		// the attributes first (Bouncy Castle, so EU DSS) find it
		// invalid, others (OpenSSL) valid. kyso does not say valid where
		// validators disagree.
		return c.fail(Indeterminate, FormatFailure, "the signed attributes are not DER-encoded (%v): RFC 5652, 5.3 requires DER, and validators that check the signature over their DER encoding, as EU DSS does, find it invalid", derErr)
	}
	if len(ess) == 0 && si.SignedAttrs != nil && wantType != nil && wantType.Equal(cmsasn1.OIDTSTInfo) {
		c.warn("the time-stamp token has no signing-certificate attribute (RFC 3161, 2.4.1)")
	}
	return c
}

func firstCert(sd *cmsasn1.SignedData) *x509.Certificate {
	if len(sd.Certs) == 0 {
		return nil
	}
	return sd.Certs[0]
}

// sidString describes si's sid for messages.
func sidString(si *cmsasn1.SignerInfo) string {
	if si.SIDKeyID != nil {
		return fmt.Sprintf("(subject key identifier %X)", si.SIDKeyID)
	}
	return fmt.Sprintf("(issuer %q, serial %X)", dnString(si.SIDIssuer), si.SIDSerial)
}

// describeCert names a certificate for messages: its subject's common name
// (or DN) and serial number.
func describeCert(c *x509.Certificate) string {
	name := c.Subject.CommonName
	if name == "" {
		name = dnString(c.RawSubject)
	}
	return fmt.Sprintf("%q, serial %X", name, c.SerialNumber)
}

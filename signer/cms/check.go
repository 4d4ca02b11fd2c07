package cms

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/digitorus/pkcs7"
)

// verify checks sig, the signature over the digest tbs, against the
// certificate's public key with the scheme the plan announces. For PSS the
// salt length must be exactly the hash length, as the parameters say.
func (p *plan) verify(tbs, sig []byte) error {
	var err error
	switch pub := p.pub.(type) {
	case *rsa.PublicKey:
		if p.pss {
			err = rsa.VerifyPSS(pub, p.hash, tbs, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: p.hash})
		} else {
			err = rsa.VerifyPKCS1v15(pub, p.hash, tbs, sig)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, tbs, sig) {
			err = errors.New("invalid ECDSA signature")
		}
	default:
		err = fmt.Errorf("unsupported %T key", p.pub)
	}
	if err != nil {
		return ErrIntegrity.Errorf("the signer's signature does not verify against the certificate: %v", err)
	}
	return nil
}

// selfCheck parses der, the CMS about to be returned, and checks that its
// one SignerInfo names the certificate, that its signed attributes hold
// messageDigest, and that its signature verifies over the DER SET OF
// re-encoding of those attributes (RFC 5652, 5.4) — what any verifier will
// do first.
func (p *plan) selfCheck(der, messageDigest []byte) error {
	fail := func(format string, args ...any) error {
		return ErrIntegrity.Errorf("self-check of the assembled CMS: %s", fmt.Sprintf(format, args...))
	}
	var ci contentInfo
	if rest, err := asn1.Unmarshal(der, &ci); err != nil || len(rest) != 0 {
		return fail("parse ContentInfo: %v (%d trailing bytes)", err, len(rest))
	}
	if !ci.ContentType.Equal(pkcs7.OIDSignedData) {
		return fail("content type %v", ci.ContentType)
	}
	var sd signedData
	if rest, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil || len(rest) != 0 {
		return fail("parse SignedData: %v (%d trailing bytes)", err, len(rest))
	}
	switch {
	case len(sd.SignerInfos) != 1:
		return fail("%d SignerInfos", len(sd.SignerInfos))
	case !sd.EncapContentInfo.EContentType.Equal(pkcs7.OIDData) || len(sd.EncapContentInfo.EContent.FullBytes) != 0:
		return fail("not detached id-data content")
	}
	si := sd.SignerInfos[0]
	switch {
	case !bytes.Equal(si.SID.Issuer.FullBytes, p.cert.RawIssuer) || si.SID.SerialNumber.Cmp(p.cert.SerialNumber) != 0:
		return fail("sid does not name the signer certificate")
	case !si.DigestAlgorithm.Algorithm.Equal(p.digestAlg.Algorithm) || !si.SignatureAlgorithm.Algorithm.Equal(p.sigAlg.Algorithm):
		return fail("algorithms %v/%v", si.DigestAlgorithm.Algorithm, si.SignatureAlgorithm.Algorithm)
	case len(si.SignedAttrs.FullBytes) == 0:
		return fail("no signed attributes")
	}
	set := retag(si.SignedAttrs.FullBytes, asn1.ClassUniversal, asn1.TagSet)
	var attrs []attribute
	if rest, err := asn1.UnmarshalWithParams(set, &attrs, "set"); err != nil || len(rest) != 0 {
		return fail("parse signed attributes: %v", err)
	}
	var md []byte
	n := 0
	for _, a := range attrs {
		if !a.Type.Equal(pkcs7.OIDAttributeMessageDigest) {
			continue
		}
		n++
		if len(a.Values) != 1 {
			return fail("message-digest has %d values", len(a.Values))
		}
		if rest, err := asn1.Unmarshal(a.Values[0].FullBytes, &md); err != nil || len(rest) != 0 {
			return fail("parse message-digest: %v", err)
		}
	}
	if n != 1 || !bytes.Equal(md, messageDigest) {
		return fail("message-digest attribute (%d found) is not the digest signed", n)
	}
	return p.verify(p.digestOf(set), si.Signature)
}

// timestamp asks the Timestamper for a token over the hash of the signature
// value (RFC 3161, Appendix A) and returns it encoded as the
// id-aa-signatureTimeStampToken attribute. The token must be one DER
// element whose TSTInfo imprints exactly that hash; the TSA's own signature
// and certificate are the verifier's to judge.
func (p *plan) timestamp(ctx context.Context, sig []byte) ([]byte, error) {
	d := p.digestOf(sig)
	tok, err := p.ts.Timestamp(ctx, d, p.hash)
	if err != nil {
		return nil, fmt.Errorf("time-stamp: %w", err)
	}
	var raw asn1.RawValue
	if rest, err := asn1.Unmarshal(tok, &raw); err != nil || len(rest) != 0 {
		return nil, ErrIntegrity.Errorf("time-stamp token is not one DER element")
	}
	p7, err := pkcs7.Parse(tok)
	if err != nil {
		return nil, ErrIntegrity.Errorf("parse time-stamp token: %v", err)
	}
	var info tstInfo
	if _, err := asn1.Unmarshal(p7.Content, &info); err != nil {
		return nil, ErrIntegrity.Errorf("parse TSTInfo of time-stamp token: %v", err)
	}
	if h := hashForOID(info.MessageImprint.HashAlgorithm.Algorithm); h != p.hash || !bytes.Equal(info.MessageImprint.HashedMessage, d) {
		return nil, ErrIntegrity.Errorf("time-stamp token imprints another value than the %v of the signature", p.hash)
	}
	attr, err := marshalAttribute(OIDSignatureTimeStampToken, tok)
	if err != nil {
		return nil, fmt.Errorf("encode time-stamp attribute: %w", err)
	}
	return attr, nil
}

package cms

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/asn1"
	"errors"
	"fmt"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
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

// selfCheck parses der, the CMS about to be returned, with kyso's one CMS
// reader (the verifier's) and checks that it is one DER ContentInfo, that
// its one SignerInfo names the certificate, that its signed attributes hold
// messageDigest, and that what a verifier will check the signature over —
// the DER SET OF encoding of those attributes (RFC 5652, 5.4) — and the
// signature it will check are byte for byte attrs and sig, the pair that
// verify already checked against the certificate's key. Verifying the
// signature a second time here would be the same RSA or ECDSA operation on
// the same inputs and key.
func (p *plan) selfCheck(der, messageDigest, attrs, sig []byte) error {
	fail := func(format string, args ...any) error {
		return ErrIntegrity.Errorf("self-check of the assembled CMS: %s", fmt.Sprintf(format, args...))
	}
	sd, err := cmsasn1.ParseSignedDataSkipCerts(der)
	switch {
	case err != nil:
		return fail("%v", err)
	case sd.BER || !bytes.Equal(sd.DER, der):
		return fail("not one DER ContentInfo")
	case len(sd.Signers) != 1:
		return fail("%d SignerInfos", len(sd.Signers))
	case !sd.EContentType.Equal(cmsasn1.OIDData) || sd.HasEContent:
		return fail("not detached id-data content")
	}
	si := sd.Signers[0]
	switch {
	case si.SIDSerial == nil || !bytes.Equal(si.SIDIssuer, p.cert.RawIssuer) || si.SIDSerial.Cmp(p.cert.SerialNumber) != 0:
		return fail("sid does not name the signer certificate")
	case !si.DigestAlgorithm.Algorithm.Equal(p.digestAlg.Algorithm) || !si.SignatureAlgorithm.Algorithm.Equal(p.sigAlg.Algorithm):
		return fail("algorithms %v/%v", si.DigestAlgorithm.Algorithm, si.SignatureAlgorithm.Algorithm)
	case si.SignedAttrs == nil:
		return fail("no signed attributes")
	case !bytes.Equal(si.SignedAttrs, attrs):
		return fail("signed attributes read back differ from those signed")
	case !bytes.Equal(si.Signature, sig):
		return fail("signature read back differs from the one verified")
	}
	mdAttr, err := cmsasn1.SingleAttr(si.Attrs, cmsasn1.OIDAttrMessageDigest, "message-digest")
	if err != nil {
		return fail("%v", err)
	}
	var md []byte
	if mdAttr == nil {
		return fail("no message-digest attribute")
	}
	if rest, err := asn1.Unmarshal(mdAttr, &md); err != nil || len(rest) != 0 {
		return fail("parse message-digest: %v", err)
	}
	if !bytes.Equal(md, messageDigest) {
		return fail("message-digest attribute is not the digest signed")
	}
	return nil
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
	sd, err := cmsasn1.ParseSignedDataSkipCerts(tok)
	if err != nil {
		return nil, ErrIntegrity.Errorf("parse time-stamp token: %v", err)
	}
	if !sd.EContentType.Equal(cmsasn1.OIDTSTInfo) || !sd.HasEContent {
		return nil, ErrIntegrity.Errorf("time-stamp token does not hold a TSTInfo")
	}
	info, err := cmsasn1.ParseTSTInfo(sd.EContent)
	if err != nil {
		return nil, ErrIntegrity.Errorf("parse TSTInfo of time-stamp token: %v", err)
	}
	if info.Hash != p.hash || !bytes.Equal(info.Imprint, d) {
		return nil, ErrIntegrity.Errorf("time-stamp token imprints another value than the %v of the signature", p.hash)
	}
	attr, err := cmsasn1.MarshalAttribute(cmsasn1.OIDAttrTimeStampToken, tok)
	if err != nil {
		return nil, fmt.Errorf("encode time-stamp attribute: %w", err)
	}
	return attr, nil
}

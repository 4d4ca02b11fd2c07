package pades

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/digitorus/pdf"
	"github.com/kyso-vn/kyso/model"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// signerInfo is what verification needs from a CMS SignedData with one
// signer (RFC 5652, 5.3).
type signerInfo struct {
	raw         []byte // the SignedData's ContentInfo, without padding
	digestAlg   asn1.ObjectIdentifier
	signedAttrs []byte // DER SET OF Attribute, as signed
	sigAlg      pkix.AlgorithmIdentifier
	signature   []byte
	token       []byte // id-aa-signatureTimeStampToken, if any
	sid         []byte // the SignerIdentifier, DER
}

type asnContentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"explicit,tag:0"`
}

type asnSignedData struct {
	Version          int
	DigestAlgorithms asn1.RawValue
	EncapContentInfo asn1.RawValue
	Certificates     asn1.RawValue   `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue   `asn1:"optional,tag:1"`
	SignerInfos      []asnSignerInfo `asn1:"set"`
}

type asnSignerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type asnAttribute struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue
}

// trimDER returns the DER element at the start of contents, checking that
// only zero padding follows it.
func trimDER(contents []byte) ([]byte, error) {
	s := cryptobyte.String(contents)
	var elem cryptobyte.String
	if !s.ReadASN1Element(&elem, cbasn1.SEQUENCE) {
		return nil, fmt.Errorf("%w: /Contents is not a DER SEQUENCE", ErrIntegrity)
	}
	if len(bytes.Trim(s, "\x00")) != 0 {
		return nil, fmt.Errorf("%w: data after the CMS in /Contents", ErrIntegrity)
	}
	return elem, nil
}

// parseSignedData parses the CMS in a signature's /Contents.
func parseSignedData(contents []byte) (*signerInfo, error) {
	der, err := trimDER(contents)
	if err != nil {
		return nil, err
	}
	var ci asnContentInfo
	if _, err := asn1.Unmarshal(der, &ci); err != nil || !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: not a CMS SignedData: %v", ErrIntegrity, err)
	}
	var sd asnSignedData
	if _, err := asn1.Unmarshal(ci.Content.Bytes, &sd); err != nil {
		return nil, fmt.Errorf("%w: parse SignedData: %v", ErrIntegrity, err)
	}
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%w: %d signers, want 1", ErrIntegrity, len(sd.SignerInfos))
	}
	si := sd.SignerInfos[0]
	if len(si.SignedAttrs.FullBytes) == 0 {
		return nil, fmt.Errorf("%w: no signed attributes", ErrIntegrity)
	}
	// The signature covers the attributes' DER with the SET OF tag
	// (RFC 5652, 5.4), not the [0] IMPLICIT tag they are stored with.
	attrs := bytes.Clone(si.SignedAttrs.FullBytes)
	attrs[0] = 0x31
	out := &signerInfo{
		raw:         der,
		digestAlg:   si.DigestAlgorithm.Algorithm,
		signedAttrs: attrs,
		sigAlg:      si.SignatureAlgorithm,
		signature:   si.Signature,
		sid:         si.SID.FullBytes,
	}
	rest := si.UnsignedAttrs.Bytes
	for len(rest) > 0 {
		var a asnAttribute
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			return nil, fmt.Errorf("%w: parse unsigned attributes: %v", ErrIntegrity, err)
		}
		if a.Type.Equal(oidAttrTimeStampToken) {
			var tok asn1.RawValue
			if _, err := asn1.Unmarshal(a.Values.Bytes, &tok); err != nil {
				return nil, fmt.Errorf("%w: parse time-stamp attribute: %v", ErrIntegrity, err)
			}
			out.token = tok.FullBytes
		}
	}
	return out, nil
}

// namesCert reports whether sid, a CMS SignerIdentifier, is cert's
// issuerAndSerialNumber (what kyso's CMS writes). Checked here rather than
// by parsing the whole CMS again with pkcs7 on every signature: tests check
// that pkcs7, openssl and poppler read kyso's CMS.
func namesCert(sid []byte, cert *x509.Certificate) bool {
	var ias struct {
		Issuer asn1.RawValue
		Serial *big.Int
	}
	rest, err := asn1.Unmarshal(sid, &ias)
	return err == nil && len(rest) == 0 && ias.Serial != nil &&
		bytes.Equal(ias.Issuer.FullBytes, cert.RawIssuer) && ias.Serial.Cmp(cert.SerialNumber) == 0
}

// attr returns the single value of the signed attribute oid.
func (si *signerInfo) attr(oid asn1.ObjectIdentifier) (asn1.RawValue, error) {
	var set asn1.RawValue
	if _, err := asn1.Unmarshal(si.signedAttrs, &set); err != nil {
		return asn1.RawValue{}, err
	}
	rest := set.Bytes
	for len(rest) > 0 {
		var a asnAttribute
		var err error
		if rest, err = asn1.Unmarshal(rest, &a); err != nil {
			return asn1.RawValue{}, err
		}
		if a.Type.Equal(oid) {
			var v asn1.RawValue
			_, err := asn1.Unmarshal(a.Values.Bytes, &v)
			return v, err
		}
	}
	return asn1.RawValue{}, fmt.Errorf("no attribute %v", oid)
}

// verifyAdded re-reads the document as it will be written and checks each
// signature and document time-stamp this call added: the signature
// dictionary is found through the form like a validator finds it, its
// /ByteRange covers its revision except exactly /Contents, and the CMS or
// time-stamp token verifies over that byte range.
func verifyAdded(doc *document, added []*placed, cred model.Key, o Options) error {
	rdr, err := doc.open()
	if err != nil {
		return err
	}
	// The signature dictionaries are found through the form, as a
	// validator finds them, with kyso's own walk of the field tree
	// (readForm: depth-bounded, each field once). pdfsign's extract.Iter
	// re-walks shared /Kids without memory and gave up on a field tree
	// that is a DAG, failing a good signature after Vault had made it.
	form, err := readForm(rdr)
	if err != nil {
		return fmt.Errorf("%w: read the form back: %v", ErrIntegrity, err)
	}
	found := map[uint32]pdf.Value{}
	for _, fd := range form.fields {
		if v := fd.v.Key("V"); fd.ft == "Sig" && v.Kind() == pdf.Dict {
			found[v.GetPtr().GetID()] = v
		}
	}
	for _, p := range added {
		sig, ok := found[p.sig.id]
		if !ok {
			return fmt.Errorf("%w: signature %d not found in the output", ErrIntegrity, p.sig.id)
		}
		brv := sig.Key("ByteRange")
		br := make([]int64, 0, 4)
		for i := 0; i < brv.Len() && i < 5; i++ {
			br = append(br, brv.Index(i).Int64())
		}
		contents := []byte(sig.Key("Contents").RawString())
		want := []int64{0, p.hole, p.holeEnd(), p.rev.end() - p.holeEnd()}
		if len(br) != 4 || br[0] != want[0] || br[1] != want[1] || br[2] != want[2] || br[3] != want[3] {
			return fmt.Errorf("%w: /ByteRange %v, want %v", ErrIntegrity, br, want)
		}
		var delim [1]byte
		for _, at := range []struct {
			off int64
			c   byte
		}{{br[1], '<'}, {br[2] - 1, '>'}} {
			if _, err := doc.ReadAt(delim[:], at.off); err != nil || delim[0] != at.c {
				return fmt.Errorf("%w: /ByteRange does not exclude exactly /Contents", ErrIntegrity)
			}
		}
		if !bytes.Equal(contents, p.contents()) {
			return fmt.Errorf("%w: /Contents read back differs from what was written", ErrIntegrity)
		}
		// The bytes the /ByteRange read back names: the input through its
		// remembered hash state, then the appended revisions.
		digest, err := doc.digestRanges(o.Hash, br)
		if err != nil {
			return err
		}
		if p.docTS {
			token, err := trimDER(contents)
			if err != nil {
				return err
			}
			if _, err := checkToken(token, digest, o.Hash); err != nil {
				return fmt.Errorf("document time-stamp: %w", err)
			}
			continue
		}
		if err := verifyCMS(contents, digest, cred.Cert, o); err != nil {
			return err
		}
	}
	return nil
}

// verifyCMS checks a signature's CMS over the digest of its byte range:
// it parses with digitorus/pkcs7 (a parser this package did not write) and
// names cert as its signer, its message digest is digest, its signature
// over the signed attributes verifies with cert's key under the scheme
// asked for, and, above B-B, its time-stamp token is over the signature.
func verifyCMS(contents, digest []byte, cert *x509.Certificate, o Options) error {
	si, err := parseSignedData(contents)
	if err != nil {
		return err
	}
	if !namesCert(si.sid, cert) {
		return fmt.Errorf("%w: the CMS does not name the signer's certificate", ErrIntegrity)
	}
	if !si.digestAlg.Equal(hashOIDs[o.Hash]) {
		return fmt.Errorf("%w: digest algorithm %v, want %v", ErrIntegrity, si.digestAlg, o.Hash)
	}
	md, err := si.attr(oidAttrMessageDigest)
	if err != nil || !bytes.Equal(md.Bytes, digest) {
		return fmt.Errorf("%w: message digest does not match the byte range", ErrIntegrity)
	}
	if _, err := si.attr(oidAttrSigningCertV2); err != nil {
		return fmt.Errorf("%w: no signing-certificate-v2 attribute", ErrIntegrity)
	}
	if _, err := si.attr(oidAttrSigningTime); err == nil && o.SubFilter == SubFilterCAdES {
		return fmt.Errorf("%w: a PAdES signature has a signing-time attribute", ErrIntegrity)
	}
	h := o.Hash.New()
	h.Write(si.signedAttrs)
	sum := h.Sum(nil)
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if o.Scheme == SchemePSS {
			if !si.sigAlg.Algorithm.Equal(oidRSASSAPSS) {
				return fmt.Errorf("%w: signature algorithm %v, want RSASSA-PSS", ErrIntegrity, si.sigAlg.Algorithm)
			}
			err = rsa.VerifyPSS(pub, o.Hash, sum, si.signature, &rsa.PSSOptions{SaltLength: o.Hash.Size(), Hash: o.Hash})
		} else {
			if !si.sigAlg.Algorithm.Equal(oidRSAEncryption) {
				return fmt.Errorf("%w: signature algorithm %v, want rsaEncryption", ErrIntegrity, si.sigAlg.Algorithm)
			}
			err = rsa.VerifyPKCS1v15(pub, o.Hash, sum, si.signature)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, sum, si.signature) {
			err = fmt.Errorf("invalid ECDSA signature")
		}
	default:
		err = fmt.Errorf("key type %T", pub)
	}
	if err != nil {
		return fmt.Errorf("%w: signature does not verify: %v", ErrIntegrity, err)
	}
	if o.Level == LevelBB {
		return nil
	}
	if si.token == nil {
		return fmt.Errorf("%w: no signature time-stamp", ErrIntegrity)
	}
	th := o.Hash.New()
	th.Write(si.signature)
	if _, err := checkToken(si.token, th.Sum(nil), o.Hash); err != nil {
		return fmt.Errorf("signature time-stamp: %w", err)
	}
	return nil
}

package pades

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"fmt"

	"github.com/digitorus/pdf"
	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/model"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// trimDER returns the DER element at the start of contents, checking that
// only zero padding follows it.
func trimDER(contents []byte) ([]byte, error) {
	s := cryptobyte.String(contents)
	var elem cryptobyte.String
	if !s.ReadASN1Element(&elem, cbasn1.SEQUENCE) {
		return nil, ErrIntegrity.Errorf("/Contents is not a DER SEQUENCE")
	}
	if len(bytes.Trim(s, "\x00")) != 0 {
		return nil, ErrIntegrity.Errorf("data after the CMS in /Contents")
	}
	return elem, nil
}

// parseCMS parses the CMS in a signature's /Contents with kyso's one CMS
// reader (the verifier's), which must find one SignerInfo with signed
// attributes, in DER. Checked here rather than by parsing the whole CMS
// again with pkcs7 on every signature: tests check that pkcs7, openssl and
// poppler read kyso's CMS.
func parseCMS(contents []byte) (*cmsasn1.SignerInfo, error) {
	sd, err := cmsasn1.ParseSignedDataSkipCerts(contents)
	if err != nil {
		return nil, ErrIntegrity.Errorf("%v", err)
	}
	if sd.BER {
		return nil, ErrIntegrity.Errorf("/Contents is not DER")
	}
	if len(sd.Signers) != 1 {
		return nil, ErrIntegrity.Errorf("%d signers, want 1", len(sd.Signers))
	}
	si := sd.Signers[0]
	if si.SignedAttrs == nil {
		return nil, ErrIntegrity.Errorf("no signed attributes")
	}
	return si, nil
}

// namesCert reports whether si's sid is cert's issuerAndSerialNumber (what
// kyso's CMS writes).
func namesCert(si *cmsasn1.SignerInfo, cert *x509.Certificate) bool {
	return si.SIDSerial != nil && bytes.Equal(si.SIDIssuer, cert.RawIssuer) && si.SIDSerial.Cmp(cert.SerialNumber) == 0
}

// timeStampToken returns the signature time-stamp token of si (RFC 3161,
// Appendix A), nil if it has none.
func timeStampToken(si *cmsasn1.SignerInfo) ([]byte, error) {
	tok, err := cmsasn1.SingleAttr(si.Unsigned, cmsasn1.OIDAttrTimeStampToken, "signature-time-stamp")
	if err != nil {
		return nil, ErrIntegrity.Errorf("%v", err)
	}
	return tok, nil
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
		return ErrIntegrity.Errorf("read the form back: %v", err)
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
			return ErrIntegrity.Errorf("signature %d not found in the output", p.sig.id)
		}
		brv := sig.Key("ByteRange")
		br := make([]int64, 0, 4)
		for i := 0; i < brv.Len() && i < 5; i++ {
			br = append(br, brv.Index(i).Int64())
		}
		contents := []byte(sig.Key("Contents").RawString())
		want := []int64{0, p.hole, p.holeEnd(), p.rev.end() - p.holeEnd()}
		if len(br) != 4 || br[0] != want[0] || br[1] != want[1] || br[2] != want[2] || br[3] != want[3] {
			return ErrIntegrity.Errorf("/ByteRange %v, want %v", br, want)
		}
		var delim [1]byte
		for _, at := range []struct {
			off int64
			c   byte
		}{{br[1], '<'}, {br[2] - 1, '>'}} {
			if _, err := doc.ReadAt(delim[:], at.off); err != nil || delim[0] != at.c {
				return ErrIntegrity.Errorf("/ByteRange does not exclude exactly /Contents")
			}
		}
		if !bytes.Equal(contents, p.contents()) {
			return ErrIntegrity.Errorf("/Contents read back differs from what was written")
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
// it parses with kyso's one CMS reader (parseCMS; not the code that wrote
// it) and names cert as its signer, its message digest is digest, its signature
// over the signed attributes verifies with cert's key under the scheme
// asked for, and, above B-B, its time-stamp token is over the signature.
func verifyCMS(contents, digest []byte, cert *x509.Certificate, o Options) error {
	si, err := parseCMS(contents)
	if err != nil {
		return err
	}
	if !namesCert(si, cert) {
		return ErrIntegrity.Errorf("the CMS does not name the signer's certificate")
	}
	if !si.DigestAlgorithm.Algorithm.Equal(cmsasn1.DigestOID(o.Hash)) {
		return ErrIntegrity.Errorf("digest algorithm %v, want %v", si.DigestAlgorithm.Algorithm, o.Hash)
	}
	var md []byte
	mdAttr, err := cmsasn1.SingleAttr(si.Attrs, cmsasn1.OIDAttrMessageDigest, "message-digest")
	if err == nil && mdAttr != nil {
		_, err = asn1.Unmarshal(mdAttr, &md)
	}
	if err != nil || !bytes.Equal(md, digest) {
		return ErrIntegrity.Errorf("message digest does not match the byte range")
	}
	if ess, err := cmsasn1.SingleAttr(si.Attrs, cmsasn1.OIDAttrSigningCertificateV2, "signing-certificate-v2"); err != nil || ess == nil {
		return ErrIntegrity.Errorf("no signing-certificate-v2 attribute")
	}
	if len(cmsasn1.FindAttrs(si.Attrs, cmsasn1.OIDAttrSigningTime)) > 0 && o.SubFilter == SubFilterCAdES {
		return ErrIntegrity.Errorf("a PAdES signature has a signing-time attribute")
	}
	h := o.Hash.New()
	h.Write(si.SignedAttrs)
	sum := h.Sum(nil)
	switch pub := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		if o.Scheme == SchemePSS {
			if !si.SignatureAlgorithm.Algorithm.Equal(cmsasn1.OIDRSASSAPSS) {
				return ErrIntegrity.Errorf("signature algorithm %v, want RSASSA-PSS", si.SignatureAlgorithm.Algorithm)
			}
			err = rsa.VerifyPSS(pub, o.Hash, sum, si.Signature, &rsa.PSSOptions{SaltLength: o.Hash.Size(), Hash: o.Hash})
		} else {
			if !si.SignatureAlgorithm.Algorithm.Equal(cmsasn1.OIDRSAEncryption) {
				return ErrIntegrity.Errorf("signature algorithm %v, want rsaEncryption", si.SignatureAlgorithm.Algorithm)
			}
			err = rsa.VerifyPKCS1v15(pub, o.Hash, sum, si.Signature)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, sum, si.Signature) {
			err = fmt.Errorf("invalid ECDSA signature")
		}
	default:
		err = fmt.Errorf("key type %T", pub)
	}
	if err != nil {
		return ErrIntegrity.Errorf("signature does not verify: %v", err)
	}
	if o.Level == LevelBB {
		return nil
	}
	token, err := timeStampToken(si)
	if err != nil {
		return err
	}
	if token == nil {
		return ErrIntegrity.Errorf("no signature time-stamp")
	}
	th := o.Hash.New()
	th.Write(si.Signature)
	if _, err := checkToken(token, th.Sum(nil), o.Hash); err != nil {
		return fmt.Errorf("signature time-stamp: %w", err)
	}
	return nil
}

package attacksuite

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/digitorus/pdf"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/cms"
	"github.com/kyso-vn/kyso/signer/pades"
)

// Sign signs doc with kyso's PAdES signer (signer/pades) as opts asks,
// with the PKI's TSA and revocation data, at Clock unless opts sets a time.
func (p *PKI) Sign(doc []byte, cred model.Key, opts pades.Options) ([]byte, error) {
	if opts.SigningTime.IsZero() {
		opts.SigningTime = Clock
	}
	var out bytes.Buffer
	if _, err := pades.New(p.TSA, p).Sign(context.Background(), bytes.NewReader(doc), int64(len(doc)), &out, cred, opts); err != nil {
		return nil, fmt.Errorf("attacksuite: pades sign: %w", err)
	}
	return out.Bytes(), nil
}

// SigInfo is a signature field with a value, as kyso's parser reads it.
type SigInfo struct {
	Field string
	// FieldID is the field's object number, ID the signature
	// dictionary's (0 if it is direct).
	FieldID, ID int
	ByteRange   [4]int64
}

// Signatures returns the signatures of doc that have a /ByteRange of four
// integers, in the order of the revisions they cover.
func Signatures(doc []byte) ([]SigInfo, error) {
	rdr, err := open(doc)
	if err != nil {
		return nil, err
	}
	var out []SigInfo
	var walk func(arr pdf.Value, parent, ft string, depth int)
	walk = func(arr pdf.Value, parent, ft string, depth int) {
		for i := 0; i < arr.Len() && depth < 16; i++ {
			f := arr.Index(i)
			name, typ := parent, ft
			if t := f.Key("T"); t.Kind() == pdf.String {
				if name != "" {
					name += "."
				}
				name += t.Text()
			}
			if x := f.Key("FT"); x.Kind() == pdf.Name {
				typ = x.Name()
			}
			if v := f.Key("V"); typ == "Sig" && v.Kind() == pdf.Dict {
				s := SigInfo{Field: name, FieldID: int(f.GetPtr().GetID())}
				if v.GetPtr() != f.GetPtr() {
					s.ID = int(v.GetPtr().GetID())
				}
				br := v.Key("ByteRange")
				if br.Len() == 4 {
					for j := range s.ByteRange {
						s.ByteRange[j] = br.Index(j).Int64()
					}
					out = append(out, s)
				}
			}
			walk(f.Key("Kids"), name, typ, depth+1)
		}
	}
	walk(rdr.Trailer().Key("Root").Key("AcroForm").Key("Fields"), "", "", 0)
	slices.SortStableFunc(out, func(a, b SigInfo) int {
		return int((a.ByteRange[2] + a.ByteRange[3]) - (b.ByteRange[2] + b.ByteRange[3]))
	})
	return out, nil
}

// signedDigest returns the SHA-256 of the bytes doc's /ByteRange br
// covers.
func signedDigest(doc []byte, br [4]int64) ([]byte, error) {
	if br[0] != 0 || br[1] < 0 || br[2] < br[1] || br[3] < 0 || br[2]+br[3] > int64(len(doc)) {
		return nil, fmt.Errorf("attacksuite: /ByteRange %v does not fit the document", br)
	}
	h := sha256.New()
	h.Write(doc[:br[1]])
	h.Write(doc[br[2] : br[2]+br[3]])
	return h.Sum(nil), nil
}

// fillContents writes der, in hexadecimal padded with zeros, into the
// /Contents string that fills the gap of br.
func fillContents(doc []byte, br [4]int64, der []byte) error {
	gap := br[2] - br[1] - 2
	enc := strings.ToUpper(hex.EncodeToString(der))
	if int64(len(enc)) > gap || doc[br[1]] != '<' || doc[br[2]-1] != '>' {
		return fmt.Errorf("attacksuite: a CMS of %d bytes does not fit a /Contents gap of %d hexadecimal digits", len(der), gap)
	}
	copy(doc[br[1]+1:], enc)
	for j := br[1] + 1 + int64(len(enc)); j < br[2]-1; j++ {
		doc[j] = '0'
	}
	return nil
}

// ReplaceCMS returns doc with the CMS of its signature i (in revision
// order) replaced by what make returns for the digest of the signed bytes.
func ReplaceCMS(doc []byte, i int, make func(digest []byte) ([]byte, error)) ([]byte, error) {
	sigs, err := Signatures(doc)
	if err != nil {
		return nil, err
	}
	if i >= len(sigs) {
		return nil, fmt.Errorf("attacksuite: no signature %d among %d", i, len(sigs))
	}
	br := sigs[i].ByteRange
	digest, err := signedDigest(doc, br)
	if err != nil {
		return nil, err
	}
	der, err := make(digest)
	if err != nil {
		return nil, err
	}
	out := bytes.Clone(doc)
	if err := fillContents(out, br, der); err != nil {
		return nil, err
	}
	return out, nil
}

// FieldSig is a signature the suite writes itself, for what kyso's signer
// will not write: a FieldMDP transform, or a signature on a document
// certified with no changes allowed.
type FieldSig struct {
	Cred model.Key
	// FieldID is the empty signature field (merged with its widget) to
	// sign; 0 adds a new invisible field named Field.
	FieldID int
	Field   string
	// Entries are extra entries of the signature dictionary, such as a
	// /Reference array.
	Entries string
}

// byteRangeHole is the /ByteRange written before it is known.
const byteRangeHole = "[0 0000000000 0000000000 0000000000]"

// cmsReserve is the room kept in /Contents for the CMS, in bytes.
const cmsReserve = 12 << 10

// SignField signs doc as fs says, at level B-T, with a CMS made by kyso's
// CMS signer (signer/cms) and a time-stamp of the PKI's TSA.
func (p *PKI) SignField(doc []byte, fs FieldSig) ([]byte, error) {
	n, err := Size(doc)
	if err != nil {
		return nil, err
	}
	sigID := n
	objs := map[int]string{
		sigID: fmt.Sprintf("<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /M (D:%s+07'00') %s /ByteRange %s /Contents <%s> >>",
			Clock.Format("20060102150405"), fs.Entries, byteRangeHole, strings.Repeat("0", 2*cmsReserve)),
	}
	if fs.FieldID != 0 {
		body, err := ObjectBody(doc, fs.FieldID)
		if err != nil {
			return nil, err
		}
		objs[fs.FieldID] = strings.Replace(body, "<<", fmt.Sprintf("<< /V %d 0 R", sigID), 1)
	} else {
		if err := addField(doc, objs, n+1, fmt.Sprintf("<< /FT /Sig /T %s /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /F 132 /V %d 0 R >>", pdfString(fs.Field), sigID)); err != nil {
			return nil, err
		}
	}
	out, err := Append(doc, Update{Objects: objs})
	if err != nil {
		return nil, err
	}
	brAt := bytes.LastIndex(out, []byte(byteRangeHole))
	hole := int64(bytes.Index(out[brAt:], []byte("/Contents <")) + brAt + len("/Contents "))
	end := hole + 2 + 2*cmsReserve
	br := [4]int64{0, hole, end, int64(len(out)) - end}
	text := fmt.Sprintf("[0 %d %d %d]", br[1], br[2], br[3])
	copy(out[brAt:], text+strings.Repeat(" ", len(byteRangeHole)-len(text)))
	digest, err := signedDigest(out, br)
	if err != nil {
		return nil, err
	}
	der, err := cms.SignDigest(context.Background(), digest,
		model.Key{Signer: fs.Cred.Signer, Cert: fs.Cred.Cert, Chain: fs.Cred.Chain},
		cms.Options{Time: Clock, Timestamper: p.TSA})
	if err != nil {
		return nil, fmt.Errorf("attacksuite: CMS: %w", err)
	}
	if err := fillContents(out, br, der); err != nil {
		return nil, err
	}
	return out, nil
}

// addField adds field (object id) to the interactive form of doc: objs
// gets the new field and the object that lists it (the form, the catalog
// holding a direct form, or an indirect /Fields array).
func addField(doc []byte, objs map[int]string, id int, field string) error {
	rdr, err := open(doc)
	if err != nil {
		return err
	}
	root := rdr.Trailer().Key("Root")
	form := root.Key("AcroForm")
	objs[id] = field
	holder := int(root.GetPtr().GetID())
	switch {
	case form.Kind() != pdf.Dict:
		body, err := ObjectBody(doc, holder)
		if err != nil {
			return err
		}
		objs[holder] = strings.Replace(body, "<<", fmt.Sprintf("<< /AcroForm << /Fields [%d 0 R] /SigFlags 3 >>", id), 1)
		return nil
	case form.GetPtr() != root.GetPtr():
		holder = int(form.GetPtr().GetID())
	}
	body, err := ObjectBody(doc, holder)
	if err != nil {
		return err
	}
	if m := regexp.MustCompile(`/Fields\s*([0-9]+)\s+[0-9]+\s+R`).FindStringSubmatch(body); m != nil {
		arr, _ := strconv.Atoi(m[1]) // digits only
		list, err := ObjectBody(doc, arr)
		if err != nil {
			return err
		}
		objs[arr] = strings.Replace(list, "[", fmt.Sprintf("[%d 0 R ", id), 1)
		return nil
	}
	loc := regexp.MustCompile(`/Fields\s*\[`).FindStringIndex(body)
	if loc == nil {
		return errors.New("attacksuite: the form has no /Fields")
	}
	objs[holder] = body[:loc[1]] + fmt.Sprintf("%d 0 R ", id) + body[loc[1]:]
	return nil
}

// HandCMS describes a CMS SignedData made by hand, for what kyso's CMS
// signer refuses to make: a signer's certificate that is not the one
// named, a certificate set in an attacker's order, a CA's key.
type HandCMS struct {
	Key crypto.Signer // signs the signed attributes
	// SID is the certificate the SignerInfo names (issuer and serial).
	SID *x509.Certificate
	// Certs is the certificate set, in this order.
	Certs []*x509.Certificate
	// ESS, if not nil, is the certificate signing-certificate-v2 names.
	ESS *x509.Certificate
}

// der returns a DER element of tag holding the contents.
func der(tag byte, contents ...[]byte) []byte {
	body := bytes.Join(contents, nil)
	n := len(body)
	out := []byte{tag}
	switch {
	case n < 0x80:
		out = append(out, byte(n))
	case n < 0x100:
		out = append(out, 0x81, byte(n))
	case n < 0x10000:
		out = append(out, 0x82, byte(n>>8), byte(n))
	default:
		out = append(out, 0x83, byte(n>>16), byte(n>>8), byte(n))
	}
	return append(out, body...)
}

// Make returns the CMS over digest (SHA-256 of the signed bytes).
func (h HandCMS) Make(digest []byte) ([]byte, error) {
	attr := func(oid asn1.ObjectIdentifier, val []byte) []byte {
		return der(0x30, mustMarshal(oid), der(0x31, val))
	}
	attrs := [][]byte{
		attr(cmsasn1.OIDAttrContentType, mustMarshal(cmsasn1.OIDData)),
		attr(cmsasn1.OIDAttrMessageDigest, mustMarshal(digest)),
	}
	if h.ESS != nil {
		sum := sha256.Sum256(h.ESS.Raw)
		// SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { certHash } }
		attrs = append(attrs, attr(cmsasn1.OIDAttrSigningCertificateV2, der(0x30, der(0x30, der(0x30, mustMarshal(sum[:]))))))
	}
	slices.SortFunc(attrs, bytes.Compare) // DER: a SET OF in order
	signed := der(0x31, attrs...)
	sum := sha256.Sum256(signed)
	sig, err := h.Key.Sign(rand.Reader, sum[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("attacksuite: hand-made CMS: %w", err)
	}
	var sigAlg []byte
	switch h.Key.Public().(type) {
	case *ecdsa.PublicKey:
		sigAlg = der(0x30, mustMarshal(cmsasn1.OIDECDSAWithSHA256))
	case *rsa.PublicKey:
		sigAlg = der(0x30, mustMarshal(cmsasn1.OIDRSAEncryption), []byte{5, 0})
	default:
		return nil, fmt.Errorf("attacksuite: hand-made CMS: key %T", h.Key.Public())
	}
	sha := der(0x30, mustMarshal(cmsasn1.OIDSHA256), []byte{5, 0})
	serial, _ := asn1.Marshal(new(big.Int).Set(h.SID.SerialNumber))
	si := der(0x30,
		mustMarshal(1),
		der(0x30, h.SID.RawIssuer, serial),
		sha,
		append([]byte{0xa0}, signed[1:]...), // [0] IMPLICIT
		sigAlg,
		mustMarshal(sig),
	)
	var certs [][]byte
	for _, c := range h.Certs {
		certs = append(certs, c.Raw)
	}
	sd := der(0x30,
		mustMarshal(1),
		der(0x31, sha),
		der(0x30, mustMarshal(cmsasn1.OIDData)),
		der(0xa0, certs...),
		der(0x31, si),
	)
	return der(0x30, mustMarshal(cmsasn1.OIDSignedData), der(0xa0, sd)), nil
}

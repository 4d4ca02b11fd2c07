package verifier

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer/pades"
)

// der writes a DER element with tag around the concatenated contents.
func der(tag byte, contents ...[]byte) []byte {
	b := cryptobyte.NewBuilder(nil)
	b.AddASN1(cbasn1.Tag(tag), func(c *cryptobyte.Builder) {
		for _, x := range contents {
			c.AddBytes(x)
		}
	})
	return b.BytesOrPanic()
}

// cmsSpec describes a CMS SignedData built by hand for an attack.
type cmsSpec struct {
	key     crypto.Signer       // signs the attributes
	sid     *x509.Certificate   // the certificate the sid names
	certs   []*x509.Certificate // the certificate set, in order
	digest  []byte              // SHA-256 of the signed bytes
	essCert *x509.Certificate   // named by signing-certificate-v2; nil: none
	noCT    bool                // leave out content-type
	ct      asn1.ObjectIdentifier
	revInfo []byte // adbe-revInfoArchival value, if any
}

// buildCMS makes a detached SignedData (SHA-256, ECDSA) as spec says.
func buildCMS(t testing.TB, spec cmsSpec) []byte {
	t.Helper()
	attr := func(oid asn1.ObjectIdentifier, val []byte) []byte {
		return der(0x30, marshalDER(oid), der(0x31, val))
	}
	var attrs [][]byte
	if !spec.noCT {
		ct := spec.ct
		if ct == nil {
			ct = cmsasn1.OIDData
		}
		attrs = append(attrs, attr(cmsasn1.OIDAttrContentType, marshalDER(ct)))
	}
	attrs = append(attrs, attr(cmsasn1.OIDAttrMessageDigest, marshalDER(spec.digest)))
	if spec.essCert != nil {
		sum := sha256.Sum256(spec.essCert.Raw)
		// SigningCertificateV2 { certs SEQUENCE OF ESSCertIDv2 { certHash } }
		attrs = append(attrs, attr(cmsasn1.OIDAttrSigningCertificateV2, der(0x30, der(0x30, der(0x30, marshalDER(sum[:]))))))
	}
	if spec.revInfo != nil {
		attrs = append(attrs, attr(cmsasn1.OIDAttrRevInfoArchival, spec.revInfo))
	}
	signed := der(0x31, attrs...)
	h := sha256.Sum256(signed)
	sig, err := spec.key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	sigAlg := der(0x30, marshalDER(cmsasn1.OIDECDSAWithSHA256))
	if _, ok := spec.key.Public().(*ecdsa.PublicKey); !ok {
		sigAlg = der(0x30, marshalDER(cmsasn1.OIDRSAEncryption), []byte{5, 0})
	}
	sha := der(0x30, marshalDER(cmsasn1.OIDSHA256), []byte{5, 0})
	attrsImplicit := append([]byte{0xa0}, signed[1:]...)
	si := der(0x30,
		marshalDER(1),
		der(0x30, spec.sid.RawIssuer, marshalDER(spec.sid.SerialNumber)),
		sha,
		attrsImplicit,
		sigAlg,
		marshalDER(sig),
	)
	var certs [][]byte
	for _, c := range spec.certs {
		certs = append(certs, c.Raw)
	}
	sd := der(0x30,
		marshalDER(1),
		der(0x31, sha),
		der(0x30, marshalDER(cmsasn1.OIDData)),
		der(0xa0, certs...),
		der(0x31, si),
	)
	return der(0x30, marshalDER(cmsasn1.OIDSignedData), der(0xa0, sd))
}

// replaceContents signs doc (a kyso-signed PDF) again by hand: the CMS of
// signature i is replaced by make(digest of its byte range).
func replaceContents(t testing.TB, doc []byte, i int, make func(digest []byte) []byte) []byte {
	t.Helper()
	sigs := signaturesIn(t, doc)
	for _, s := range sigs {
		if err := s.checkByteRange(bytes.NewReader(doc), int64(len(doc))); err != nil {
			t.Fatal(err)
		}
	}
	sortSigs(sigs)
	s := sigs[i]
	h := sha256.New()
	h.Write(doc[:s.br[1]])
	h.Write(doc[s.br[2] : s.br[2]+s.br[3]])
	cms := make(h.Sum(nil))
	gap := s.br[2] - s.br[1] - 2
	enc := []byte(strings.ToUpper(hex.EncodeToString(cms)))
	if int64(len(enc)) > gap {
		t.Fatalf("CMS of %d bytes does not fit /Contents of %d hex digits", len(cms), gap)
	}
	out := bytes.Clone(doc)
	copy(out[s.br[1]+1:], enc)
	for j := s.br[1] + 1 + int64(len(enc)); j < s.br[2]-1; j++ {
		out[j] = '0'
	}
	return out
}

// attacker is someone with their own CA and key, who has a copy of an
// official's (public) certificate.
type attacker struct {
	ca   *x509.Certificate
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newAttacker(t testing.TB, subject pkix.Name, caName pkix.Name, serial *big.Int) *attacker {
	t.Helper()
	caKey, key := ecKey(), ecKey()
	ca, err := issueCert(&x509.Certificate{Subject: caName, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}, nil, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{Subject: subject, KeyUsage: x509.KeyUsageDigitalSignature}
	cert, err := issueCert(tmpl, ca, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	if serial != nil {
		tmpl.SerialNumber = serial
		tmpl.NotBefore, tmpl.NotAfter = cert.NotBefore, cert.NotAfter
		d, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
		if err != nil {
			t.Fatal(err)
		}
		if cert, err = x509.ParseCertificate(d); err != nil {
			t.Fatal(err)
		}
	}
	return &attacker{ca: ca, cert: cert, key: key}
}

// TestSignerCertificateSwap: an attacker signs with their own key and puts
// an official's real certificate first in the CMS. pdfsign's verify took
// the first certificate as the signer and named the official.
func TestSignerCertificateSwap(t *testing.T) {
	p := getPKI(t)
	official := p.official.Cert
	mallory := newAttacker(t, pkix.Name{CommonName: "Mallory", Country: []string{"VN"}}, pkix.Name{CommonName: "Mallory CA"}, nil)
	// An attacker whose CA copies the real issuing CA's name and whose
	// certificate copies the official's name and serial number.
	twin := newAttacker(t, official.Subject, p.ca.Subject, official.SerialNumber)
	base := signPDF(t, p, basePDF(), p.ec, pades.Options{})

	tests := []struct {
		name     string
		spec     func(digest []byte) cmsSpec
		ind      Indication
		sub      SubIndication
		signer   string
		warnings []string
	}{
		{
			name: "official first, attacker signs",
			spec: func(d []byte) cmsSpec {
				return cmsSpec{key: mallory.key, sid: mallory.cert, certs: []*x509.Certificate{official, p.ca, mallory.cert}, digest: d, essCert: mallory.cert}
			},
			ind: Indeterminate, sub: NoCertificateChainFound, signer: "Mallory",
			warnings: []string{"first certificate", "is not the signer's"},
		},
		{
			name: "sid names the official",
			spec: func(d []byte) cmsSpec {
				return cmsSpec{key: mallory.key, sid: official, certs: []*x509.Certificate{official, p.ca}, digest: d}
			},
			ind: TotalFailed, sub: SigCryptoFailure, signer: official.Subject.CommonName,
		},
		{
			name: "signing-certificate-v2 names the official",
			spec: func(d []byte) cmsSpec {
				return cmsSpec{key: mallory.key, sid: mallory.cert, certs: []*x509.Certificate{official, mallory.cert}, digest: d, essCert: official}
			},
			ind: Indeterminate, sub: NoSigningCertificateFound, signer: "Mallory",
		},
		{
			name: "twin certificate with the official's issuer and serial",
			spec: func(d []byte) cmsSpec {
				return cmsSpec{key: twin.key, sid: twin.cert, certs: []*x509.Certificate{official, twin.cert, p.ca}, digest: d, essCert: twin.cert}
			},
			ind: Indeterminate, sub: NoCertificateChainFound,
			warnings: []string{"2 certificates match the signer identifier"},
		},
		{
			name: "no content-type attribute",
			spec: func(d []byte) cmsSpec {
				return cmsSpec{key: p.ec.Signer, sid: p.ec.Cert, certs: []*x509.Certificate{p.ec.Cert}, digest: d, essCert: p.ec.Cert, noCT: true}
			},
			ind: TotalFailed, sub: FormatFailure,
		},
		{
			name: "content-type is not id-data",
			spec: func(d []byte) cmsSpec {
				return cmsSpec{key: p.ec.Signer, sid: p.ec.Cert, certs: []*x509.Certificate{p.ec.Cert}, digest: d, essCert: p.ec.Cert, ct: cmsasn1.OIDTSTInfo}
			},
			ind: TotalFailed, sub: FormatFailure,
		},
		{
			name: "hand-made and honest",
			spec: func(d []byte) cmsSpec {
				return cmsSpec{key: p.ec.Signer, sid: p.ec.Cert, certs: []*x509.Certificate{p.ca, p.ec.Cert}, digest: d, essCert: p.ec.Cert}
			},
			ind: TotalPassed, signer: p.ec.Cert.Subject.CommonName,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := replaceContents(t, base, 0, func(d []byte) []byte { return buildCMS(t, tt.spec(d)) })
			rep := verifyPDF(t, doc, p.trusted())
			s := sigOf(t, rep, 0)
			if s.Indication != tt.ind || s.SubIndication != tt.sub {
				t.Fatalf("got %s/%s (%s), want %s/%s", s.Indication, s.SubIndication, s.Detail, tt.ind, tt.sub)
			}
			if tt.signer != "" && s.Signer.Name != tt.signer {
				t.Errorf("signer %q, want %q", s.Signer.Name, tt.signer)
			}
			for _, w := range tt.warnings {
				if !hasWarning(s, w) {
					t.Errorf("no warning with %q in %q", w, s.Warnings)
				}
			}
			if tt.ind != TotalPassed && rep.Valid {
				t.Errorf("document valid")
			}
		})
	}
}

// TestIncrementalUpdateAttacks appends updates after a signature, as the
// incremental saving and shadow attacks do: each must be named, and only
// the allowed ones leave the signature TOTAL_PASSED.
func TestIncrementalUpdateAttacks(t *testing.T) {
	p := getPKI(t)
	// testpdf.Make: 1 catalog, 2 pages, 3 font, 4 content of page 1,
	// 5 page 1, 6 content of page 2, 7 page 2.
	signed := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT})
	certified := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT, Certify: 2})
	size := func(doc []byte) int {
		rdr, err := openPDF(bytes.NewReader(doc), int64(len(doc)))
		if err != nil {
			t.Fatal(err)
		}
		return int(rdr.Trailer().Key("Size").Int64())
	}
	stream := func(s string) string { return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s) }
	forged := "BT /F1 18 Tf 72 760 Td (QUYET DINH: thu hoi giay phep) Tj ET"
	tests := []struct {
		name    string
		doc     []byte
		update  func(doc []byte) map[int]string
		passed  bool
		ind     Indication // when not passed; TOTAL_FAILED if empty
		kind    string
		detail  string
		allowed bool
	}{
		{
			name:   "page content replaced",
			doc:    signed,
			update: func([]byte) map[int]string { return map[int]string{4: stream(forged)} },
			kind:   ChangePageContent, detail: "page 1",
		},
		{
			name: "page added",
			doc:  signed,
			update: func(doc []byte) map[int]string {
				n := size(doc)
				return map[int]string{
					2:     fmt.Sprintf("<< /Type /Pages /Kids [5 0 R 7 0 R %d 0 R] /Count 3 >>", n),
					n:     fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", n+1),
					n + 1: stream(forged),
				}
			},
			kind: ChangePageAdded, detail: "page 3",
		},
		{
			name: "page contents pointed elsewhere",
			doc:  signed,
			update: func(doc []byte) map[int]string {
				n := size(doc)
				return map[int]string{
					5: strings.Replace(objectBody(t, doc, 5), "/Contents 4 0 R", fmt.Sprintf("/Contents %d 0 R", n), 1),
					n: stream(forged),
				}
			},
			kind: ChangePageContent, detail: "page 1",
		},
		{
			name: "font replaced (shadow)",
			doc:  signed,
			update: func([]byte) map[int]string {
				return map[int]string{3: "<< /Type /Font /Subtype /Type1 /BaseFont /ZapfDingbats >>"}
			},
			kind: ChangeResources, detail: "page 1",
		},
		{
			name:   "page content object deleted",
			doc:    signed,
			update: func([]byte) map[int]string { return map[int]string{4: "null"} },
			kind:   ChangePageContent, detail: "page 1",
		},
		{
			// A shadow attack ("replace"): ISO 32000 allows the
			// annotation, but it is drawn over the signed text.
			name: "annotation over the text added, no certification",
			doc:  signed,
			update: func(doc []byte) map[int]string {
				n := size(doc)
				return map[int]string{
					5: addAnnot(objectBody(t, doc, 5), n),
					n: "<< /Type /Annot /Subtype /FreeText /Rect [72 740 500 780] /Contents (Da huy) /DA (/Helv 18 Tf 0 g) >>",
				}
			},
			ind: Indeterminate, kind: ChangeDrawnOver, detail: "FreeText",
		},
		{
			name: "annotation added in an empty area, no certification",
			doc:  signed,
			update: func(doc []byte) map[int]string {
				n := size(doc)
				return map[int]string{
					5: addAnnot(objectBody(t, doc, 5), n),
					n: "<< /Type /Annot /Subtype /FreeText /Rect [72 300 300 340] /Contents (Da xem) /DA (/Helv 18 Tf 0 g) >>",
				}
			},
			passed: true, kind: ChangeAnnotationAdded, detail: "FreeText", allowed: true,
		},
		{
			name: "annotation added, certified P=2",
			doc:  certified,
			update: func(doc []byte) map[int]string {
				n := size(doc)
				return map[int]string{
					5: addAnnot(objectBody(t, doc, 5), n),
					n: "<< /Type /Annot /Subtype /FreeText /Rect [72 740 500 780] /Contents (Da huy) /DA (/Helv 18 Tf 0 g) >>",
				}
			},
			kind: ChangeAnnotationAdded, detail: "FreeText",
		},
		{
			name: "signature dictionary edited",
			doc:  signed,
			update: func(doc []byte) map[int]string {
				id := sigDictID(t, doc)
				return map[int]string{id: strings.Replace(objectBody(t, doc, id), "/Type /Sig", "/Type /Sig /Reason (Phe duyet)", 1)}
			},
			kind: ChangeSignatureModified, detail: "Signature1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := appendUpdate(t, tt.doc, tt.update(tt.doc))
			rep := verifyPDF(t, doc, p.trusted())
			s := sigOf(t, rep, 0)
			if (s.Indication == TotalPassed) != tt.passed {
				t.Errorf("got %s/%s (%s), want passed: %v", s.Indication, s.SubIndication, s.Detail, tt.passed)
			}
			want := tt.ind
			if want == "" {
				want = TotalFailed
			}
			if !tt.passed && (s.Indication != want || s.SubIndication != ChangedAfterSigning || rep.Valid) {
				t.Errorf("got %s/%s, want %s/CHANGED_AFTER_SIGNING", s.Indication, s.SubIndication, want)
			}
			found := false
			for _, c := range s.ChangesAfter {
				if c.Kind == tt.kind && strings.Contains(c.Detail, tt.detail) && c.Allowed == tt.allowed {
					found = true
				}
			}
			if !found {
				t.Errorf("changes_after %+v has no %s (%s) allowed=%v", s.ChangesAfter, tt.kind, tt.detail, tt.allowed)
			}
		})
	}
}

// sigDictID returns the object number of the first signature dictionary.
func sigDictID(t testing.TB, doc []byte) int {
	t.Helper()
	sigs := signaturesIn(t, doc)
	if len(sigs) == 0 || !sigs[0].vIndirect {
		t.Fatal("no indirect signature dictionary")
	}
	return int(sigs[0].v.GetPtr().GetID())
}

// TestUnparsableSignatureAmongValid breaks the CMS of the second of two
// signatures: it is TOTAL_FAILED/FORMAT_FAILURE, never skipped, and the
// document is not valid.
func TestUnparsableSignatureAmongValid(t *testing.T) {
	p := getPKI(t)
	doc := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT})
	doc = signPDF(t, p, doc, p.seal, pades.Options{Level: pades.LevelBB})
	for _, tt := range []struct {
		name string
		cms  []byte
	}{
		{"garbage", []byte{0x30, 0x82, 0xff, 0xff, 0x06, 0x09}},
		{"not SignedData", marshalDER(struct{ A asn1.ObjectIdentifier }{cmsasn1.OIDData})},
		{"indefinite length cut", []byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad := replaceContents(t, doc, 1, func([]byte) []byte { return tt.cms })
			rep := verifyPDF(t, bad, p.trusted())
			if len(rep.Signatures) != 2 || rep.Valid {
				t.Fatalf("valid %v with %d signatures, want 2, invalid", rep.Valid, len(rep.Signatures))
			}
			if s := rep.Signatures[0]; s.Indication != TotalPassed {
				t.Errorf("first signature %s/%s (%s), want TOTAL_PASSED", s.Indication, s.SubIndication, s.Detail)
			}
			if s := rep.Signatures[1]; s.Indication != TotalFailed || s.SubIndication != FormatFailure {
				t.Errorf("second signature %s/%s, want TOTAL_FAILED/FORMAT_FAILURE", s.Indication, s.SubIndication)
			}
		})
	}
}

// malformedSigPDF returns a small PDF with one signature field whose
// signature dictionary is sigDict.
func malformedSigPDF(t testing.TB, sigDict string) []byte {
	t.Helper()
	doc := testpdf.Make(1, 0)
	return appendUpdate(t, doc, map[int]string{
		1: "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] /SigFlags 3 >> >>",
		6: "<< /FT /Sig /T (Signature1) /V 7 0 R /Type /Annot /Subtype /Widget /Rect [0 0 0 0] /P 4 0 R >>",
		7: sigDict,
	})
}

// TestHugeByteRange: /ByteRange values far past the file must fail as
// FORMAT_FAILURE at once, without allocating from them.
func TestHugeByteRange(t *testing.T) {
	contents := "<" + strings.Repeat("00", 4096) + ">"
	for _, tt := range []struct {
		name, br string
	}{
		{"huge", "[0 9999999999 9999999999 9999999999]"},
		{"huge gap", "[0 10 9999999990 10]"},
		{"overflow", "[0 10 9223372036854775800 9223372036854775800]"},
		{"negative", "[0 -5 100 -100]"},
		{"not from 0", "[10 100 300 10]"},
		{"three numbers", "[0 100 200]"},
		{"reals", "[0 100.5 200 10]"},
		{"gap is not contents", "[0 100 300 10]"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			doc := malformedSigPDF(t, "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange "+tt.br+" /Contents "+contents+" >>")
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			rep := verifyPDF(t, doc, Options{})
			elapsed := time.Since(start)
			runtime.ReadMemStats(&after)
			if elapsed > time.Second {
				t.Errorf("took %v, want under a second", elapsed)
			}
			if grew := after.TotalAlloc - before.TotalAlloc; grew > 32<<20 {
				t.Errorf("allocated %d MiB for a %d-byte file", grew>>20, len(doc))
			}
			s := sigOf(t, rep, 0)
			if rep.Valid || s.Indication != TotalFailed || s.SubIndication != FormatFailure {
				t.Errorf("got %s/%s (%s), want TOTAL_FAILED/FORMAT_FAILURE", s.Indication, s.SubIndication, s.Detail)
			}
		})
	}
}

// TestTransplantedSignature copies a signature dictionary into a later
// revision, pointing at the first signature's bytes: it is not a signature
// of the revision it claims to sign.
func TestTransplantedSignature(t *testing.T) {
	p := getPKI(t)
	doc := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT})
	id := sigDictID(t, doc)
	body := objectBody(t, doc, id)
	rdr, err := openPDF(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	n := int(rdr.Trailer().Key("Size").Int64())
	// A second field, added later, whose value is a copy of the first
	// signature's dictionary.
	formID, form := formObject(t, doc)
	bad := appendUpdate(t, doc, map[int]string{
		formID: strings.Replace(form, "/Fields [", fmt.Sprintf("/Fields [%d 0 R ", n), 1),
		n:      fmt.Sprintf("<< /FT /Sig /T (Copy) /V %d 0 R >>", n+1),
		n + 1:  body,
	})
	rep := verifyPDF(t, bad, p.trusted())
	if rep.Valid || len(rep.Signatures) != 2 {
		t.Fatalf("valid %v with %d signatures: %s", rep.Valid, len(rep.Signatures), dump(rep))
	}
	var copyRes Signature
	for _, s := range rep.Signatures {
		if s.Field == "Copy" {
			copyRes = s
		}
	}
	if copyRes.Indication != TotalFailed || copyRes.SubIndication != FormatFailure {
		t.Errorf("copied signature %s/%s (%s), want TOTAL_FAILED/FORMAT_FAILURE", copyRes.Indication, copyRes.SubIndication, copyRes.Detail)
	}
}

// addAnnot adds a reference to object n to a page dictionary's /Annots.
func addAnnot(page string, n int) string {
	if strings.Contains(page, "/Annots [") {
		return strings.Replace(page, "/Annots [", fmt.Sprintf("/Annots [%d 0 R ", n), 1)
	}
	return strings.Replace(page, "/Type /Page", fmt.Sprintf("/Type /Page /Annots [%d 0 R]", n), 1)
}

// TestHostileStructures appends loops and exponential DAGs in the page
// tree and the form after a signature: the walks must stay bounded.
func TestHostileStructures(t *testing.T) {
	p := getPKI(t)
	signed := signPDF(t, p, testpdf.Make(1, 0), p.ec, pades.Options{})
	rdr, err := openPDF(bytes.NewReader(signed), int64(len(signed)))
	if err != nil {
		t.Fatal(err)
	}
	n := int(rdr.Trailer().Key("Size").Int64())
	dag := func(first int, kids string, leaf string) map[int]string {
		m := map[int]string{}
		for i := 0; i < 40; i++ {
			m[first+i] = fmt.Sprintf(kids, first+i+1, first+i+1)
		}
		m[first+40] = leaf
		return m
	}
	formID, form := formObject(t, signed)
	cat := objectBody(t, signed, 1)
	tests := map[string]map[int]string{
		"page tree loop": {2: "<< /Type /Pages /Kids [5 0 R 2 0 R 2 0 R] /Count 3 >>"},
		"page tree DAG": func() map[int]string {
			m := dag(n, "<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 2 >>", "<< /Type /Pages /Kids [5 0 R] /Count 1 >>")
			m[2] = fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R] /Count 1 >>", n)
			return m
		}(),
		"field DAG": func() map[int]string {
			m := dag(n, "<< /T (f) /Kids [%d 0 R %d 0 R] >>", "<< /T (leaf) /FT /Tx /V (x) >>")
			m[formID] = strings.Replace(form, "/Fields [", fmt.Sprintf("/Fields [%d 0 R ", n), 1)
			return m
		}(),
		"field loop": {
			n:      fmt.Sprintf("<< /T (loop) /FT /Sig /Kids [%d 0 R %d 0 R] >>", n, n),
			formID: strings.Replace(form, "/Fields [", fmt.Sprintf("/Fields [%d 0 R ", n), 1),
		},
		"outline loop": {
			n:     fmt.Sprintf("<< /First %d 0 R /Last %d 0 R >>", n+1, n+1),
			n + 1: fmt.Sprintf("<< /Title (a) /Parent %d 0 R /Next %d 0 R /Dest [5 0 R /Fit] >>", n, n+1),
			1:     strings.Replace(cat, "/Type /Catalog", fmt.Sprintf("/Type /Catalog /Outlines %d 0 R", n), 1),
		},
	}
	for name, upd := range tests {
		t.Run(name, func(t *testing.T) {
			doc := appendUpdate(t, signed, upd)
			// A bound against a blow-up (these take about 1 s alone), not a
			// performance goal: wide, for a loaded machine (3 s failed at
			// 3.1 s under parallel builds).
			start := time.Now()
			rep, err := VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), p.trusted())
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
			if err != nil {
				return // the parser refused the file: fine
			}
			if len(rep.Signatures) == 0 {
				t.Fatalf("no signature reported")
			}
			// An empty signature field is allowed, loop or not; the
			// rest changes what a viewer shows.
			if s := rep.Signatures[0]; (s.Indication == TotalPassed) != (name == "field loop") {
				t.Errorf("after %s: %s/%s %+v", name, s.Indication, s.SubIndication, s.ChangesAfter)
			}
		})
	}
}

// formObject returns the object number and body of the interactive form
// of a kyso-signed document (an indirect object there).
func formObject(t testing.TB, doc []byte) (int, string) {
	t.Helper()
	rdr, err := openPDF(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatal(err)
	}
	root := rdr.Trailer().Key("Root")
	form := root.Key("AcroForm")
	if !indirect(form, root) {
		t.Fatal("the form is not an indirect object")
	}
	id := int(form.GetPtr().GetID())
	body := objectBody(t, doc, id)
	if !strings.Contains(body, "/Fields [") {
		t.Fatalf("form %q has no /Fields array", body)
	}
	return id, body
}

// TestWalksPastLeaves: the walks of a revision's objects (the roles of the
// change analysis, the comparison with a rebuilt reading) skip the entries
// that are leaves (numbers, names, strings) without resolving them
// (pdf.Value.IndexLeaf). A form drawn on page 1, referred to only after a
// run of leaves in a dictionary or in an array, is still page 1's: a
// forged one after signing is a change of page 1's resources, and one
// defined again after the last %%EOF makes the revision ambiguous. So is a
// form that page 1's resources name only in an array, after leaves.
func TestWalksPastLeaves(t *testing.T) {
	p := getPKI(t)
	base := basePDF()
	n, _, _ := docState(t, base)
	stream := func(dict, s string) string {
		return fmt.Sprintf("<< %s /Length %d >>\nstream\n%s\nendstream", dict, len(s), s)
	}
	form := func(text string) string {
		return stream("/Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >>",
			"BT /F1 14 Tf 72 700 Td ("+text+") Tj ET")
	}
	var leaves []string
	for i := range 300 {
		leaves = append(leaves, strconv.Itoa(i), "/N"+strconv.Itoa(i), "("+strconv.Itoa(i)+")")
	}
	// testpdf.Make: 3 is the font, 4 page 1's content, 5 page 1. Form n,
	// which the content draws, is named after leaves of page 1's
	// /XObject dictionary; form n+1 only after leaves of an array of its
	// resources.
	page := objectBody(t, base, 5)
	page = strings.Replace(page, "/Resources << /Font << /F1 3 0 R >> >>", fmt.Sprintf(
		"/Resources << /Font << /F1 3 0 R >> /XObject << /A 1 /B (b) /C /Name /D 2.5 /E true /Fm %d 0 R >> /Z [%s %d 0 R %s] >>",
		n, strings.Join(leaves, " "), n+1, strings.Join(leaves, " ")), 1)
	if !strings.Contains(page, "/Fm ") {
		t.Fatalf("page 1 %q: no resources to extend", page)
	}
	content := "BT /F1 18 Tf 72 760 Td (Trang 1 / Page 1 - " + testpdf.Marker + ") Tj ET\nq /Fm Do Q"
	prepared := appendUpdate(t, base, map[int]string{
		4:     stream("", content),
		5:     page,
		n:     form("Dieu 1: giu nguyen hien trang"),
		n + 1: form("Dieu 2: chap thuan"),
	})
	signed := signPDF(t, p, prepared, p.official, pades.Options{Level: pades.LevelBT})
	if rep := verifyPDF(t, signed, p.trusted()); !rep.Valid {
		t.Fatalf("the signed document is not valid: %s", dump(rep))
	}
	for _, tc := range []struct {
		name string
		id   int
	}{
		{"after leaves of a dictionary", n},
		{"after leaves of an array", n + 1},
	} {
		t.Run("form "+tc.name+" replaced", func(t *testing.T) {
			doc := appendUpdate(t, signed, map[int]string{tc.id: form("Dieu 1: thu hoi giay phep")})
			rep := verifyPDF(t, doc, p.trusted())
			s := sigOf(t, rep, 0)
			if rep.Valid || s.Indication == TotalPassed {
				t.Fatalf("a forged form passes: %s", dump(rep))
			}
			found := false
			for _, c := range s.ChangesAfter {
				found = found || c.Kind == ChangeResources && !c.Allowed && strings.Contains(c.Detail, fmt.Sprintf("page 1: resources (object %d)", tc.id))
			}
			if !found {
				t.Errorf("changes_after %+v: no disallowed change of page 1's resources naming object %d", s.ChangesAfter, tc.id)
			}
		})
		t.Run("form "+tc.name+" defined again after %%EOF", func(t *testing.T) {
			doc := append(bytes.Clone(signed), fmt.Sprintf("%d 0 obj\n%s\nendobj\n", tc.id, form("Dieu 1: thu hoi giay phep"))...)
			rep := verifyPDF(t, doc, p.trusted())
			s := sigOf(t, rep, 0)
			if s.Indication != Indeterminate || s.SubIndication != AmbiguousRevision || rep.Valid {
				t.Fatalf("got %s/%s (%s), want INDETERMINATE/%s", s.Indication, s.SubIndication, s.Detail, AmbiguousRevision)
			}
			if !strings.Contains(s.Detail, fmt.Sprintf("object %d", tc.id)) {
				t.Errorf("detail %q does not name object %d", s.Detail, tc.id)
			}
		})
	}
}

// noWholeRead reads a document like a file does, but fails the first read
// of all of it at once (inMemory's): VerifyPDF then reads it through
// ReadAt as it reads documents larger than maxInMemory.
type noWholeRead struct {
	r      *bytes.Reader
	failed bool
}

func (n *noWholeRead) ReadAt(b []byte, off int64) (int, error) {
	if !n.failed && off == 0 && int64(len(b)) == n.r.Size() {
		n.failed = true
		return 0, errors.New("no whole read")
	}
	return n.r.ReadAt(b, off)
}

// TestInMemoryAndThroughReadAt: a document of at most maxInMemory bytes is
// read into memory once and searched there (inMemory, pdf.ScanBytes); a
// larger one, or one that cannot be read whole, through ReadAt in blocks.
// Forgeries are refused alike, with the same report, either way: an
// incremental update of page 1, a definition after %%EOF that a viewer's
// rebuild takes, a free entry hiding page 1's content, and the real-world
// documents.
func TestInMemoryAndThroughReadAt(t *testing.T) {
	p := getPKI(t)
	signed := signPDF(t, p, basePDF(), p.official, pades.Options{Level: pades.LevelBT})
	n, root, prev := docState(t, signed)
	var freed bytes.Buffer
	freed.Write(signed)
	fmt.Fprintf(&freed, "xref\n4 1\n0000000000 00001 f \ntrailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", n, root, prev, len(signed))
	docs := map[string][]byte{
		"signed":            signed,
		"page 1 replaced":   appendUpdate(t, signed, map[int]string{4: "<< /Length 16 >>\nstream\nBT (forged) Tj ET\nendstream"}),
		"after %%EOF":       append(bytes.Clone(signed), "5 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n"...),
		"free entry":        freed.Bytes(),
		"hidden definition": appendUpdate(t, signed, map[int]string{n: "<< /Length 60 >>\nstream\n\n4 0 obj\n<< /Length 18 >>\nstream\nBT (forged) Tj ET\nendstream\nendstream"}),
	}
	dir := realworldDir(t)
	roots, inter, err := LoadTrustDir(filepath.Join(dir, "roots"))
	if err != nil {
		t.Fatal(err)
	}
	names, _ := filepath.Glob(filepath.Join(dir, "*", "*.pdf"))
	for _, name := range names {
		doc, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = doc
	}
	now := time.Now()
	refused := 0
	for name, doc := range docs {
		opts := p.trusted()
		if strings.HasPrefix(name, dir) {
			opts = Options{Roots: roots, Intermediates: inter}
		}
		opts.Now = func() time.Time { return now }
		mem := verifyPDF(t, doc, opts)
		through := &noWholeRead{r: bytes.NewReader(doc)}
		rep, err := VerifyPDF(context.Background(), through, int64(len(doc)), opts)
		if err != nil {
			t.Fatalf("%s: VerifyPDF through ReadAt = %v", name, err)
		}
		if !through.failed {
			t.Fatalf("%s: not read whole first", name)
		}
		if a, b := dump(mem), dump(rep); a != b {
			t.Errorf("%s: read in memory:\n%s\nthrough ReadAt:\n%s", name, a, b)
		}
		if !mem.Valid {
			refused++
		}
		if name == "signed" != mem.Valid && !strings.HasPrefix(name, dir) {
			t.Errorf("%s: valid %v", name, mem.Valid)
		}
	}
	if refused < 4 {
		t.Errorf("%d documents refused, want at least the 4 forgeries", refused)
	}
}

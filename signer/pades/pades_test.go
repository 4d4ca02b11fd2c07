package pades_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pkcs7"
	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/appearance"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/signer/tsa"
)

var hanoi = time.FixedZone("ICT", 7*3600)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sign signs in with s and returns the output, checking the Result.
func sign(t *testing.T, s *pades.Signer, in []byte, cred model.Key, opts pades.Options) []byte {
	t.Helper()
	var out bytes.Buffer
	res, err := s.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out, cred, opts)
	if err != nil {
		t.Fatalf("Sign(%+v) = %v", opts, err)
	}
	if sum := sha256.Sum256(out.Bytes()); !bytes.Equal(res.DocumentDigest, sum[:]) {
		t.Errorf("Result.DocumentDigest = %x, want SHA-256 of the output %x", res.DocumentDigest, sum)
	}
	want := opts.Level
	if want == "" {
		want = pades.LevelBB
	}
	if res.Level != want {
		t.Errorf("Result.Level = %q, want %q", res.Level, want)
	}
	if opts.Field != "" && res.SignatureField != opts.Field {
		t.Errorf("Result.SignatureField = %q, want %q", res.SignatureField, opts.Field)
	}
	if !bytes.HasPrefix(out.Bytes(), in) {
		t.Fatalf("output does not start with the input unchanged")
	}
	return out.Bytes()
}

// signatureToken returns the signature time-stamp token of a CMS and the
// hash of the signature value it must be over.
func signatureToken(t *testing.T, der []byte, h crypto.Hash) (token, imprint []byte) {
	t.Helper()
	p7, err := pkcs7.Parse(der)
	if err != nil {
		t.Fatalf("pkcs7.Parse: %v", err)
	}
	si := p7.Signers[0]
	for _, a := range si.UnauthenticatedAttributes {
		if a.Type.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}) {
			var tok asn1.RawValue
			if _, err := asn1.Unmarshal(a.Value.Bytes, &tok); err != nil {
				t.Fatal(err)
			}
			sum := h.New()
			sum.Write(si.EncryptedDigest)
			return tok.FullBytes, sum.Sum(nil)
		}
	}
	t.Fatalf("CMS has no signature time-stamp")
	return nil, nil
}

// dssContents reads the catalog's DSS back.
type dssContents struct {
	certs, ocsps, crls [][]byte
	vri                map[string]pdf.Value
}

func readDSS(t *testing.T, doc []byte) dssContents {
	t.Helper()
	dss := openPDF(t, doc).Trailer().Key("Root").Key("DSS")
	if dss.Kind() != pdf.Dict {
		t.Fatalf("catalog has no /DSS dictionary")
	}
	streams := func(key string) [][]byte {
		var out [][]byte
		a := dss.Key(key)
		for i := 0; i < a.Len(); i++ {
			if a.Index(i).Kind() != pdf.Stream {
				t.Fatalf("/DSS /%s[%d] is not a stream", key, i)
			}
			out = append(out, a.Index(i).Data())
		}
		return out
	}
	d := dssContents{certs: streams("Certs"), ocsps: streams("OCSPs"), crls: streams("CRLs"), vri: map[string]pdf.Value{}}
	for _, k := range dss.Key("VRI").Keys() {
		d.vri[k] = dss.Key("VRI").Key(k)
	}
	return d
}

func containsBytes(list [][]byte, b []byte) bool {
	return slices.ContainsFunc(list, func(x []byte) bool { return bytes.Equal(x, b) })
}

func vriKey(contents []byte) string {
	sum := sha1.Sum(contents)
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

// TestSignLevels signs at every level and has independent tools judge the
// result: pdfsig (NSS) for the signatures, qpdf for the structure, openssl
// ts for the time-stamps; the DSS is read back with digitorus/pdf.
func TestSignLevels(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	tables := makePDF(pdfSpec{})
	streams := makePDF(pdfSpec{xrefStream: true})
	cairo := readTestdata(t, "onepage-xrefstream.pdf")
	old := readTestdata(t, "twopage-pdf12.pdf")

	tests := []struct {
		name string
		in   []byte
		cred model.Key
		opts pades.Options
	}{
		{"B-B/table", tables, p.official, pades.Options{Level: pades.LevelBB}},
		{"B-T/table", tables, p.official, pades.Options{Level: pades.LevelBT, Rect: [4]float64{50, 50, 250, 120}}},
		{"B-LT/table", tables, p.official, pades.Options{Level: pades.LevelBLT}},
		{"B-LTA/table", tables, p.official, pades.Options{Level: pades.LevelBLTA, Page: 3, Rect: [4]float64{300, 60, 540, 140}}},
		{"B-B/stream", streams, p.official, pades.Options{Level: pades.LevelBB}},
		{"B-LT/stream", streams, p.official, pades.Options{Level: pades.LevelBLT}},
		{"B-LTA/stream", streams, p.seal, pades.Options{Level: pades.LevelBLTA, Page: 2, Rect: [4]float64{350, 40, 560, 110}}},
		{"B-B/cairo", cairo, p.seal, pades.Options{Level: pades.LevelBB, Rect: [4]float64{350, 40, 560, 110}}},
		{"B-LTA/cairo", cairo, p.seal, pades.Options{Level: pades.LevelBLTA}},
		{"B-T/pdf-1.2", old, p.official, pades.Options{Level: pades.LevelBT}},
		{"PSS/B-B", tables, p.official, pades.Options{Level: pades.LevelBB, Scheme: pades.SchemePSS}},
		{"PSS/B-T", streams, p.official, pades.Options{Level: pades.LevelBT, Scheme: pades.SchemePSS}},
		{"PSS/B-LTA/SHA-512", cairo, p.official, pades.Options{Level: pades.LevelBLTA, Scheme: pades.SchemePSS, Hash: crypto.SHA512}},
		{"SHA-384/B-LT", tables, p.seal, pades.Options{Level: pades.LevelBLT, Hash: crypto.SHA384}},
		{"ECDSA/B-T", tables, p.ec, pades.Options{Level: pades.LevelBT}},
		{"adbe.pkcs7.detached/B-T", tables, p.official, pades.Options{Level: pades.LevelBT, SubFilter: pades.SubFilterPKCS7}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tsa := &testTSA{pki: p}
			rev := newRevocation(p)
			s := pades.New(tsa, rev)
			opts := tt.opts
			opts.Reason, opts.Location = "Phê duyệt hồ sơ", "Hà Nội"
			opts.SigningTime = time.Now().In(hanoi)
			out := sign(t, s, tt.in, tt.cred, opts)
			h := opts.Hash
			if h == 0 {
				h = crypto.SHA256
			}
			lta := opts.Level == pades.LevelBLTA
			lt := lta || opts.Level == pades.LevelBLT

			// poppler's pdfsig, backed by NSS, trusting only the test root.
			reps := runPdfsig(t, p, out)
			wantReps := 1
			if lta {
				wantReps = 2
			}
			if len(reps) != wantReps {
				t.Fatalf("pdfsig reports %d signatures, want %d:\n%+v", len(reps), wantReps, reps)
			}
			sig := reps[0]
			if !sig.Valid || !sig.Trusted {
				t.Errorf("pdfsig: signature valid=%t trusted=%t, want both:%s", sig.Valid, sig.Trusted, sig.Text)
			}
			wantType := opts.SubFilter
			if wantType == "" {
				wantType = pades.SubFilterCAdES
			}
			if sig.Type != wantType || sig.CommonName != tt.cred.Cert.Subject.CommonName || sig.Field != "Signature1" {
				t.Errorf("pdfsig: type %q, signer %q, field %q; want %q, %q, Signature1", sig.Type, sig.CommonName, sig.Field, wantType, tt.cred.Cert.Subject.CommonName)
			}
			if sig.Total != !lt {
				t.Errorf("pdfsig: total document signed = %t, want %t (later DSS/time-stamp updates follow at B-LT)", sig.Total, !lt)
			}
			if lta {
				// pdfsig 22.12 lists a document time-stamp but cannot
				// validate ETSI.RFC3161; openssl ts checks it below.
				ts := reps[1]
				if ts.Field != "Timestamp1" || ts.CommonName != p.tsaCert.Subject.CommonName {
					t.Errorf("pdfsig: document time-stamp field %q by %q, want Timestamp1 by %q", ts.Field, ts.CommonName, p.tsaCert.Subject.CommonName)
				}
			}

			qpdfCheck(t, out)

			// Every update keeps the input's cross-reference style.
			in, got := xrefStyles(t, tt.in), xrefStyles(t, out)
			wantRevs := map[pades.Level]int{pades.LevelBB: 1, pades.LevelBT: 1, pades.LevelBLT: 2, pades.LevelBLTA: 4}[opts.Level]
			if len(got) != len(in)+wantRevs {
				t.Fatalf("output has %d cross-reference sections, want %d + %d", len(got), len(in), wantRevs)
			}
			for _, s := range got[len(in):] {
				if s != in[len(in)-1] {
					t.Errorf("update cross-reference styles %v, want all %q like the input", got[len(in):], in[len(in)-1])
					break
				}
			}

			sigs := readSignatures(t, out)
			if len(sigs) != wantReps {
				t.Fatalf("read back %d signatures, want %d", len(sigs), wantReps)
			}
			br := sigs[0].ByteRange
			if br[0] != 0 || out[br[1]] != '<' || out[br[2]-1] != '>' || br[2]-br[1] != int64(2*len(sigs[0].Contents)+2) {
				t.Errorf("/ByteRange %v does not exclude exactly /Contents", br)
			}
			opensslCMSVerify(t, p, sigs[0].DER, sigs[0].Signed)
			if opts.Level != pades.LevelBB {
				token, imprint := signatureToken(t, sigs[0].DER, h)
				opensslTSVerify(t, p, token, imprint)
			}
			if lta {
				dts := sigs[1]
				if dts.Type != "DocTimeStamp" || dts.SubFilter != "ETSI.RFC3161" {
					t.Errorf("document time-stamp /Type %q /SubFilter %q", dts.Type, dts.SubFilter)
				}
				sum := h.New()
				sum.Write(dts.Signed)
				opensslTSVerify(t, p, dts.DER, sum.Sum(nil))
				if end := dts.ByteRange[2] + dts.ByteRange[3]; end <= br[2]+br[3] || end >= int64(len(out)) {
					t.Errorf("document time-stamp covers up to %d; want past the signature's %d and before the final DSS", end, br[2]+br[3])
				}
			}
			if lt {
				checkDSS(t, p, out, sigs, rev, lta)
			}
		})
	}
}

// checkDSS checks the B-LT validation data read back from the output.
func checkDSS(t *testing.T, p *testPKI, out []byte, sigs []signatureInfo, rev *testRevocation, lta bool) {
	t.Helper()
	dss := readDSS(t, out)
	given := rev.given()
	if len(given) == 0 {
		t.Fatal("the revocation source was not asked for OCSP responses")
	}
	for i, g := range given {
		if !containsBytes(dss.ocsps, g) {
			t.Errorf("DSS /OCSPs lacks the OCSP response %d supplied", i)
		}
	}
	for i, o := range dss.ocsps {
		if _, err := ocsp.ParseResponse(o, nil); err != nil {
			t.Errorf("DSS OCSP response %d: %v", i, err)
		}
	}
	for _, c := range []*x509.Certificate{sigs[0].signer(t), p.ca, p.root, p.tsaCert} {
		if !containsBytes(dss.certs, c.Raw) {
			t.Errorf("DSS /Certs lacks %q", c.Subject.CommonName)
		}
	}
	if len(dss.crls) == 0 {
		t.Errorf("DSS has no CRLs")
	}
	for i, c := range dss.crls {
		if _, err := x509.ParseRevocationList(c); err != nil {
			t.Errorf("DSS CRL %d: %v", i, err)
		}
	}
	// One VRI entry per signature, keyed by the SHA-1 of /Contents, whose
	// OCSP responses are the signer's, its CA's and its TSA's.
	v, ok := dss.vri[vriKey(sigs[0].Contents)]
	if !ok {
		t.Fatalf("DSS /VRI has no entry %s for the signature; has %v", vriKey(sigs[0].Contents), dss.vri)
	}
	if n := v.Key("OCSP").Len(); n != 3 {
		t.Errorf("signature's VRI has %d OCSP responses, want 3 (signer, CA, TSA)", n)
	}
	if lta {
		if _, ok := dss.vri[vriKey(sigs[1].Contents)]; !ok {
			t.Errorf("DSS /VRI has no entry for the document time-stamp")
		}
	}
}

func (s signatureInfo) signer(t *testing.T) *x509.Certificate {
	t.Helper()
	p7, err := pkcs7.Parse(s.DER)
	if err != nil {
		t.Fatal(err)
	}
	return p7.GetOnlySigner()
}

// TestCertificationFlow runs the e-office flow: the drafter certifies the
// document allowing form filling and signing (DocMDP P=2), the leader
// approves it with a visible signature, then the agency's seal is added at
// B-LT. Each signature must survive the ones after it.
func TestCertificationFlow(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	rev := newRevocation(p)
	s := pades.New(&testTSA{pki: p}, rev)
	now := time.Now().In(hanoi)

	doc0 := makePDF(pdfSpec{xrefStream: true})
	doc1 := sign(t, s, doc0, p.ec, pades.Options{Level: pades.LevelBT, Certify: 2, Reason: "Dự thảo", SigningTime: now})
	// The visible signatures are drawn by signer/appearance, with
	// Vietnamese text in an embedded font, through pades.AppearanceFunc.
	draw := func(tmpl appearance.Template, d appearance.Data) pades.AppearanceFunc {
		return func(w pades.ObjectWriter, width, height float64) ([]byte, error) {
			return appearance.Render(w, tmpl, d, width, height)
		}
	}
	doc2 := sign(t, s, doc1, p.official, pades.Options{
		Level: pades.LevelBT, Field: "LanhDao", Page: 3, Rect: [4]float64{330, 120, 540, 200},
		Reason: "Phê duyệt", SigningTime: now.Add(time.Minute),
		Appearance: draw(appearance.TemplateLeader, appearance.Data{SignerName: "Nguyễn Văn An", Title: "Chủ tịch", SigningTime: now.Add(time.Minute)}),
	})
	doc3 := sign(t, s, doc2, p.seal, pades.Options{
		Level: pades.LevelBLT, Field: "DongDau", Page: 3, Rect: [4]float64{250, 90, 390, 230},
		Reason: "Đóng dấu", SigningTime: now.Add(2 * time.Minute),
		Appearance: draw(appearance.TemplateSeal, appearance.Data{Organization: "Sở Tư pháp Hà Nội", SigningTime: now.Add(2 * time.Minute)}),
	})

	reps := runPdfsig(t, p, doc3)
	if len(reps) != 3 {
		t.Fatalf("pdfsig reports %d signatures, want 3", len(reps))
	}
	wantFields := []string{"Signature1", "LanhDao", "DongDau"}
	wantSigners := []string{p.ec.Cert.Subject.CommonName, p.official.Cert.Subject.CommonName, p.seal.Cert.Subject.CommonName}
	for i, r := range reps {
		if !r.Valid || !r.Trusted || r.Field != wantFields[i] || r.CommonName != wantSigners[i] {
			t.Errorf("pdfsig signature %d: field %q by %q valid=%t trusted=%t; want %q by %q, valid and trusted",
				i+1, r.Field, r.CommonName, r.Valid, r.Trusted, wantFields[i], wantSigners[i])
		}
	}
	qpdfCheck(t, doc3)

	// The certification: /Perms /DocMDP names the first signature, whose
	// DocMDP transform has P=2.
	rdr := openPDF(t, doc3)
	mdp := rdr.Trailer().Key("Root").Key("Perms").Key("DocMDP")
	sigs := readSignatures(t, doc3)
	if mdp.GetPtr().GetID() != sigs[0].ID {
		t.Errorf("/Perms /DocMDP is object %d, want the first signature %d", mdp.GetPtr().GetID(), sigs[0].ID)
	}
	params := mdp.Key("Reference").Index(0).Key("TransformParams")
	if mdp.Key("Reference").Index(0).Key("TransformMethod").Name() != "DocMDP" || params.Key("P").Int64() != 2 {
		t.Errorf("certification reference %v, want DocMDP with P 2", mdp.Key("Reference"))
	}
	// Both approvals' widgets are on page 3.
	annots := rdr.Page(3).V.Key("Annots")
	var names []string
	for i := 0; i < annots.Len(); i++ {
		names = append(names, annots.Index(i).Key("T").Text())
	}
	if !slices.Contains(names, "LanhDao") || !slices.Contains(names, "DongDau") {
		t.Errorf("page 3 /Annots has fields %v, want LanhDao and DongDau", names)
	}

	// A document certified with no changes allowed takes no approval.
	locked := sign(t, s, doc0, p.ec, pades.Options{Certify: 1})
	var out bytes.Buffer
	_, err := s.Sign(context.Background(), bytes.NewReader(locked), int64(len(locked)), &out, p.official, pades.Options{})
	if !errors.Is(err, pades.ErrConflict) || out.Len() != 0 {
		t.Errorf("Sign(certified P=1) = %v, wrote %d bytes; want ErrConflict and nothing", err, out.Len())
	}
	// Only the first signature may certify.
	_, err = s.Sign(context.Background(), bytes.NewReader(doc2), int64(len(doc2)), &out, p.seal, pades.Options{Certify: 2})
	if !errors.Is(err, pades.ErrConflict) || out.Len() != 0 {
		t.Errorf("Sign(certify a signed document) = %v, wrote %d bytes; want ErrConflict and nothing", err, out.Len())
	}
}

// TestExistingField signs an empty signature field that the document's
// template already has, in place.
func TestExistingField(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	s := pades.New(&testTSA{pki: p}, newRevocation(p))
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprintf("xrefStream=%t", stream), func(t *testing.T) {
			in := makePDF(pdfSpec{emptyField: "ChuKyLanhDao", xrefStream: stream})
			out := sign(t, s, in, p.official, pades.Options{Level: pades.LevelBT, Field: "ChuKyLanhDao"})

			reps := runPdfsig(t, p, out)
			if len(reps) != 1 || reps[0].Field != "ChuKyLanhDao" || !reps[0].Valid || !reps[0].Trusted {
				t.Fatalf("pdfsig = %+v, want one valid, trusted signature in ChuKyLanhDao", reps)
			}
			qpdfCheck(t, out)

			acro := openPDF(t, out).Trailer().Key("Root").Key("AcroForm")
			if n := acro.Key("Fields").Len(); n != 1 {
				t.Errorf("AcroForm has %d fields, want the one it had", n)
			}
			if acro.Key("DA").RawString() == "" || acro.Key("DR").Key("Font").Key("Helv").IsNull() {
				t.Errorf("AcroForm lost /DA or /DR: keys %v", acro.Keys())
			}
			if acro.Key("SigFlags").Int64() != 3 {
				t.Errorf("AcroForm /SigFlags = %d, want 3", acro.Key("SigFlags").Int64())
			}
			w := acro.Key("Fields").Index(0)
			if w.Key("AP").Key("N").Kind() != pdf.Stream || w.Key("V").Key("Type").Name() != "Sig" {
				t.Errorf("signed field has no appearance or value")
			}

			// Signing it again is refused.
			var again bytes.Buffer
			_, err := s.Sign(context.Background(), bytes.NewReader(out), int64(len(out)), &again, p.seal, pades.Options{Field: "ChuKyLanhDao"})
			if !errors.Is(err, pades.ErrInvalid) || again.Len() != 0 {
				t.Errorf("Sign(signed field) = %v, wrote %d bytes; want ErrInvalid and nothing", err, again.Len())
			}
		})
	}
}

// TestAppearanceFunc draws a widget with a caller's AppearanceFunc that
// adds its own resources through the ObjectWriter, and checks that poppler
// renders it.
func TestAppearanceFunc(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	s := pades.New(nil, nil)
	var gotW, gotH float64
	red := func(w pades.ObjectWriter, width, height float64) ([]byte, error) {
		gotW, gotH = width, height
		img, err := w.AddObject([]byte("<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length 3 >>\nstream\n\xd0\x10\x10\nendstream"))
		if err != nil {
			return nil, err
		}
		content := fmt.Sprintf("q %g 0 0 %g 0 0 cm /Seal Do Q", width, height)
		return []byte(fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 %g %g] /Resources << /XObject << /Seal %d 0 R >> >> /Length %d >>\nstream\n%s\nendstream",
			width, height, img, len(content), content)), nil
	}
	out := sign(t, s, makePDF(pdfSpec{}), p.seal, pades.Options{Page: 2, Rect: [4]float64{100, 100, 300, 200}, Appearance: red})
	if gotW != 200 || gotH != 100 {
		t.Errorf("AppearanceFunc got %gx%g, want 200x100", gotW, gotH)
	}
	if reps := runPdfsig(t, p, out); len(reps) != 1 || !reps[0].Valid || !reps[0].Trusted {
		t.Fatalf("pdfsig = %+v, want one valid, trusted signature", reps)
	}
	qpdfCheck(t, out)

	// Render page 2 at 72 dpi: the widget's centre must be the image's red.
	dir := t.TempDir()
	if o, err := run(t, "pdftoppm", "-r", "72", "-f", "2", "-l", "2", "-png", writeTemp(t, "doc.pdf", out), filepath.Join(dir, "p")); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, o)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "p*.png"))
	if len(files) != 1 {
		t.Fatalf("pdftoppm wrote %v", files)
	}
	f, err := os.Open(files[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// PDF y grows upwards; the page is 842 points high.
	r, g, b, _ := img.At(200, 842-150).RGBA()
	if r>>8 < 0xc0 || g>>8 > 0x40 || b>>8 > 0x40 {
		t.Errorf("widget centre renders as rgb(%d,%d,%d), want the seal's red", r>>8, g>>8, b>>8)
	}
}

// TestSignErrors checks that bad requests fail with the right kind and
// write nothing.
func TestSignErrors(t *testing.T) {
	p := getPKI(t)
	good := makePDF(pdfSpec{})
	full := pades.New(&testTSA{pki: p}, newRevocation(p))
	tests := []struct {
		name string
		s    *pades.Signer
		in   []byte
		cred model.Key
		opts pades.Options
		want error
	}{
		{"unknown level", full, good, p.official, pades.Options{Level: "B-X"}, pades.ErrInvalid},
		{"B-T without TSA", pades.New(nil, nil), good, p.official, pades.Options{Level: pades.LevelBT}, pades.ErrInvalid},
		{"B-LT without revocation", pades.New(&testTSA{pki: p}, nil), good, p.official, pades.Options{Level: pades.LevelBLT}, pades.ErrInvalid},
		{"PSS with ECDSA", full, good, p.ec, pades.Options{Scheme: pades.SchemePSS}, pades.ErrInvalid},
		{"unknown scheme", full, good, p.official, pades.Options{Scheme: "pkcs1"}, pades.ErrInvalid},
		{"SHA-1", full, good, p.official, pades.Options{Hash: crypto.SHA1}, pades.ErrInvalid},
		{"key not the certificate's", full, good, model.Key{Signer: p.official.Signer, Cert: p.seal.Cert}, pades.Options{}, pades.ErrInvalid},
		{"wrong chain", full, good, model.Key{Signer: p.official.Signer, Cert: p.official.Cert, Chain: []*x509.Certificate{p.root}}, pades.Options{}, pades.ErrInvalid},
		{"adbe at B-LT", full, good, p.official, pades.Options{Level: pades.LevelBLT, SubFilter: pades.SubFilterPKCS7}, pades.ErrInvalid},
		{"page out of range", full, good, p.official, pades.Options{Page: 4, Rect: [4]float64{0, 0, 100, 100}}, pades.ErrInvalid},
		{"upside-down rectangle", full, good, p.official, pades.Options{Rect: [4]float64{100, 100, 0, 0}}, pades.ErrInvalid},
		{"Certify 4", full, good, p.official, pades.Options{Certify: 4}, pades.ErrInvalid},
		{"missing nested field", full, good, p.official, pades.Options{Field: "a.b"}, pades.ErrInvalid},
		{"not a PDF", full, []byte("%PDF-1.7\nthis is not a PDF\n"), p.official, pades.Options{}, pades.ErrInvalid},
		{"B-LT without root", full, good, model.Key{Signer: p.official.Signer, Cert: p.official.Cert, Chain: []*x509.Certificate{p.ca}}, pades.Options{Level: pades.LevelBLT}, pades.ErrInvalid},
		{"revoked at B-LT", full, good, p.revokedCred, pades.Options{Level: pades.LevelBLT}, pades.ErrRevoked},
		{"TSA down", pades.New(&testTSA{pki: p, fail: errTSADown}, nil), good, p.official, pades.Options{Level: pades.LevelBT}, errTSADown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := tt.s.Sign(context.Background(), bytes.NewReader(tt.in), int64(len(tt.in)), &out, tt.cred, tt.opts)
			if !errors.Is(err, tt.want) {
				t.Errorf("Sign(%s) = %v, want %v", tt.name, err, tt.want)
			}
			if out.Len() != 0 {
				t.Errorf("Sign(%s) wrote %d bytes after failing", tt.name, out.Len())
			}
		})
	}
}

// onlyReadSeeker hides bytes.Reader's ReadAt.
type onlyReadSeeker struct{ io.ReadSeeker }

// TestReadSeekerInput signs from an input that is not an io.ReaderAt.
func TestReadSeekerInput(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	s := pades.New(&testTSA{pki: p}, newRevocation(p))
	in := makePDF(pdfSpec{xrefStream: true})
	var out bytes.Buffer
	if _, err := s.Sign(context.Background(), onlyReadSeeker{bytes.NewReader(in)}, int64(len(in)), &out, p.official, pades.Options{Level: pades.LevelBLTA}); err != nil {
		t.Fatalf("Sign = %v", err)
	}
	if reps := runPdfsig(t, p, out.Bytes()); len(reps) != 2 || !reps[0].Valid || !reps[0].Trusted {
		t.Fatalf("pdfsig = %+v", reps)
	}
	qpdfCheck(t, out.Bytes())
}

// TestForeignSignatures signs a document that already carries three
// signatures by someone else (which pdfsig reports as broken in the input
// already): they must be reported exactly as before, and ours as valid.
func TestForeignSignatures(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	s := pades.New(&testTSA{pki: p}, newRevocation(p))
	in := readTestdata(t, "multipage-signed-xrefstream.pdf")
	before := runPdfsig(t, p, in)
	out := sign(t, s, in, p.official, pades.Options{Level: pades.LevelBLT, Page: 3, Rect: [4]float64{350, 40, 560, 110}})
	after := runPdfsig(t, p, out)
	if len(after) != len(before)+1 {
		t.Fatalf("pdfsig reports %d signatures, want %d", len(after), len(before)+1)
	}
	for i := range before {
		b, a := before[i], after[i]
		b.Text, a.Text = "", ""
		if a != b {
			t.Errorf("earlier signature %d reported as %+v, was %+v", i+1, a, b)
		}
	}
	if r := after[len(before)]; !r.Valid || !r.Trusted || r.Field != "Signature1" {
		t.Errorf("new signature: %+v", r)
	}
	qpdfCheck(t, out)
}

// TestToolsDetectTampering is the control for the tests above: the same
// tools must reject a signature once a signed byte or the signature value
// is changed, so their "valid" means something.
func TestToolsDetectTampering(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	s := pades.New(nil, nil)
	for _, scheme := range []string{pades.SchemePKCS1v15, pades.SchemePSS} {
		t.Run(scheme, func(t *testing.T) {
			out := sign(t, s, makePDF(pdfSpec{}), p.official, pades.Options{Scheme: scheme})
			sig := readSignatures(t, out)[0]

			content := bytes.Clone(out)
			i := bytes.Index(content, []byte("Trang 2"))
			content[i] = 'X'
			if reps := runPdfsig(t, p, content); len(reps) != 1 || reps[0].Valid {
				t.Errorf("pdfsig accepts a changed page: %+v", reps)
			}

			value := bytes.Clone(out)
			// The signature value is the last thing in the CMS before the
			// padding: change a hex digit inside it.
			at := sig.ByteRange[1] + 1 + 2*int64(len(sig.DER)) - 20
			if value[at] == '0' {
				value[at] = '1'
			} else {
				value[at] = '0'
			}
			if reps := runPdfsig(t, p, value); len(reps) != 1 || reps[0].Valid {
				t.Errorf("pdfsig accepts a changed signature value: %+v", reps)
			}
		})
	}
}

// TestKysoTSA signs at B-LTA with kyso's own time-stamp authority
// (signer/tsa) instead of the digitorus/timestamp test TSA.
func TestKysoTSA(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	auth, err := tsa.New(tsa.Config{}, model.Key{Signer: p.tsaKey, Cert: p.tsaCert, Chain: []*x509.Certificate{p.ca, p.root}})
	if err != nil {
		t.Fatalf("tsa.New: %v", err)
	}
	rev := newRevocation(p)
	s := pades.New(auth, rev)
	out := sign(t, s, makePDF(pdfSpec{}), p.official, pades.Options{Level: pades.LevelBLTA, Rect: [4]float64{50, 50, 250, 120}})
	reps := runPdfsig(t, p, out)
	if len(reps) != 2 || !reps[0].Valid || !reps[0].Trusted || reps[1].CommonName != p.tsaCert.Subject.CommonName {
		t.Fatalf("pdfsig = %+v, want a valid, trusted signature and a document time-stamp", reps)
	}
	qpdfCheck(t, out)
	sigs := readSignatures(t, out)
	token, imprint := signatureToken(t, sigs[0].DER, crypto.SHA256)
	opensslTSVerify(t, p, token, imprint)
	sum := sha256.Sum256(sigs[1].Signed)
	opensslTSVerify(t, p, sigs[1].DER, sum[:])
	checkDSS(t, p, out, sigs, rev, true)
}

// TestLargeTimestampToken uses a TSA whose tokens do not fit the room
// reserved for them: the signature and the document time-stamp are each
// placed again with more room, and the result is still valid.
func TestLargeTimestampToken(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	cert, err := p.bigTSACert(16 << 10)
	if err != nil {
		t.Fatal(err)
	}
	ts := &testTSA{pki: p, cert: cert, key: p.tsaKey}
	s := pades.New(ts, newRevocation(p))
	out := sign(t, s, makePDF(pdfSpec{}), p.official, pades.Options{Level: pades.LevelBLTA})
	if n := ts.calls.Load(); n != 4 {
		t.Errorf("TSA called %d times, want 4 (each time-stamp once too large, then again)", n)
	}
	reps := runPdfsig(t, p, out)
	if len(reps) != 2 || !reps[0].Valid || !reps[0].Trusted {
		t.Fatalf("pdfsig = %+v", reps)
	}
	qpdfCheck(t, out)
	sigs := readSignatures(t, out)
	sum := sha256.Sum256(sigs[1].Signed)
	opensslTSVerify(t, p, sigs[1].DER, sum[:])
}

// TestMalformedInput feeds Sign truncated and damaged PDFs: each must be
// refused with an error (never a panic) and nothing written.
func TestMalformedInput(t *testing.T) {
	p := getPKI(t)
	s := pades.New(nil, nil)
	good := makePDF(pdfSpec{emptyField: "F"})
	inputs := map[string][]byte{
		"header only":   []byte("%PDF-1.7\n"),
		"only EOF":      []byte("%PDF-1.7\n%%EOF\n"),
		"bad startxref": []byte("%PDF-1.7\nstartxref\n999999\n%%EOF\n"),
		"tiny":          []byte("%PDF-1."),
	}
	for _, cut := range []int{20, len(good) / 3, len(good) / 2, len(good) - 40} {
		inputs[fmt.Sprintf("cut at %d", cut)] = good[:cut]
	}
	damaged := bytes.Clone(good)
	copy(damaged[bytes.Index(damaged, []byte("xref")):], "xxxx")
	inputs["damaged xref"] = damaged
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			_, err := s.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out, p.official, pades.Options{})
			if err == nil || out.Len() != 0 {
				t.Errorf("Sign(%s) = %v, wrote %d bytes; want an error and nothing", name, err, out.Len())
			}
		})
	}
}

// TestDSSMerge adds a second B-LT signature, then a B-LTA one, to a
// document: each DSS update keeps what the DSS held and adds the new
// signature's VRI entry, without repeating certificates.
func TestDSSMerge(t *testing.T) {
	requireTools(t)
	p := getPKI(t)
	s := pades.New(&testTSA{pki: p}, newRevocation(p))
	doc1 := sign(t, s, makePDF(pdfSpec{}), p.official, pades.Options{Level: pades.LevelBLT})
	doc2 := sign(t, s, doc1, p.seal, pades.Options{Level: pades.LevelBLTA})

	reps := runPdfsig(t, p, doc2)
	if len(reps) != 3 || !reps[0].Valid || !reps[0].Trusted || !reps[1].Valid || !reps[1].Trusted {
		t.Fatalf("pdfsig = %+v, want two valid, trusted signatures and a document time-stamp", reps)
	}
	qpdfCheck(t, doc2)

	sigs := readSignatures(t, doc2)
	dss := readDSS(t, doc2)
	for i, sig := range sigs {
		if _, ok := dss.vri[vriKey(sig.Contents)]; !ok {
			t.Errorf("DSS /VRI lacks signature %d", i+1)
		}
	}
	for i, c := range dss.certs {
		for _, d := range dss.certs[i+1:] {
			if bytes.Equal(c, d) {
				t.Errorf("DSS /Certs holds a certificate twice")
			}
		}
	}
	for _, c := range []*x509.Certificate{p.official.Cert, p.seal.Cert, p.tsaCert} {
		if !containsBytes(dss.certs, c.Raw) {
			t.Errorf("DSS /Certs lacks %q", c.Subject.CommonName)
		}
	}
}

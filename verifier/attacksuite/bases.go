package attacksuite

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kyso-vn/kyso/internal/hostilepdf"
	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/pades"
)

// Base is a signed document the attacks start from.
type Base struct {
	Name string
	PDF  []byte
	// Entries is the number of signatures and document time-stamps the
	// verifier reports for it.
	Entries int
	// Certify is the DocMDP permission of its certification signature, 0
	// if it has none.
	Certify int
	// VN is set for the Vietnamese Government's files of the real-world
	// corpus.
	VN bool
	// Form is set for the kyso form document (FormPDF): its fields are
	// FieldCover, FieldAmount, FieldNote and FieldApproval.
	Form bool
	// ShadowID and ShadowOffset are set for the shadow document
	// (ShadowPDF): it holds the attacker's page content, unused, as object
	// ShadowID and as a dead second definition of page 1's content stream
	// at ShadowOffset.
	ShadowID     int
	ShadowOffset int64
	// Font names a font of page 1's resources that forged content can
	// use, "" if none can be relied on.
	Font string
	// Marker is text of page 1's content that pdftotext finds, or "" if
	// it finds none (a scanned page). Text of annotations, such as the
	// number the Hanoi e-office stamps on its decisions, does not count.
	Marker string
}

// Object numbers of the form document (FormPDF).
const (
	FieldCover    = 7  // text field whose appearance covers signed text
	FieldAmount   = 8  // text field holding 100
	FieldNote     = 9  // empty text field over a blank area
	FieldApproval = 10 // empty signature field whose /Lock names amount
	formPage      = 5
	formFont      = 4
)

// Text the form document draws, and what the attacks make it show.
const (
	// SignedAmount is signed page text that the replace attacks paint
	// over.
	SignedAmount = "So tien duoc duyet: 100.000.000 dong"
	// HiddenText is signed page text that the cover field hides.
	HiddenText = "Y kien: DONG Y chi 9.000.000.000 dong cho Cong ty B"
	// CoverText is what the cover field shows over HiddenText.
	CoverText = "Y kien: KHONG DONG Y"
	// ForgedText is what forged pages say.
	ForgedText = "QUYET DINH THU HOI GIAY PHEP SO 99"
)

// FormPDF returns a one-page decision with an interactive form: the
// amount approved (page text), a statement hidden under the cover field's
// opaque appearance, a filled amount field, an empty note field over a
// blank area, and an empty approval signature field whose /Lock names
// amount (ISO 32000-1, 12.7.4.5, Table 233).
func FormPDF() []byte {
	content := strings.Join([]string{
		"BT /F1 16 Tf 60 780 Td (UY BAN NHAN DAN THANH PHO HA NOI) Tj ET",
		"BT /F1 12 Tf 60 740 Td (QUYET DINH so 2280/QD-UBND ve cap kinh phi) Tj ET",
		"BT /F1 12 Tf 60 700 Td (" + SignedAmount + ") Tj ET",
		"BT /F1 12 Tf 60 605 Td (" + HiddenText + ") Tj ET",
		"BT /F1 12 Tf 60 505 Td (So luong:) Tj ET",
	}, "\n")
	widget := func(name, rect, extra string, ap int) string {
		return fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Tx /T (%s) /Rect [%s] /F 4 /P %d 0 R /DA (/Helv 12 Tf 0 g)%s /AP << /N %d 0 R >> >>",
			name, rect, formPage, extra, ap)
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R /AcroForm 3 0 R >>",
		"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
		"<< /Fields [7 0 R 8 0 R 9 0 R 10 0 R] /DA (/Helv 12 Tf 0 g) /DR << /Font << /Helv 4 0 R >> >> >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 6 0 R /Annots [7 0 R 8 0 R 9 0 R 10 0 R] >>",
		Stream("", content),
		widget("cover", "60 595 540 630", " /V ("+CoverText+")", 11),
		widget("amount", "140 495 300 520", " /V (100)", 12),
		widget("note", "60 100 300 125", "", 13),
		"<< /Type /Annot /Subtype /Widget /FT /Sig /T (Approval) /Rect [350 40 550 110] /F 4 /P 5 0 R /Lock << /Type /SigFieldLock /Action /Include /Fields [(amount)] >> >>",
		FieldAppearance(480, 35, CoverText, true),
		FieldAppearance(160, 25, "100", true),
		FieldAppearance(240, 25, "", false),
		"<< /Title (Quyet dinh 2280) /Producer (kyso attack suite) >>",
	}
	return hostilepdf.Assemble(objs, 1, len(objs), false)
}

// FieldAppearance returns a text field's normal appearance of width × height
// showing text in the form document's Helvetica, on an opaque white
// background if opaque.
func FieldAppearance(width, height int, text string, opaque bool) string {
	return appearance(width, height, text, opaque, fmt.Sprintf("%d 0 R", formFont))
}

// appearance is FieldAppearance with the font font (a reference).
func appearance(width, height int, text string, opaque bool, font string) string {
	var b strings.Builder
	b.WriteString("/Tx BMC\n")
	if opaque {
		fmt.Fprintf(&b, "1 g 0 0 %d %d re f\n", width, height)
	}
	if text != "" {
		fmt.Fprintf(&b, "BT /Helv 12 Tf 0 g 4 %d Td %s Tj ET\n", height/2-4, pdfString(text))
	}
	b.WriteString("EMC")
	return Stream(fmt.Sprintf("/Type /XObject /Subtype /Form /BBox [0 0 %d %d] /Resources << /Font << /Helv %s >> >>", width, height, font), b.String())
}

// forgedContent is the attacker's page content: a white page with
// ForgedText drawn in font.
func forgedContent(font string) string {
	return fmt.Sprintf("1 g 0 0 5000 5000 re f\nBT /%s 18 Tf 0 g 60 760 Td (%s) Tj ET", font, ForgedText)
}

// blankContent is page content that paints the page white.
const blankContent = "1 g 0 0 5000 5000 re f"

// ShadowPDF returns a two-page dossier (testpdf.Make) prepared by an
// attacker before it is signed (PDF-Insecurity's shadow document): it also
// holds the attacker's page content as an unused object, number ShadowID,
// and as a second definition of page 1's content stream (object 4) that
// its cross-reference table does not list, at ShadowOffset. Viewers show
// neither until an update after the signature points at them.
func ShadowPDF() (doc []byte, shadowID int, shadowOffset int64, err error) {
	orig := testpdf.Make(2, 2000)
	size, err := Size(orig)
	if err != nil {
		return nil, 0, 0, err
	}
	xref := bytes.LastIndex(orig, []byte("\nxref\n")) + 1
	var b bytes.Buffer
	b.Write(orig[:xref])
	shadowOffset = int64(b.Len())
	fmt.Fprintf(&b, "4 0 obj\n%s\nendobj\n", Stream("", forgedContent("F1")))
	shadowAt := b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", size, Stream("", forgedContent("F1")))
	table := b.Len()
	tail := string(orig[xref:])
	// The table lists objects 0 to size-1; add the unused object.
	tail = strings.Replace(tail, fmt.Sprintf("xref\n0 %d\n", size), fmt.Sprintf("xref\n0 %d\n", size+1), 1)
	i := strings.Index(tail, "trailer")
	tail = tail[:i] + fmt.Sprintf("%010d 00000 n \n", shadowAt) + tail[i:]
	tail = strings.Replace(tail, fmt.Sprintf("/Size %d", size), fmt.Sprintf("/Size %d", size+1), 1)
	j := strings.LastIndex(tail, "startxref\n")
	tail = tail[:j] + fmt.Sprintf("startxref\n%d\n%%%%EOF\n", table)
	b.WriteString(tail)
	return b.Bytes(), size, shadowOffset, nil
}

// HybridPDF returns an honest hybrid-reference file (ISO 32000-1,
// 7.5.8.4), as word processors write them: a two-page dossier whose update
// redefines page 2's content through a cross-reference stream named by
// /XRefStm, next to an empty table.
func HybridPDF() ([]byte, error) {
	doc := testpdf.Make(2, 2000)
	pg, err := PageOf(doc, 2)
	if err != nil {
		return nil, err
	}
	return Append(doc, Update{Form: Hybrid, Hidden: map[int]string{
		pg.Contents: Stream("", "BT /F1 18 Tf 72 760 Td (Trang 2 / Page 2 - ban sua doi truoc khi ky) Tj ET"),
	}})
}

// KysoBases signs the suite's documents with kyso's PAdES signer, or with
// SignField where kyso's signer does not write what the case needs.
func (p *PKI) KysoBases() ([]*Base, error) {
	dossier := testpdf.Make(2, 2000)
	shadow, shadowID, shadowOffset, err := ShadowPDF()
	if err != nil {
		return nil, err
	}
	hybrid, err := HybridPDF()
	if err != nil {
		return nil, err
	}
	bt := func(certify int) pades.Options { return pades.Options{Level: pades.LevelBT, Certify: certify} }
	specs := []struct {
		base Base
		in   []byte
		cred model.Key
		opts pades.Options
		raw  *FieldSig
	}{
		{Base{Name: "kyso B-T", Entries: 1, Marker: "Trang 1"}, dossier, p.Official, bt(0), nil},
		{Base{Name: "kyso B-LTA", Entries: 2, Marker: "Trang 1"}, dossier, p.Seal, pades.Options{Level: pades.LevelBLTA}, nil},
		{Base{Name: "kyso certified P=1", Entries: 1, Certify: 1, Marker: "Trang 1"}, dossier, p.Official, bt(1), nil},
		{Base{Name: "kyso certified P=2", Entries: 1, Certify: 2, Marker: "Trang 1"}, dossier, p.Seal, pades.Options{Level: pades.LevelBT, Certify: 2, Rect: [4]float64{300, 40, 520, 110}}, nil},
		{Base{Name: "kyso form", Entries: 1, Form: true, Marker: "So tien duoc duyet"}, FormPDF(), p.Official, bt(0), nil},
		{Base{Name: "kyso form certified P=1", Entries: 1, Certify: 1, Form: true, Marker: "So tien duoc duyet"}, FormPDF(), p.Official, bt(1), nil},
		{Base{Name: "kyso form certified P=2", Entries: 1, Certify: 2, Form: true, Marker: "So tien duoc duyet"}, FormPDF(), p.Official, bt(2), nil},
		// kyso's signer signs the approval field in place and keeps its
		// /Lock; it writes no FieldMDP transform.
		{Base{Name: "kyso form /Lock", Entries: 1, Form: true, Marker: "So tien duoc duyet"}, FormPDF(), p.Official, pades.Options{Level: pades.LevelBT, Field: "Approval"}, nil},
		{Base{Name: "kyso form FieldMDP Include", Entries: 1, Form: true, Marker: "So tien duoc duyet"}, FormPDF(), model.Key{}, pades.Options{}, &FieldSig{
			Cred: p.Official, FieldID: FieldApproval,
			Entries: "/Reference [<< /Type /SigRef /TransformMethod /FieldMDP /TransformParams << /Type /TransformParams /Action /Include /Fields [(amount)] /V /1.2 >> >>]",
		}},
		{Base{Name: "kyso form FieldMDP All", Entries: 1, Form: true, Marker: "So tien duoc duyet"}, FormPDF(), model.Key{}, pades.Options{}, &FieldSig{
			Cred: p.Official, Field: "Approval2",
			Entries: "/Reference [<< /Type /SigRef /TransformMethod /FieldMDP /TransformParams << /Type /TransformParams /Action /All /V /1.2 >> >>]",
		}},
		{Base{Name: "kyso shadow document", Entries: 1, ShadowID: shadowID, ShadowOffset: shadowOffset, Marker: "Trang 1"}, shadow, p.Official, bt(0), nil},
		{Base{Name: "kyso hybrid-reference file", Entries: 1, Marker: "Trang 1"}, hybrid, p.Official, bt(0), nil},
	}
	var out []*Base
	for _, s := range specs {
		b := s.base
		b.Font = "F1" // testpdf.Make's and FormPDF's font
		if s.raw != nil {
			b.PDF, err = p.SignField(s.in, *s.raw)
		} else {
			b.PDF, err = p.Sign(s.in, s.cred, s.opts)
		}
		if err != nil {
			return nil, fmt.Errorf("attacksuite: base %q: %w", b.Name, err)
		}
		out = append(out, &b)
	}
	return out, nil
}

// The Vietnamese Government's files of the real-world corpus, relative to
// its directory.
const (
	HanoiFile = "vn-nom-vn/hanoi_qd_2280_water.pdf"
	TTgFile   = "vn-sus_agri_mekong/222-ttg.signed.pdf"
)

// VNBases reads the Vietnamese files from the corpus directory dir: the
// Hanoi People's Committee's decision with 7 signatures, and the Prime
// Minister's decision 222/QĐ-TTg certified with DocMDP P=2.
func VNBases(dir string) ([]*Base, error) {
	var out []*Base
	for _, f := range []struct {
		file string
		base Base
	}{
		{HanoiFile, Base{Name: "Hanoi QD 2280 (7 signatures)", Entries: 7, VN: true, Marker: "BAN NHÂN DÂN"}},
		{TTgFile, Base{Name: "222/QD-TTg (certified P=2)", Entries: 1, Certify: 2, VN: true}},
	} {
		doc, err := os.ReadFile(filepath.Join(dir, f.file))
		if err != nil {
			return nil, fmt.Errorf("attacksuite: %w", err)
		}
		b := f.base
		b.PDF = doc
		out = append(out, &b)
	}
	return out, nil
}

// ZlibZeros returns mib MiB of zeros compressed with zlib, about 1 KiB per
// MiB, made in milliseconds: the deflate output for the second MiB of
// zeros, once flushed, is the same for every later MiB, so it is repeated.
func ZlibZeros(mib int) []byte {
	const chunk = 1 << 20
	zeros := make([]byte, chunk)
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression) // fails only for a bad level
	w.Write(zeros)
	w.Flush()
	first := bytes.Clone(b.Bytes())
	b.Reset()
	w.Write(zeros)
	w.Flush()
	steady := bytes.Clone(b.Bytes())
	b.Reset()
	w.Close()
	last := b.Bytes()

	var out bytes.Buffer
	out.Write([]byte{0x78, 0xda}) // zlib header: deflate, 32 KiB window, best compression
	out.Write(first)
	for i := 1; i < mib; i++ {
		out.Write(steady)
	}
	out.Write(last)
	// Adler-32 of n zeros: A = 1, B = n mod 65521.
	n := uint64(mib) * chunk
	var sum [4]byte
	binary.BigEndian.PutUint32(sum[:], uint32(n%65521)<<16|1)
	out.Write(sum[:])
	return out.Bytes()
}

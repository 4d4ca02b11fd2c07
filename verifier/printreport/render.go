package printreport

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/kyso-vn/kyso/internal/warnvi"
	"github.com/kyso-vn/kyso/verifier"
)

// Input is what the printed report says.
type Input struct {
	// Report is the verification report.
	Report *verifier.Report
	// DocumentName is the file name of the verified document ("" when
	// unknown); DocumentSHA256 its SHA-256 as received.
	DocumentName   string
	DocumentSHA256 []byte
	// CheckedAt is when the document was verified.
	CheckedAt time.Time
	// Public masks personal identifiers (CCCD, CMND, passport numbers)
	// but their last four characters, for the public verification page
	// and API.
	Public bool
	// Signed says how the report is sealed: true when kyso signs it
	// (PAdES B-LT) with the seal of Sealer; false for a report written
	// unsigned (kyso verify offline), which it says in print.
	Signed bool
	Sealer string
	// Font is a TrueType font with Vietnamese glyphs (DejaVu Sans).
	Font []byte
}

// vnZone is Vietnam's time, in which the report writes times.
var vnZone = time.FixedZone("ICT", 7*3600)

// Page layout, in millimetres (A4).
const (
	margin  = 18.0
	pageW   = 210.0
	textW   = pageW - 2*margin
	labelW  = 52.0
	lineH   = 5.2
	bodyPt  = 9.5
	smallPt = 8.0
)

// Render writes the report as a PDF. A panic of the PDF writer is an
// error: the report's strings come from the verified document.
func Render(in Input) (out []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			out, err = nil, fmt.Errorf("printreport: %v", v)
		}
	}()
	if in.Report == nil {
		return nil, errors.New("printreport: no report")
	}
	if len(in.Font) == 0 {
		return nil, errors.New("printreport: no font")
	}
	if in.CheckedAt.IsZero() {
		return nil, errors.New("printreport: no time of the check")
	}
	r := &renderer{in: in, pdf: fpdf.New("P", "mm", "A4", "")}
	p := r.pdf
	p.SetCompression(true)
	p.SetCreationDate(in.CheckedAt)
	p.SetModificationDate(in.CheckedAt)
	p.SetCatalogSort(true)
	p.SetTitle("Biên bản kiểm tra chữ ký số", true)
	p.SetSubject("SHA-256 "+hex.EncodeToString(in.DocumentSHA256), true)
	p.SetCreator("kyso", true)
	p.SetProducer("kyso", true)
	p.SetLang("vi-VN")
	p.AddUTF8FontFromBytes("dejavu", "", in.Font)
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(true, margin+6)
	p.AliasNbPages("{nb}")
	p.SetFooterFunc(r.footer)
	p.AddPage()
	r.header()
	r.document()
	r.checks()
	for i := range in.Report.Signatures {
		r.signature(i, &in.Report.Signatures[i])
	}
	r.closing()
	if err := p.Error(); err != nil {
		return nil, fmt.Errorf("printreport: %w", err)
	}
	var buf bytes.Buffer
	if err := p.Output(&buf); err != nil {
		return nil, fmt.Errorf("printreport: %w", err)
	}
	return buf.Bytes(), nil
}

type renderer struct {
	in  Input
	pdf *fpdf.Fpdf
}

// text makes s safe to print — see clean — and masks personal
// identifiers on the public variant.
func (r *renderer) text(s string) string {
	s = clean(s)
	if r.in.Public {
		return maskText(s)
	}
	return s
}

// maxValue bounds a value printed in the report, in characters: the
// document's strings (names, reasons, field names) are the sender's.
const maxValue = 600

// clean drops control characters and the bidirectional controls that
// could make printed text read otherwise than it is stored (U+202A–U+202E,
// U+2066–U+2069, U+200E, U+200F, U+061C), keeps line breaks, and cuts a
// value longer than maxValue characters, saying so.
func clean(s string) string {
	var b strings.Builder
	n := 0
	for _, c := range s {
		switch {
		case c == '\n':
		case c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0):
			continue
		case c >= 0x202a && c <= 0x202e, c >= 0x2066 && c <= 0x2069, c == 0x200e, c == 0x200f, c == 0x061c, c == 0xfeff:
			continue
		}
		if n == maxValue {
			b.WriteString("… (đã cắt bớt)")
			break
		}
		b.WriteRune(c)
		n++
	}
	return b.String()
}

func (r *renderer) font(size float64) { r.pdf.SetFont("dejavu", "", size) }

func (r *renderer) header() {
	p := r.pdf
	r.font(smallPt)
	p.SetTextColor(90, 90, 90)
	p.CellFormat(textW, lineH, "Dịch vụ kiểm tra chữ ký số kyso", "", 1, "L", false, 0, "")
	p.SetTextColor(0, 0, 0)
	p.Ln(4)
	r.font(16)
	p.CellFormat(textW, 8, "BIÊN BẢN KIỂM TRA CHỮ KÝ SỐ", "", 1, "C", false, 0, "")
	r.font(bodyPt)
	p.CellFormat(textW, lineH, "Lập lúc "+vnTime(r.in.CheckedAt)+" (giờ Việt Nam)", "", 1, "C", false, 0, "")
	p.Ln(4)
}

func (r *renderer) heading(s string) {
	p := r.pdf
	p.Ln(2)
	r.font(12)
	p.SetFillColor(232, 238, 246)
	p.CellFormat(textW, 7, s, "", 1, "L", true, 0, "")
	r.font(bodyPt)
	p.Ln(1)
}

// row writes a label and its value, the value wrapped.
func (r *renderer) row(label, value string) { r.rowClean(label, r.text(value)) }

// rowClean writes a label and a value already cleaned.
func (r *renderer) rowClean(label, value string) {
	p := r.pdf
	if value == "" {
		return
	}
	if p.GetY()+lineH > 297-margin-6 {
		p.AddPage()
	}
	y := p.GetY()
	p.SetTextColor(70, 70, 70)
	p.MultiCell(labelW, lineH, label, "", "L", false)
	yl := p.GetY()
	p.SetTextColor(0, 0, 0)
	p.SetXY(margin+labelW, y)
	p.MultiCell(textW-labelW, lineH, value, "", "L", false)
	if p.GetY() < yl && p.PageNo() > 0 {
		p.SetY(yl)
	}
}

// list writes items as a bulleted list under a label.
func (r *renderer) list(label string, items []string) {
	if len(items) == 0 {
		return
	}
	lines := make([]string, len(items))
	for i, it := range items {
		lines[i] = "• " + r.text(it)
	}
	r.rowClean(label, strings.Join(lines, "\n"))
}

func (r *renderer) document() {
	in := r.in
	r.heading("1. Tài liệu được kiểm tra")
	name := in.DocumentName
	if name == "" {
		name = "(không có tên tệp)"
	}
	r.row("Tên tệp", name)
	r.row("Mã băm SHA-256", groupHex(hex.EncodeToString(in.DocumentSHA256)))
	r.row("Thời điểm kiểm tra", vnTime(in.CheckedAt)+" (giờ Việt Nam)")
	r.row("Kết luận", r.conclusion())
	r.list("Chứng thư gốc đã dùng", r.anchors())
}

// conclusion says the verdict of the whole document.
func (r *renderer) conclusion() string {
	rep := r.in.Report
	if len(rep.Signatures) == 0 {
		return "Tài liệu không có chữ ký số nào."
	}
	var sigs, tss, failed, indet int
	for _, s := range rep.Signatures {
		if s.Type == verifier.TypeDocumentTimestamp {
			tss++
		} else {
			sigs++
		}
		switch s.Indication {
		case verifier.TotalFailed:
			failed++
		case verifier.Indeterminate:
			indet++
		}
	}
	count := fmt.Sprintf("%d chữ ký", sigs)
	if tss > 0 {
		count += fmt.Sprintf(" và %d dấu thời gian tài liệu", tss)
	}
	switch {
	case rep.Valid:
		return "HỢP LỆ — tài liệu có " + count + ", tất cả đều hợp lệ."
	case failed > 0:
		return fmt.Sprintf("KHÔNG HỢP LỆ — tài liệu có %s, trong đó %d không hợp lệ.", count, failed)
	}
	return fmt.Sprintf("CHƯA XÁC ĐỊNH — tài liệu có %s; chưa đủ thông tin để xác nhận %d trong số đó.", count, indet)
}

// anchors lists the trust anchors the validated chains end at.
func (r *renderer) anchors() []string {
	seen := map[[32]byte]bool{}
	var out []string
	for _, s := range r.in.Report.Signatures {
		ev := s.Evidence
		if ev == nil || !ev.Trusted || len(ev.Chain) == 0 {
			continue
		}
		a := ev.Chain[len(ev.Chain)-1]
		sum := sha256.Sum256(a.Raw)
		if seen[sum] {
			continue
		}
		seen[sum] = true
		out = append(out, fmt.Sprintf("%s (SHA-256 %s…)", certName(a.Subject.CommonName, a.Subject.String()), hex.EncodeToString(sum[:8])))
	}
	if len(out) == 0 {
		out = []string{"Không chữ ký nào dẫn tới một chứng thư gốc mà hệ thống tin cậy."}
	}
	return out
}

func (r *renderer) checks() {
	r.heading("2. Nội dung kiểm tra")
	r.font(bodyPt)
	for _, c := range []string{
		"Tính toàn vẹn: phần tài liệu được ký không bị thay đổi (so khớp mã băm).",
		"Chữ ký số: giá trị chữ ký khớp với khóa công khai trong chứng thư của người ký.",
		"Chuỗi chứng thư: chứng thư của người ký dẫn tới một chứng thư gốc tin cậy và còn hiệu lực tại thời điểm ký.",
		"Tình trạng thu hồi: theo phản hồi OCSP, danh sách thu hồi (CRL) kèm trong tài liệu, sổ chứng thư của kyso, hoặc tra cứu trực tuyến khi được bật.",
		"Thời điểm ký: theo dấu thời gian (nếu có); thời điểm người ký tự khai không được coi là bằng chứng.",
		"Thay đổi sau khi ký: các phiên bản sau của tệp chỉ có những thay đổi được phép.",
	} {
		r.pdf.MultiCell(textW, lineH, "• "+c, "", "L", false)
	}
	r.heading("3. Kết quả từng chữ ký")
}

func (r *renderer) signature(i int, s *verifier.Signature) {
	p := r.pdf
	n := len(r.in.Report.Signatures)
	if p.GetY() > 297-margin-50 {
		p.AddPage()
	}
	p.Ln(2)
	what := "Chữ ký số"
	if s.Type == verifier.TypeDocumentTimestamp {
		what = "Dấu thời gian tài liệu"
	}
	r.font(11)
	switch s.Indication {
	case verifier.TotalPassed:
		p.SetTextColor(0, 110, 40)
	case verifier.TotalFailed:
		p.SetTextColor(180, 0, 0)
	default:
		p.SetTextColor(160, 90, 0)
	}
	p.MultiCell(textW, 6, r.text(fmt.Sprintf("Mục %d/%d — %s: %s", i+1, n, what, verdictVI(s.Indication))), "B", "L", false)
	p.SetTextColor(0, 0, 0)
	r.font(bodyPt)
	p.Ln(1)
	r.row("Giải thích", explain(s))
	if s.Field != "" {
		r.row("Trường chữ ký", s.Field)
	}
	who := s.Signer.Name
	if who == "" {
		who = "(không rõ người ký)"
	}
	if s.Signer.Organization != "" && s.Signer.Organization != s.Signer.Name {
		who += " — " + s.Signer.Organization
	}
	label := "Người ký"
	if s.Type == verifier.TypeDocumentTimestamp {
		label = "Đơn vị cấp dấu thời gian"
	}
	r.row(label, who)
	var ids []string
	for _, id := range s.Signer.Identifiers {
		shown := id
		if r.in.Public {
			shown = maskIdentifier(id)
		}
		if k, _, ok := strings.Cut(id, ":"); ok && idVI[strings.ToUpper(k)] != "" {
			shown += " (" + idVI[strings.ToUpper(k)] + ")"
		}
		ids = append(ids, shown)
	}
	r.row("Mã định danh", strings.Join(ids, "; "))
	if s.ProvenTime != "" {
		label := "Thời điểm ký (đã chứng thực)"
		if s.Type == verifier.TypeDocumentTimestamp {
			label = "Thời điểm chứng thực"
		}
		r.row(label, reportTime(s.ProvenTime)+" (giờ Việt Nam)")
		r.row("Đơn vị cấp dấu thời gian", s.TimestampAuthority)
	} else if s.Type != verifier.TypeDocumentTimestamp {
		r.row("Dấu thời gian", "Không có: không có bằng chứng về thời điểm ký.")
	}
	if s.ClaimedTime != "" {
		v := reportTime(s.ClaimedTime) + " (giờ Việt Nam)"
		if s.ProvenTime == "" {
			v += " — chưa được chứng thực: thời điểm này do máy tính của người ký ghi lại"
		}
		r.row("Thời điểm ký (tự khai)", v)
	}
	if s.Reason != "" {
		r.row("Lý do ký", s.Reason)
	}
	if s.Location != "" {
		r.row("Nơi ký", s.Location)
	}
	if s.Level != "" {
		lv := levelVI[s.Level]
		if lv == "" {
			lv = s.Level
		}
		r.row("Mức chữ ký", lv)
	}
	r.einvoice(s)
	r.list("Phạm vi đã ký", references(s))
	if s.Revisions > 0 {
		v := fmt.Sprintf("Phiên bản %d trên %d của tệp", s.Revision, s.Revisions)
		if s.Revision == s.Revisions {
			v += " (phiên bản cuối cùng)"
		}
		r.row("Phạm vi ký", v)
	}
	if s.DigestAlgorithm != "" || s.SignatureAlgorithm != "" {
		alg := strings.ReplaceAll(s.SignatureAlgorithm, " with ", " với ")
		r.row("Thuật toán", strings.Trim(alg+", băm "+s.DigestAlgorithm, ", "))
	}
	r.list("Chuỗi chứng thư", r.chain(s))
	r.list("Kiểm tra thu hồi", r.revocation(s))
	r.list("Thay đổi sau khi ký", changes(s))
	var warns []string
	for _, w := range s.WarningCodes {
		warns = append(warns, warningVI(w))
	}
	r.list("Lưu ý", warns)
}

// blockVI names the e-invoice's signature blocks, as the page does.
var blockVI = map[string]string{"seller": "người bán", "buyer": "người mua", "tax_authority": "cơ quan thuế", "other": "bên khác"}

// einvoice writes what a Vietnamese e-invoice (Circular 78/2021/TT-BTC)
// says, read from the data the signature is checked against, in the
// page's words.
func (r *renderer) einvoice(s *verifier.Signature) {
	ei := s.EInvoice
	if ei == nil {
		return
	}
	if b := blockVI[ei.Block]; b != "" {
		r.row("Chữ ký của", b)
	}
	party := func(name, code string) string {
		if code != "" {
			return strings.TrimSpace(name + " (MST: " + code + ")")
		}
		return name
	}
	r.row("Người bán", party(ei.Seller, ei.SellerTaxCode))
	r.row("Người mua", party(ei.Buyer, ei.BuyerTaxCode))
	if ei.Number != "" {
		n := "Số " + ei.Number
		if ei.Series != "" {
			n += ", ký hiệu " + ei.Series
		}
		if ei.IssueDate != "" {
			n += ", ngày lập " + ei.IssueDate
		}
		r.row("Hóa đơn", n)
	}
	if ei.Total != "" {
		r.row("Tổng tiền thanh toán", strings.TrimSpace(ei.Total+" "+ei.Currency))
	}
	if ei.TaxCodeMatch != nil {
		block := blockVI[ei.Block]
		if *ei.TaxCodeMatch {
			r.row("MST trong chứng thư", ei.CertificateTaxCode+": trùng với MST của "+block)
		} else {
			r.row("MST trong chứng thư", ei.CertificateTaxCode+": KHÁC với MST của "+block)
		}
	}
	if !ei.DataCovered {
		r.row("Dữ liệu hóa đơn", "Chữ ký này không bao gồm dữ liệu hóa đơn")
	}
}

// references says, for an XML signature, what each reference covers and
// whether its digest matches.
func references(s *verifier.Signature) []string {
	var out []string
	for _, ref := range s.References {
		covers := ref.Covers
		if covers == "" {
			covers = ref.URI
		}
		ok := "khớp"
		if !ref.DigestValid {
			ok = "KHÔNG khớp"
		}
		out = append(out, covers+" ("+ok+")")
	}
	return out
}

// chain lists the chain, subject → issuer, with each certificate's end of
// validity.
func (r *renderer) chain(s *verifier.Signature) []string {
	var out []string
	if ev := s.Evidence; ev != nil && len(ev.Chain) > 0 {
		for i, c := range ev.Chain {
			line := fmt.Sprintf("%s → cấp bởi %s (hiệu lực đến %s)", certName(c.Subject.CommonName, c.Subject.String()), certName(c.Issuer.CommonName, c.Issuer.String()), vnDate(c.NotAfter))
			if i == len(ev.Chain)-1 && ev.Trusted {
				line += " — chứng thư gốc tin cậy"
			}
			out = append(out, line)
		}
		return out
	}
	for _, c := range s.Chain {
		out = append(out, fmt.Sprintf("%s → cấp bởi %s (hiệu lực đến %s)", c.Subject, c.Issuer, reportDate(c.NotAfter)))
	}
	return out
}

// revocation says, for each certificate whose status was found, what
// said it, when and from where.
func (r *renderer) revocation(s *verifier.Signature) []string {
	ev := s.Evidence
	if ev == nil || len(ev.Revocation) == 0 {
		if s.Type == verifier.TypeSignature && ev != nil && ev.Trusted {
			return []string{"Không có dữ liệu thu hồi nào cho chứng thư của chuỗi (không phản hồi OCSP, không danh sách thu hồi)."}
		}
		return nil
	}
	var out []string
	for _, rv := range ev.Revocation {
		who := "(chứng thư)"
		if rv.Cert != nil {
			who = certName(rv.Cert.Subject.CommonName, rv.Cert.Subject.String())
		}
		status := "không bị thu hồi"
		if rv.Revoked {
			status = "ĐÃ BỊ THU HỒI lúc " + vnTime(rv.RevokedAt)
		}
		out = append(out, fmt.Sprintf("%s: %s, theo %s, thông tin cập nhật lúc %s", who, status, sourceVI(rv), vnTime(rv.ThisUpdate)))
	}
	return out
}

// sourceVI says where revocation data came from.
func sourceVI(rv verifier.RevocationEvidence) string {
	what := "phản hồi OCSP"
	switch rv.Kind {
	case verifier.RevocationCRL:
		what = "danh sách thu hồi (CRL)"
	case "":
		return "sổ chứng thư của kyso (chứng thư do kyso cấp)"
	}
	switch {
	case strings.Contains(rv.Source, "online"):
		return what + " tra cứu trực tuyến"
	case strings.Contains(rv.Source, "DSS"):
		return what + " kèm trong tài liệu (DSS)"
	case strings.Contains(rv.Source, "CMS"):
		return what + " kèm trong chữ ký"
	}
	return what
}

func changes(s *verifier.Signature) []string {
	var out []string
	for _, c := range s.ChangesAfter {
		k := kindVI[c.Kind]
		if k == "" {
			k = c.Kind
		}
		if d := changeDetailVI(c.Detail); d != "" {
			k += ": " + d
		}
		allowed := "được phép"
		if !c.Allowed {
			allowed = "KHÔNG được phép"
		}
		out = append(out, k+" ("+allowed+")")
	}
	if len(out) == 0 && s.Type == verifier.TypeSignature && s.Revisions > 0 && s.Indication != verifier.TotalFailed {
		out = []string{"Không có"}
	}
	return out
}

func (r *renderer) closing() {
	p := r.pdf
	// The closing note stays on one page, after the last signature.
	if p.GetY() > 297-margin-6-40 {
		p.AddPage()
	}
	r.heading("4. Xác nhận biên bản")
	var note string
	if r.in.Signed {
		sealer := ""
		if r.in.Sealer != "" {
			sealer = " của " + r.in.Sealer
		}
		note = "Biên bản này do dịch vụ kyso lập tự động và được ký số bằng con dấu số" + sealer +
			" theo chuẩn PAdES B-LT (kèm dấu thời gian và dữ liệu thu hồi), nên vẫn kiểm tra được về sau. " +
			"Để xác nhận nội dung biên bản, hãy kiểm tra chữ ký số của chính tệp này."
	} else {
		note = "Biên bản này KHÔNG được ký số: do công cụ dòng lệnh kyso (kyso verify) lập trên máy của người dùng, " +
			"chỉ có giá trị tham khảo. Để có biên bản được ký số, hãy kiểm tra tài liệu trên dịch vụ kyso " +
			"(kyso verify --server URL, hoặc nút tải biên bản trên trang kiểm tra)."
	}
	p.MultiCell(textW, lineH, note, "", "L", false)
}

func (r *renderer) footer() {
	p := r.pdf
	p.SetY(-margin)
	r.font(smallPt)
	p.SetTextColor(110, 110, 110)
	sum := hex.EncodeToString(r.in.DocumentSHA256)
	if len(sum) > 16 {
		sum = sum[:16] + "…"
	}
	p.CellFormat(textW/2, 4, "Biên bản kiểm tra chữ ký số — tài liệu SHA-256 "+sum, "", 0, "L", false, 0, "")
	p.CellFormat(textW/2, 4, fmt.Sprintf("Trang %d/{nb}", p.PageNo()), "", 0, "R", false, 0, "")
	p.SetTextColor(0, 0, 0)
}

func verdictVI(ind verifier.Indication) string {
	switch ind {
	case verifier.TotalPassed:
		return "HỢP LỆ"
	case verifier.TotalFailed:
		return "KHÔNG HỢP LỆ"
	}
	return "CHƯA XÁC ĐỊNH"
}

// explain says the indication in a sentence, as the page does.
func explain(s *verifier.Signature) string {
	code := string(s.SubIndication)
	switch {
	case s.Indication == verifier.TotalPassed && s.Type == verifier.TypeDocumentTimestamp:
		return "Dấu thời gian hợp lệ: tài liệu đã tồn tại đúng như vậy vào thời điểm được chứng thực."
	case s.Indication == verifier.TotalPassed:
		return "Chữ ký hợp lệ: đúng người ký có tên trong chứng thư số do tổ chức tin cậy cấp, và phần tài liệu đã ký không bị thay đổi."
	case subVI[code] != "":
		return subVI[code] + " (mã: " + code + ")"
	case s.Indication == verifier.TotalFailed:
		return "Chữ ký không hợp lệ."
	}
	return "Chưa đủ thông tin để xác nhận chữ ký."
}

var param = regexp.MustCompile(`\{(\w+)\}`)

// warningVI says a warning in Vietnamese from its code and parameters.
func warningVI(w verifier.Warning) string {
	tpl, ok := warnvi.Sentence(w.Code)
	if !ok {
		tpl, _ = warnvi.Sentence(verifier.WarnOther)
	}
	return param.ReplaceAllStringFunc(tpl, func(m string) string {
		name := m[1 : len(m)-1]
		v := w.Params[name]
		switch name {
		case "sub":
			if s := subVI[w.Params["sub_indication"]]; s != "" {
				return s
			}
			return "Chưa đủ thông tin để xác nhận chữ ký."
		case "inner":
			if w.Inner != nil {
				return warningVI(*w.Inner)
			}
			return ""
		case "time", "timestamp_time", "expiry", "proven_time", "revocation_time":
			if t := reportTime(v); t != "" {
				return t
			}
		}
		return v
	})
}

// changeDetailVI says the detail of a change in Vietnamese, or nothing
// when the page's table does not say it whole.
func changeDetailVI(d string) string {
	for _, c := range changeVI {
		if c.re.MatchString(d) {
			return c.re.ReplaceAllString(d, c.vi)
		}
	}
	return ""
}

func certName(cn, dn string) string {
	if cn != "" {
		return cn
	}
	return dn
}

// vnTime writes t in Vietnam's time, day first.
func vnTime(t time.Time) string { return t.In(vnZone).Format("02/01/2006 15:04:05") }

func vnDate(t time.Time) string { return t.In(vnZone).Format("02/01/2006") }

// reportTime rewrites a report time (RFC 3339) day first in Vietnam's
// time; "" when it does not parse.
func reportTime(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return ""
	}
	return vnTime(t)
}

func reportDate(s string) string {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return s
	}
	return vnDate(t)
}

// groupHex splits a hex digest in groups of eight, to be read aloud and
// compared.
func groupHex(h string) string {
	var b strings.Builder
	for i := 0; i < len(h); i += 8 {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(h[i:min(i+8, len(h))])
	}
	return b.String()
}

// personalID finds personal identifiers in text, as the page does.
var personalID = regexp.MustCompile(`(?i)\b(CCCD|CMND|CMT|HC|PASSPORT)(\s*[:=]\s*)([A-Za-z0-9]+)`)

func maskValue(v string) string {
	if len(v) <= 4 {
		return strings.Repeat("*", len(v))
	}
	return strings.Repeat("*", len(v)-4) + v[len(v)-4:]
}

// maskText masks the personal identifiers in s but their last four
// characters.
func maskText(s string) string {
	return personalID.ReplaceAllStringFunc(s, func(m string) string {
		g := personalID.FindStringSubmatch(m)
		return g[1] + g[2] + maskValue(g[3])
	})
}

// maskIdentifier masks one of a signer's identifiers: a personal one, or
// one without a known kind (a serialNumber attribute may be a citizen
// ID). Tax and budget codes identify organisations and are shown.
func maskIdentifier(id string) string {
	kind, v, ok := strings.Cut(id, ":")
	if !ok {
		return maskValue(id)
	}
	switch strings.ToUpper(kind) {
	case "MST", "MNS":
		return id
	}
	return kind + ":" + maskValue(v)
}

package attacksuite

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/kyso-vn/kyso/internal/hostilepdf"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/verifier"
)

func scratchVerify(t *testing.T, name string, d []byte) {
	f := suite(t)
	os.WriteFile("/tmp/rt/"+name+".pdf", d, 0o644)
	rep, err := verifier.VerifyPDF(context.Background(), bytes.NewReader(d), int64(len(d)), f.opts)
	if err != nil {
		t.Logf("%s: %v", name, err)
		return
	}
	t.Logf("%s: valid=%v %s", name, rep.Valid, verdicts(rep))
	for _, s := range rep.Signatures {
		t.Logf("  %s %s %s %s changes %+v", s.Field, s.Indication, s.SubIndication, s.Detail, s.ChangesAfter)
	}
}

func TestScratchAnnots2(t *testing.T) {
	f := suite(t)
	var base *Base
	for _, c := range f.cases {
		if c.Base.Name == "kyso B-T" {
			base = c.Base
			break
		}
	}
	ann := func(name, dict string) {
		doc, err := withAnnotation(base.PDF, func(n, page int) map[int]string {
			return map[int]string{
				n:     fmt.Sprintf(dict, page, n+1),
				n + 1: opaqueForm(480, 40, n+2, ForgedText),
				n + 2: helvetica,
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		scratchVerify(t, name, doc)
	}
	ann("rect-null", "<< /Type /Annot /Subtype /Square /Rect [60 745 540 null] /F 4 /P %d 0 R /AP << /N %d 0 R >> >>")
	ann("f-real", "<< /Type /Annot /Subtype /Square /Rect [60 745 540 785] /F 2.0 /P %d 0 R /AP << /N %d 0 R >> >>")
	// Rotated page prepared by the attacker, NoRotate annotation.
	content := "BT /F1 14 Tf 60 760 Td (QUYET DINH cap kinh phi) Tj ET\nBT /F1 14 Tf 60 700 Td (Y kien: KHONG DONG Y) Tj ET\n"
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Type /Page /Parent 2 0 R /Rotate 90 /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents 6 0 R >>",
		"<< >>",
		Stream("", content),
		"<< /Title (x) >>",
	}
	signed, err := f.pki.Sign(hostilepdf.Assemble(objs, 1, 7, false), f.pki.Official, pades.Options{Level: pades.LevelBT})
	if err != nil {
		t.Fatal(err)
	}
	scratchVerify(t, "rot-signed", signed)
	doc, err := withAnnotation(signed, func(n, page int) map[int]string {
		return map[int]string{
			n:     fmt.Sprintf("<< /Type /Annot /Subtype /Square /Rect [300 400 340 800] /F 20 /P %d 0 R /AP << /N %d 0 R >> >>", page, n+1),
			n + 1: opaqueForm(40, 400, n+2, ForgedText),
			n + 2: helvetica,
		}
	})
	scratchVerify(t, "norotate", doc)
	// tiling pattern
	content2 := "BT /F1 14 Tf 60 760 Td (QUYET DINH cap kinh phi) Tj ET\n/Pattern cs /P1 scn 50 690 500 30 re f\n"
	objs2 := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> /Pattern << /P1 5 0 R >> >> /Contents 6 0 R >>",
		Stream("/Type /Pattern /PatternType 1 /PaintType 1 /TilingType 1 /BBox [0 0 595 842] /XStep 2000 /YStep 2000 /Resources << /Font << /F1 3 0 R >> >>", "BT /F1 14 Tf 60 700 Td (Y kien: KHONG DONG Y) Tj ET"),
		Stream("", content2),
		"<< /Title (x) >>",
	}
	signed2, err := f.pki.Sign(hostilepdf.Assemble(objs2, 1, 7, false), f.pki.Official, pades.Options{Level: pades.LevelBT})
	if err != nil {
		t.Fatal(err)
	}
	scratchVerify(t, "pat-signed", signed2)
	doc2, err := withAnnotation(signed2, func(n, page int) map[int]string {
		return map[int]string{
			n:     fmt.Sprintf("<< /Type /Annot /Subtype /Square /Rect [55 690 540 720] /F 4 /P %d 0 R /AP << /N %d 0 R >> >>", page, n+1),
			n + 1: opaqueForm(485, 30, n+2, "Y kien: DONG Y"),
			n + 2: helvetica,
		}
	})
	scratchVerify(t, "pattern", doc2)
}

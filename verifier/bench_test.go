package verifier

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/signer/pades"
)

// BenchmarkVerifyPDF verifies real-world files as the API does (one
// document in memory, the VGCA trust directory): verification cost must
// grow with the revisions and the size, not with their product.
func BenchmarkVerifyPDF(b *testing.B) {
	dir := realworldDir(b)
	roots, inter, err := LoadTrustDir(filepath.Join(dir, "roots"))
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Roots: roots, Intermediates: inter}
	for _, name := range []string{
		"dss/pades-5-signatures-and-1-document-timestamp.pdf",
		"vn-nom-vn/hanoi_qd_2280_water.pdf",
		"dss/PAdES-LT.pdf",
		"vn-sus_agri_mekong/222-ttg.signed.pdf",
	} {
		doc, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(name), func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				if _, err := VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), opts); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyRevisions verifies kyso documents of about 2 MB signed 1,
// 2, 4 and 8 times: the cost per signature should not grow with their
// number.
func BenchmarkVerifyRevisions(b *testing.B) {
	p := getPKI(b)
	doc := testpdf.Make(200, 2<<20)
	docs := map[int][]byte{}
	for n := 1; n <= 8; n++ {
		doc = signPDF(b, p, doc, p.ec, pades.Options{Level: pades.LevelBT})
		docs[n] = doc
	}
	for _, n := range []int{1, 2, 4, 8} {
		doc := docs[n]
		b.Run(fmt.Sprintf("signatures=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			for b.Loop() {
				rep, err := VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), p.trusted())
				if err != nil || !rep.Valid {
					b.Fatalf("VerifyPDF = %v, %v", err, rep)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)/float64(n), "ms/signature")
		})
	}
}

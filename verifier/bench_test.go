package verifier

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

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

// BenchmarkVerifyRealWorld verifies every file of the real-world corpus
// once per operation, as make bench's real-world row does (one document
// at a time, the VGCA trust directory): ns/op divided by the number of
// files is the CPU of one verification.
func BenchmarkVerifyRealWorld(b *testing.B) {
	dir := realworldDir(b)
	roots, inter, err := LoadTrustDir(filepath.Join(dir, "roots"))
	if err != nil {
		b.Fatal(err)
	}
	opts := Options{Roots: roots, Intermediates: inter}
	names, err := filepath.Glob(filepath.Join(dir, "*", "*.pdf"))
	if err != nil || len(names) == 0 {
		b.Fatalf("real-world files: %v, %d found", err, len(names))
	}
	docs := make([][]byte, len(names))
	for i, name := range names {
		if docs[i], err = os.ReadFile(name); err != nil {
			b.Fatal(err)
		}
	}
	cpu := startCPU(b)
	for b.Loop() {
		for i, doc := range docs {
			if _, err := VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), opts); err != nil {
				b.Fatalf("VerifyPDF(%s) = %v", names[i], err)
			}
		}
	}
	cpu.report(len(docs))
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(len(docs)), "ns/document")
}

// BenchmarkVerifyBT200KB verifies kyso's own PAdES B-T output of the
// 200 KB document of make bench (internal/testpdf.Make(10, 200 KB)),
// signed once with the test PKI's RSA key and time-stamped by its TSA.
func BenchmarkVerifyBT200KB(b *testing.B) {
	p := getPKI(b)
	doc := signPDF(b, p, testpdf.Make(10, 200<<10), p.official, pades.Options{Level: pades.LevelBT})
	b.SetBytes(int64(len(doc)))
	cpu := startCPU(b)
	for b.Loop() {
		rep, err := VerifyPDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), p.trusted())
		if err != nil || !rep.Valid {
			b.Fatalf("VerifyPDF = %v, %v", err, rep)
		}
	}
	cpu.report(1)
}

// cpuClock measures the CPU time of the process (user and system, the
// garbage collector's included) over a benchmark's loop: on a shared host
// it varies less than the wall time, and it is what make bench reports
// per document.
type cpuClock struct {
	b     *testing.B
	start time.Duration
}

func startCPU(b *testing.B) cpuClock { return cpuClock{b, processCPU(b)} }

// report adds the CPU time per document, for docs documents an operation.
func (c cpuClock) report(docs int) {
	c.b.ReportMetric(float64(processCPU(c.b)-c.start)/float64(c.b.N)/float64(docs), "cpu-ns/document")
}

func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

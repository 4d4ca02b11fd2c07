package verifier

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/cmsasn1"
	"github.com/kyso-vn/kyso/internal/testpdf"
)

// fuzzOptions trusts the root of the kyso seed document, at a fixed time.
func fuzzOptions(f *testing.F) Options {
	f.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "fuzz", "kyso-root.pem"))
	if err != nil {
		f.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		f.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(c)
	now := c.NotBefore.Add(2 * time.Hour)
	return Options{Roots: roots, Now: func() time.Time { return now }}
}

func readSeeds(f *testing.F, ext string) [][]byte {
	f.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "fuzz", "*"+ext))
	if err != nil || len(names) == 0 {
		f.Fatalf("no %s seeds: %v", ext, err)
	}
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// checkReport checks what must hold of any report.
func checkReport(t *testing.T, rep *Report) {
	t.Helper()
	if rep.SignatureCount != len(rep.Signatures) {
		t.Fatalf("signature_count %d for %d signatures", rep.SignatureCount, len(rep.Signatures))
	}
	passed := len(rep.Signatures) > 0
	for _, s := range rep.Signatures {
		if strings.Contains(s.Detail, "internal error") {
			t.Fatalf("a panic was recovered: %s", s.Detail)
		}
		switch s.Indication {
		case TotalPassed:
			if s.SubIndication != "" {
				t.Fatalf("TOTAL_PASSED with sub-indication %s", s.SubIndication)
			}
		case TotalFailed, Indeterminate:
			passed = false
			if s.SubIndication == "" {
				t.Fatalf("%s without sub-indication", s.Indication)
			}
		default:
			t.Fatalf("indication %q", s.Indication)
		}
	}
	if rep.Valid != passed {
		t.Fatalf("valid %v, want %v", rep.Valid, passed)
	}
}

// FuzzVerifyPDF feeds the PDF signature extraction and everything after
// it: the verifier must never panic (a recovered panic counts), and its
// report must be consistent.
func FuzzVerifyPDF(f *testing.F) {
	for _, b := range readSeeds(f, ".pdf") {
		f.Add(b)
	}
	f.Add(testpdf.Make(1, 0))
	contents := "<" + strings.Repeat("00", 64) + ">"
	for _, br := range []string{"[0 9999999999 9999999999 9999999999]", "[0 10 20 10]", "[0 -1 2 3]", "[]", "5 0 R"} {
		f.Add(malformedSigPDF(f, "<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange "+br+" /Contents "+contents+" >>"))
	}
	opts := fuzzOptions(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := VerifyPDF(context.Background(), bytes.NewReader(data), int64(len(data)), opts)
		if err != nil {
			if !errors.Is(err, ErrUnreadable) || strings.Contains(err.Error(), "internal error") {
				t.Fatalf("VerifyPDF = %v", err)
			}
			return
		}
		checkReport(t, rep)
	})
}

// FuzzVerifyCMS feeds the CMS parser and signer checks with a detached
// signature and its content.
func FuzzVerifyCMS(f *testing.F) {
	content := readSeeds(f, ".txt")[0]
	for _, b := range readSeeds(f, ".p7s") {
		f.Add(b, content)
	}
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0, 0, 0, 0}, []byte("x"))
	opts := fuzzOptions(f)
	f.Fuzz(func(t *testing.T, sig, data []byte) {
		// The BER converter's output is DER: converting it again changes
		// nothing.
		if der, _, err := cmsasn1.BERToDER(sig); err == nil {
			if again, _, err := cmsasn1.BERToDER(der); err != nil || !bytes.Equal(again, der) {
				t.Fatalf("berToDER is not idempotent: %v", err)
			}
		}
		rep, err := VerifyCMS(context.Background(), bytes.NewReader(data), sig, opts)
		if err != nil {
			if !errors.Is(err, ErrUnreadable) || strings.Contains(err.Error(), "internal error") {
				t.Fatalf("VerifyCMS = %v", err)
			}
			return
		}
		checkReport(t, rep)
	})
}

package interop

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"

	"github.com/kyso-vn/kyso/internal/testpdf"
	"github.com/kyso-vn/kyso/internal/visualtest"
	"github.com/kyso-vn/kyso/signer/appearance"
	"github.com/kyso-vn/kyso/signer/pades"
)

// pdfsign's *sign.SignContext satisfies appearance.ObjectWriter and
// pades.ObjectWriter: an appearance drawer written for pdfsign's signer
// works with kyso's (signer/pades keeps that method set), and kyso's
// appearances draw through pdfsign's.
var (
	_ appearance.ObjectWriter = (*sign.SignContext)(nil)
	_ pades.ObjectWriter      = (*sign.SignContext)(nil)
)

// The seal's fixed inputs, as signer/appearance's visual tests have them.
var (
	hanoi       = "Ủy ban nhân dân Thành phố Hà Nội"
	signedAt    = time.Date(2026, 11, 23, 12, 5, 0, 0, time.UTC) // 19:05 in Hanoi
	signedAtISO = "2026-11-23T19:05:00+07:00"
)

// TestPdfsignAppearance signs a PDF with pdfsign's signer, a PDF writer
// kyso did not write (kyso signs with its own, signer/pades), with kyso's
// seal appearance plugged in through pdfsign's Appearance.Renderer hook,
// and checks the result with qpdf, poppler's pdfsig, pdftotext and
// pdftoppm: signer/appearance draws through any writer with
// appearance.ObjectWriter's method set, not only kyso's.
func TestPdfsignAppearance(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: hanoi, Organization: []string{hanoi}, Country: []string{"VN"}},
		NotBefore:    signedAt.Add(-time.Hour),
		NotAfter:     signedAt.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}

	base := testpdf.Make(1, 0)
	rdr, err := pdf.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	d := appearance.Data{Organization: hanoi, SigningTime: signedAt, Image: visualtest.SealImage(t)}
	calls := 0
	var signed bytes.Buffer
	// pdfsign's fluent API (pdfsign.Document) has no hook for a caller-built
	// appearance (its PDFObject element drops the page's resources, hence
	// the fonts), so the lower-level sign.Sign with Appearance.Renderer is
	// the way in, deprecated for external callers or not.
	//lint:ignore SA1019 see above
	err = sign.Sign(bytes.NewReader(base), &signed, rdr, int64(len(base)), sign.SignData{
		Signature: sign.SignDataSignature{
			Info:     sign.SignDataSignatureInfo{Name: hanoi, Reason: "Phát hành văn bản", Date: signedAt},
			CertType: sign.ApprovalSignature,
		},
		Signer:          key,
		Certificate:     cert,
		DigestAlgorithm: crypto.SHA256,
		SubFilter:       sign.SubFilterETSICAdESDetached,
		Appearance: sign.Appearance{
			Visible: true, Page: 1,
			LowerLeftX: 320, LowerLeftY: 80, UpperRightX: 560, UpperRightY: 170,
			// pdfsign adds the returned Form XObject and references it
			// from the widget's /AP /N, as signer/pades does.
			Renderer: func(ctx *sign.SignContext, rect [4]float64) ([]byte, error) {
				calls++
				return appearance.Render(ctx, appearance.TemplateSeal, d, rect[2]-rect[0], rect[3]-rect[1])
			},
		},
	})
	if err != nil {
		t.Fatalf("sign.Sign = %v", err)
	}
	if calls == 0 {
		t.Fatal("pdfsign did not call the Renderer")
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "signed.pdf")
	if err := os.WriteFile(file, signed.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	if out, _ := visualtest.Tool(t, "qpdf", "--check", file); !strings.Contains(out, "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check:\n%s", out)
	}
	// Self-signed, so the certificate is not trusted; the signature itself
	// must verify over the bytes including our objects.
	if out, _ := visualtest.Tool(t, "pdfsig", file); !strings.Contains(out, "Signature Validation: Signature is Valid.") {
		t.Errorf("pdfsig:\n%s", out)
	}
	out, stderr := visualtest.Tool(t, "pdftotext", "-enc", "UTF-8", file, "-")
	text := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{testpdf.Marker, hanoi, "Thời gian ký: " + signedAtISO} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext = %q, want it to contain %q", text, want)
		}
	}
	if stderr != "" {
		t.Errorf("pdftotext: stderr %q", stderr)
	}
	prefix := filepath.Join(dir, "signed")
	if _, stderr := visualtest.Tool(t, "pdftoppm", "-png", "-r", "100", "-singlefile", file, prefix); stderr != "" {
		t.Errorf("pdftoppm: stderr %q", stderr)
	}
	img, err := visualtest.ReadPNG(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	if n, min := visualtest.CountPixels(img, visualtest.IsRed), 2500; n < min {
		t.Errorf("signed page: %d red pixels, want at least %d", n, min)
	}
}

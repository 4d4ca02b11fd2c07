package appearance

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
)

// pdfsign's *sign.SignContext is the ObjectWriter signer/pades passes.
var _ ObjectWriter = (*sign.SignContext)(nil)

// TestPdfsign signs a PDF with pdfsign, the library signer/pades uses, with
// the seal appearance plugged in through its Appearance.Renderer hook, and
// checks the result with qpdf, poppler's pdfsig, pdftotext and pdftoppm.
func TestPdfsign(t *testing.T) {
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

	base := (&testPDF{}).bytes([]testPage{{w: 595, h: 842, extras: "BT /Helv 14 Tf 72 760 Td (Test document) Tj ET\n"}})
	rdr, err := pdf.NewReader(bytes.NewReader(base), int64(len(base)))
	if err != nil {
		t.Fatal(err)
	}
	d := Data{Organization: hanoi, SigningTime: signedAt, Image: sealImage(t)}
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
			// What signer/pades does: pdfsign adds the returned Form
			// XObject and references it from the widget's /AP /N.
			Renderer: func(ctx *sign.SignContext, rect [4]float64) ([]byte, error) {
				calls++
				return Render(ctx, TemplateSeal, d, rect[2]-rect[0], rect[3]-rect[1])
			},
		},
	})
	if err != nil {
		t.Fatalf("sign.Sign = %v", err)
	}
	if calls == 0 {
		t.Fatal("pdfsign did not call the Renderer")
	}

	dir := workDir(t)
	file := filepath.Join(dir, "signed.pdf")
	if err := os.WriteFile(file, signed.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	if out, _ := tool(t, "qpdf", "--check", file); !strings.Contains(out, "No syntax or stream encoding errors") {
		t.Errorf("qpdf --check:\n%s", out)
	}
	// Self-signed, so the certificate is not trusted; the signature itself
	// must verify over the bytes including our objects.
	if out, _ := tool(t, "pdfsig", file); !strings.Contains(out, "Signature Validation: Signature is Valid.") {
		t.Errorf("pdfsig:\n%s", out)
	}
	out, stderr := tool(t, "pdftotext", "-enc", "UTF-8", file, "-")
	text := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{"Test document", hanoi, "Thời gian ký: " + signedAtISO} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext = %q, want it to contain %q", text, want)
		}
	}
	if stderr != "" {
		t.Errorf("pdftotext: stderr %q", stderr)
	}
	prefix := filepath.Join(dir, "signed")
	if _, stderr := tool(t, "pdftoppm", "-png", "-r", "100", "-singlefile", file, prefix); stderr != "" {
		t.Errorf("pdftoppm: stderr %q", stderr)
	}
	img, err := readPNG(prefix + ".png")
	if err != nil {
		t.Fatal(err)
	}
	if n, min := countPixels(img, isRed), 2500; n < min {
		t.Errorf("signed page: %d red pixels, want at least %d", n, min)
	}
}

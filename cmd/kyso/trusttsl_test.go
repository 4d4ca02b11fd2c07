package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTrustTSLRoundTrip: kyso trust export-tsl writes trust/vn as a
// trusted list; kyso trust import-tsl turns it back into a bundle of the
// same certificates, which kyso trust bundle sign and check accept.
func TestTrustTSLRoundTrip(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tl := filepath.Join(dir, "tl.xml")
	var out bytes.Buffer
	if err := run(ctx, &out, []string{"trust", "export-tsl", "--bundle", "../../trust/vn", "--signer", "../../trust/bundle-signer.crt", "--out", tl}); err != nil {
		t.Fatalf("kyso trust export-tsl: %v", err)
	}
	if !strings.Contains(out.String(), "9 certificate(s)") {
		t.Errorf("export-tsl said %q, want 9 certificates", out.String())
	}
	// Without --tl-signer or --no-signature-check: a usage error.
	err := run(ctx, &out, []string{"trust", "import-tsl", tl, "--out", filepath.Join(dir, "b")})
	var ee *exitError
	if !errors.As(err, &ee) || ee.code != exitUsage {
		t.Errorf("import-tsl without a signature choice = %v, want exit %d", err, exitUsage)
	}
	// The exported list is unsigned: --tl-signer refuses it.
	if err := run(ctx, &out, []string{"trust", "import-tsl", tl, "--out", filepath.Join(dir, "b"), "--tl-signer", "../../trust/bundle-signer.crt"}); err == nil {
		t.Errorf("import-tsl --tl-signer of an unsigned list succeeded")
	}
	out.Reset()
	b := filepath.Join(dir, "b")
	if err := run(ctx, &out, []string{"trust", "import-tsl", tl, "--out", b, "--no-signature-check", "--version", "7"}); err != nil {
		t.Fatalf("kyso trust import-tsl: %v", err)
	}
	if err := run(ctx, &out, []string{"trust", "bundle", "sign", b, "--key", "../../truststore/testdata/bundle-signer.key", "--cert", "../../trust/bundle-signer.crt"}); err != nil {
		t.Fatalf("kyso trust bundle sign: %v", err)
	}
	out.Reset()
	if err := run(ctx, &out, []string{"trust", "bundle", "check", b, "--signer", "../../trust/bundle-signer.crt"}); err != nil {
		t.Fatalf("kyso trust bundle check: %v", err)
	}
	if !strings.Contains(out.String(), "version 7") || !strings.Contains(out.String(), "9 certificate(s)") {
		t.Errorf("bundle check said %q, want version 7 with 9 certificates", out.String())
	}
	m, _ := os.ReadFile(filepath.Join(b, "manifest.json"))
	if !bytes.Contains(m, []byte("TL VN #1")) {
		t.Errorf("the imported bundle's manifest does not name the list as the source:\n%s", m)
	}
}

package tsa_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/signer/tsa"
)

// openssl runs the openssl command line in dir and returns its combined
// output. OpenSSL is a tool kyso did not write: it checks our encoding and
// signatures independently.
func openssl(t *testing.T, dir string, wantOK bool, args ...string) string {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if wantOK && err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if !wantOK && err == nil {
		t.Fatalf("openssl %s succeeded, want failure\n%s", strings.Join(args, " "), out)
	}
	return string(out)
}

func writePEM(t *testing.T, path string, certs ...*x509.Certificate) {
	t.Helper()
	var b []byte
	for _, c := range certs {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// opensslCase is one openssl ts -query and what the reply must say.
type opensslCase struct {
	name       string
	queryFlags []string
	wantText   []string // in openssl ts -reply -text
}

// opensslCases are the requests every Authority must answer to OpenSSL's
// satisfaction.
var opensslCases = []opensslCase{
	{"sha256 nonce certReq", []string{"-sha256", "-cert"}, []string{"Hash Algorithm: sha256", "Nonce: 0x"}},
	{"sha256 no_nonce certReq", []string{"-sha256", "-cert", "-no_nonce"}, []string{"Nonce: unspecified"}},
	{"sha384 certReq", []string{"-sha384", "-cert"}, []string{"Hash Algorithm: sha384"}},
	{"sha512 no certReq", []string{"-sha512"}, []string{"Hash Algorithm: sha512"}},
	{"policy", []string{"-sha256", "-cert", "-tspolicy", tsa.DefaultPolicy}, nil},
}

// opensslRoundTrip asks a for a time-stamp with an openssl ts query and
// verifies the reply with openssl ts -verify, by data and by query file.
func opensslRoundTrip(t *testing.T, a *tsa.Authority, root *x509.Certificate, tc opensslCase) {
	t.Helper()
	dir := t.TempDir()
	data := filepath.Join(dir, "data.txt")
	if err := os.WriteFile(data, []byte("Quyết định số 123/QĐ-UBND, Hà Nội\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(dir, "root.pem"), root)
	writePEM(t, filepath.Join(dir, "tsa.pem"), a.Certificate())

	openssl(t, dir, true, append([]string{"ts", "-query", "-data", "data.txt", "-out", "req.tsq"}, tc.queryFlags...)...)
	req, err := os.ReadFile(filepath.Join(dir, "req.tsq"))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := a.Respond(context.Background(), req)
	if err != nil {
		t.Fatalf("Respond() = %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "resp.tsr"), resp, 0o600); err != nil {
		t.Fatal(err)
	}

	text := openssl(t, dir, true, "ts", "-reply", "-in", "resp.tsr", "-text")
	for _, want := range append([]string{
		"Status: Granted.",
		"Policy OID: " + tsa.DefaultPolicy,
		"Accuracy: 0x01 seconds, unspecified millis, unspecified micros",
		"Ordering: no",
		"TSA: DirName:",
	}, tc.wantText...) {
		if !strings.Contains(text, want) {
			t.Errorf("openssl ts -reply -text lacks %q:\n%s", want, text)
		}
	}
	for _, verify := range [][]string{
		{"-data", "data.txt"},
		{"-queryfile", "req.tsq"},
	} {
		args := append([]string{"ts", "-verify", "-in", "resp.tsr", "-CAfile", "root.pem", "-untrusted", "tsa.pem"}, verify...)
		if out := openssl(t, dir, true, args...); !strings.Contains(out, "Verification: OK") {
			t.Errorf("openssl %s:\n%s", strings.Join(args, " "), out)
		}
	}

	// A negative control: other data must not verify.
	if err := os.WriteFile(data, []byte("Quyết định số 124/QĐ-UBND\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	openssl(t, dir, false, "ts", "-verify", "-data", "data.txt", "-in", "resp.tsr", "-CAfile", "root.pem", "-untrusted", "tsa.pem")
}

// TestOpenSSL runs OpenSSL's TSA client against an Authority on an
// in-memory key.
func TestOpenSSL(t *testing.T) {
	f := newFixture(t, tsa.Config{})
	for _, tc := range opensslCases {
		t.Run(tc.name, func(t *testing.T) { opensslRoundTrip(t, f.auth, f.ca.Cert, tc) })
	}
}

// TestOpenSSLRejections checks that OpenSSL reads kyso's rejections, whose
// failInfo and statusString kyso encodes itself.
func TestOpenSSLRejections(t *testing.T) {
	f := newFixture(t, tsa.Config{})
	for _, tc := range []struct {
		name       string
		queryFlags []string
		want       string
	}{
		{"sha1", []string{"-sha1"}, "unrecognized or unsupported algorithm identifier"},
		{"other policy", []string{"-sha256", "-tspolicy", "1.2.3.4"}, "requested TSA policy is not supported"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "data.txt"), []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
			openssl(t, dir, true, append([]string{"ts", "-query", "-data", "data.txt", "-out", "req.tsq"}, tc.queryFlags...)...)
			req, err := os.ReadFile(filepath.Join(dir, "req.tsq"))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := f.auth.Respond(context.Background(), req)
			if err != nil {
				t.Fatalf("Respond() = %v", err)
			}
			if err := os.WriteFile(filepath.Join(dir, "resp.tsr"), resp, 0o600); err != nil {
				t.Fatal(err)
			}
			text := openssl(t, dir, true, "ts", "-reply", "-in", "resp.tsr", "-text")
			if !strings.Contains(text, "Status: Rejected.") || !strings.Contains(text, tc.want) {
				t.Errorf("openssl ts -reply -text = %s\nwant Rejected and %q", text, tc.want)
			}
		})
	}
}

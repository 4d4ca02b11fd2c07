package main

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	pngenc "image/png"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// exitCode is the exit status kyso's main gives run's error.
func exitCode(err error) int {
	var ee *exitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.code
	}
	return 1
}

// TestUsageExitCode: a command line kyso cannot follow exits 64, never 3
// (kyso verify's "a file could not be read") nor 1; -h exits 0.
func TestUsageExitCode(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		args []string
		want int
	}{
		{nil, exitUsage},
		{[]string{"frob"}, exitUsage},
		{[]string{"verify"}, exitUsage},
		{[]string{"verify", "--bogus", "x.pdf"}, exitUsage},
		{[]string{"verify", "--lang", "fr", "x.pdf"}, exitUsage},
		{[]string{"verify", "--cms", "sig.p7s", "a", "b"}, exitUsage},
		{[]string{"verify", "--no-kyso", filepath.Join(t.TempDir(), "missing.pdf")}, exitUnreadable},
		{[]string{"verify", "-h"}, 0},
		{[]string{"trust"}, exitUsage},
		{[]string{"trust", "frob"}, exitUsage},
		{[]string{"trust", "list", "extra"}, exitUsage},
		{[]string{"trust", "bundle", "sign", "dir"}, exitUsage},
		{[]string{"trust", "bundle", "make", "dir"}, exitUsage},
		{[]string{"cert"}, exitUsage},
		{[]string{"cert", "frob"}, exitUsage},
		{[]string{"cert", "get"}, exitUsage},
		{[]string{"cert", "list", "-h"}, 0},
		{[]string{"client", "disable"}, exitUsage},
		{[]string{"ca", "issuers", "--bogus"}, exitUsage},
		{[]string{"ca", "import-chain"}, exitUsage},
		{[]string{"ca", "import-chain", "a.pem", "b.pem"}, exitUsage},
		{[]string{"pin"}, exitUsage},
		{[]string{"pin", "set"}, exitUsage},
		{[]string{"pin", "frob", "cred"}, exitUsage},
		{[]string{"seal"}, exitUsage},
		{[]string{"seal", "set", "only-org"}, exitUsage},
		{[]string{"admin", "token", "frob"}, exitUsage},
	} {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out bytes.Buffer
			err := run(ctx, &out, tt.args)
			if got := exitCode(err); got != tt.want {
				t.Errorf("kyso %s exits %d (%v), want %d", strings.Join(tt.args, " "), got, err, tt.want)
			}
		})
	}
	err := run(ctx, &bytes.Buffer{}, []string{"frob"})
	for _, want := range []string{`unknown command "frob"`, "verify", "trust", "pin", "seal"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("kyso frob = %v, want it to say %q", err, want)
		}
	}
}

// TestExitCodeProcess: the exit statuses as a shell sees them, from the
// built binary: 64 for an unknown command, 3 for a file that cannot be
// read, 0 for -h.
func TestExitCodeProcess(t *testing.T) {
	ctx := context.Background()
	bin := buildKyso(ctx, t, t.TempDir())
	for _, tt := range []struct {
		args   []string
		want   int
		stderr string
	}{
		{[]string{"frob"}, exitUsage, `unknown command "frob"`},
		{[]string{"verify", "--no-kyso", filepath.Join(t.TempDir(), "missing.pdf")}, exitUnreadable, "missing.pdf"},
		{[]string{"verify", "--no-kyso"}, exitUsage, "want a file"},
		{[]string{"verify", "-h"}, 0, "Usage: kyso verify"},
	} {
		cmd := exec.CommandContext(ctx, bin, tt.args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tt.want || !strings.Contains(stderr.String(), tt.stderr) {
			t.Errorf("kyso %s: exit %d, stderr %q; want %d and %q", strings.Join(tt.args, " "), code, stderr.String(), tt.want, tt.stderr)
		}
	}
}

// TestVerifySummary: kyso verify of several files ends with one summary
// line, in Vietnamese by default and in English with --lang en; the
// warnings are said in the chosen language (the page's Vietnamese
// sentences, read from their codes).
func TestVerifySummary(t *testing.T) {
	notPDF := filepath.Join(t.TempDir(), "not.pdf")
	writeFileT(t, notPDF, []byte("not a PDF"))
	itext := filepath.Join(realworld, "itext", "B-T.pdf")
	code, out := kysoVerify(t, "--no-kyso", "--trust", "../../trust/vn", hanoiPDF, itext, notPDF)
	if code != exitUnreadable {
		t.Errorf("exit %d, want %d", code, exitUnreadable)
	}
	// Offline, without revocation data, the government files are
	// INDETERMINATE (TRY_LATER: the revocation policy, docs/verification.md).
	if !strings.Contains(out, "\n3 tệp: 0 hợp lệ, 0 không hợp lệ, 2 không xác định, 1 không đọc được\n") {
		t.Errorf("no Vietnamese summary line:\n%s", out)
	}
	if !strings.Contains(out, "Dấu thời gian dùng thuật toán băm SHA-1") || strings.Contains(out, "imprint uses SHA-1") {
		t.Errorf("the warnings are not in Vietnamese:\n%s", out)
	}
	if !strings.Contains(out, ": KHÔNG XÁC ĐỊNH — ") {
		t.Errorf("no Vietnamese verdict:\n%s", out)
	}
	code, out = kysoVerify(t, "--lang", "en", "--no-kyso", "--trust", "../../trust/vn", hanoiPDF, hanoiPDF)
	if code != exitIndeterminate || !strings.Contains(out, "\n2 files: 0 valid, 0 not valid, 2 indeterminate\n") {
		t.Errorf("exit %d, no English summary line:\n%s", code, out)
	}
	if !strings.Contains(out, "the time-stamp's imprint uses SHA-1, which is weak") {
		t.Errorf("the English warnings are missing:\n%s", out)
	}
	// One file: no summary.
	if _, out := kysoVerify(t, "--no-kyso", "--trust", "../../trust/vn", hanoiPDF); strings.Contains(out, "tệp:") {
		t.Errorf("a summary line for one file:\n%s", out)
	}
}

// TestTrustListTable: kyso trust list is a table with one line per
// certificate and a count; --json is one object per certificate.
func TestTrustListTable(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, []string{"trust", "list", "--no-kyso", "--trust", "../../trust/vn"}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 11 || !strings.HasPrefix(lines[0], "KIND") || !strings.HasSuffix(lines[10], "0 kyso CA certificate(s), 9 from trust directories") {
		t.Errorf("kyso trust list:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), &out, []string{"trust", "list", "--no-kyso", "--trust", "../../trust/vn", "--json"}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out.String(), `"sha256":`); n != 9 {
		t.Errorf("kyso trust list --json printed %d certificates, want 9:\n%s", n, out.String())
	}
}

// TestAdminCLIProcess: the CLI covers what an administrator does through
// the API — a citizen's PIN (read from standard input), a seal image, the
// tables of certificates and issuers — run as a process against kyso dev,
// with the exit statuses a shell sees.
func TestAdminCLIProcess(t *testing.T) {
	ctx := context.Background()
	bin := buildKyso(ctx, t, t.TempDir())
	dir := t.TempDir()
	r := startDev(t, dir)
	defer r.stop(t)
	env := filepath.Join(dir, "dev.env")
	code, cert := r.call(t, "POST", "/v1/certificates", map[string]any{"profile": "citizen", "subject": map[string]string{
		"name": "Lê Thị Hoa", "cccd": "001199077777", "locality": "Hà Nội"}})
	if code != 201 {
		t.Fatalf("issue = %d %v", code, cert)
	}
	cred := cert["credential_id"].(string)

	kyso := func(stdin string, args ...string) (int, string) {
		cmd := exec.CommandContext(ctx, bin, append(args, "--env", env)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode(), string(out)
		} else if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	ev := []string{"--evidence", "in_person", "--reference", "HS-2026-000200", "--officer", "Nguyễn Thị Lan"}
	if code, out := kyso("246813\n", "pin", "set", cred); code != exitUsage || !strings.Contains(out, "--evidence") {
		t.Errorf("kyso pin set without evidence = %d %s, want %d naming --evidence", code, out, exitUsage)
	}
	if code, out := kyso("246813\n", append([]string{"pin", "set", cred}, ev...)...); code != 0 || !strings.Contains(out, "PIN set") {
		t.Errorf("kyso pin set = %d %s", code, out)
	}
	if code, out := kyso("123456\n", append([]string{"pin", "set", cred}, ev...)...); code != 1 || !strings.Contains(out, "invalid_request") {
		t.Errorf("kyso pin set with a run of digits = %d %s, want 1 and invalid_request", code, out)
	}
	if code, out := kyso("", append([]string{"pin", "set", cred}, ev...)...); code != exitUsage {
		t.Errorf("kyso pin set without a PIN = %d %s, want %d", code, out, exitUsage)
	}
	if code, out := kyso("", append([]string{"pin", "unlock", cred}, ev...)...); code != 0 || !strings.Contains(out, "unlocked") {
		t.Errorf("kyso pin unlock = %d %s", code, out)
	}
	png := filepath.Join(t.TempDir(), "seal.png")
	writeFileT(t, png, tinyPNG(t))
	if code, out := kyso("", "seal", "set", "Ủy ban nhân dân Thành phố Huế", png); code != 0 || !strings.Contains(out, "Ủy ban nhân dân Thành phố Huế") {
		t.Errorf("kyso seal set = %d %s", code, out)
	}
	if code, out := kyso("", "seal", "set", "Ủy ban nhân dân Thành phố Huế", env); code != 1 || !strings.Contains(out, "invalid_request") {
		t.Errorf("kyso seal set of a text file = %d %s, want 1 and invalid_request", code, out)
	}
	code, out := kyso("", "cert", "list")
	if lines := strings.Split(strings.TrimSpace(out), "\n"); code != 0 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(out, cert["id"].(string)) ||
		!strings.HasSuffix(lines[len(lines)-1], "certificate(s)") {
		t.Errorf("kyso cert list = %d\n%s", code, out)
	}
	if code, out := kyso("", "cert", "list", "--json"); code != 0 || !strings.Contains(out, `"certificates"`) {
		t.Errorf("kyso cert list --json = %d\n%s", code, out)
	}
	if code, out := kyso("", "ca", "issuers"); code != 0 || !strings.HasPrefix(out, "NAME") || !strings.Contains(out, "active") || !strings.Contains(out, "issuer(s)") {
		t.Errorf("kyso ca issuers = %d\n%s", code, out)
	}
	// kyso's root is listed once, however many issuing CAs carry it.
	if code, out := kyso("", "ca", "rotate"); code != 0 {
		t.Fatalf("kyso ca rotate = %d %s", code, out)
	}
	var tl bytes.Buffer
	if err := run(ctx, &tl, []string{"trust", "list", "--data", dir}); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(tl.String(), "\nroot "); n != 1 || !strings.Contains(tl.String(), "3 kyso CA certificate(s)") {
		t.Errorf("kyso trust list after a CA rotation lists %d roots:\n%s", n, tl.String())
	}
}

// tinyPNG is a small seal-like PNG.
func tinyPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 64, 64))
	for y := 0; y < 64; y++ {
		for x := 0; x < 64; x++ {
			if dx, dy := x-32, y-32; dx*dx+dy*dy < 30*30 && dx*dx+dy*dy > 24*24 {
				img.Set(x, y, color.NRGBA{R: 220, A: 255})
			}
		}
	}
	var b bytes.Buffer
	if err := pngenc.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

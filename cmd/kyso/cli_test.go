package main

import (
	"bytes"
	"context"
	"errors"
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
	if !strings.Contains(out, "\n3 tệp: 1 hợp lệ, 0 không hợp lệ, 1 không xác định, 1 không đọc được\n") {
		t.Errorf("no Vietnamese summary line:\n%s", out)
	}
	if !strings.Contains(out, "Chưa kiểm tra tình trạng thu hồi") || strings.Contains(out, "revocation status not checked") {
		t.Errorf("the warnings are not in Vietnamese:\n%s", out)
	}
	if !strings.Contains(out, ": HỢP LỆ — ") {
		t.Errorf("no Vietnamese verdict:\n%s", out)
	}
	code, out = kysoVerify(t, "--lang", "en", "--no-kyso", "--trust", "../../trust/vn", hanoiPDF, hanoiPDF)
	if code != exitPassed || !strings.Contains(out, "\n2 files: 2 valid, 0 not valid, 0 indeterminate\n") {
		t.Errorf("exit %d, no English summary line:\n%s", code, out)
	}
	if !strings.Contains(out, "revocation status not checked") {
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

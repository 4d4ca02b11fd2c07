package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/verifier"
)

// hanoiPDF is a decision of Hanoi's People's Committee signed under the
// Government CA's G2 root (VGCA), with a time-stamp of its TSA 02.
const hanoiPDF = "../../../shared/testdata/realworld/vn-nom-vn/hanoi_qd_2280_water.pdf"

// publishBundle makes a bundle of the given version from the named
// certificate files of trust/vn with kyso trust bundle make and sign, and
// publishes it at link atomically (a symbolic link swapped by rename), so
// that a refresh sees the old bundle or the new one, never half of each.
func publishBundle(t *testing.T, root, link string, version int, files ...string) {
	t.Helper()
	dir := filepath.Join(root, "v"+time.Now().Format("150405.000000000"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("../../trust/vn", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	v := strconv.Itoa(version)
	if err := run(context.Background(), &out, []string{"trust", "bundle", "make", dir, "--name", "test", "--version", v}); err != nil {
		t.Fatalf("kyso trust bundle make: %v", err)
	}
	if err := run(context.Background(), &out, []string{"trust", "bundle", "sign", dir,
		"--key", "../../truststore/testdata/bundle-signer.key", "--cert", "../../trust/bundle-signer.crt"}); err != nil {
		t.Fatalf("kyso trust bundle sign: %v", err)
	}
	tmp := link + ".new"
	_ = os.Remove(tmp)
	if err := os.Symlink(dir, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
}

// chainOf verifies the Hanoi decision on the running kyso and returns its
// first signature.
func chainOf(t *testing.T, base string, pdf []byte) verifier.Signature {
	t.Helper()
	resp, err := http.Post(base+"/v1/verify/pdf", "application/pdf", bytes.NewReader(pdf))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var rep verifier.Report
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &rep) != nil || len(rep.Signatures) == 0 {
		t.Fatalf("POST /v1/verify/pdf = %d %s", resp.StatusCode, body)
	}
	return rep.Signatures[0]
}

// TestTrustBundleRefreshRunning: a running kyso picks up a new version of
// its trust bundle without a restart. The Hanoi decision's signer chains
// to the Government CA's G2 root: under bundle version 1 (the National
// Root CA only) no chain is found; once version 2, which adds the G2 root
// and intermediate, is published, the running kyso builds the chain to
// the G2 root. A rollback to version 1 is then refused (kyso trust
// refresh fails and says why) and the G2 chain stays trusted.
func TestTrustBundleRefreshRunning(t *testing.T) {
	pdf, err := os.ReadFile(hanoiPDF)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	link := filepath.Join(root, "current")
	publishBundle(t, root, link, 1, "vn-national-rootca-vnrca256.crt")

	r := startDevWith(t, t.TempDir(), "--trust-bundle", link, "--bundle-signer", "../../trust/bundle-signer.crt", "--trust-refresh", "200ms",
		"--metrics-listen", freePort(t))
	defer r.stop(t)
	base := r.env["KYSO_URL"]

	if s := chainOf(t, base, pdf); s.SubIndication != verifier.NoCertificateChainFound {
		t.Fatalf("under bundle version 1: %s/%s, want %s", s.Indication, s.SubIndication, verifier.NoCertificateChainFound)
	}

	publishBundle(t, root, link, 2, "vn-national-rootca-vnrca256.crt", "vgca-rootcag2.crt", "vgca-cpg2-intermediate.crt", "vgca-tsa02-from-pdf.crt")
	var last verifier.Signature
	picked := waitUntil(time.Minute, func() bool {
		last = chainOf(t, base, pdf)
		return last.SubIndication != verifier.NoCertificateChainFound && len(last.Chain) == 3
	})
	if !picked {
		t.Fatalf("bundle version 2 not picked up within a minute: %s/%s, chain %d", last.Indication, last.SubIndication, len(last.Chain))
	}
	if !strings.Contains(last.Chain[2].Subject, "RootCA chuyên dùng Chính phủ G2") {
		t.Errorf("chain ends at %q, want the G2 root", last.Chain[2].Subject)
	}

	// A rollback to version 1: refused by the periodic refresh and by
	// kyso trust refresh; the G2 chain stays trusted.
	publishBundle(t, root, link, 1, "vn-national-rootca-vnrca256.crt")
	var out bytes.Buffer
	err = run(context.Background(), &out, []string{"trust", "refresh", "--url", base, "--token", r.env["KYSO_ADMIN_TOKEN"], "--env", "/nonexistent"})
	if err == nil || !strings.Contains(err.Error(), "older than version 2") {
		t.Errorf("kyso trust refresh of a rollback = %v (%s), want an error naming the rollback", err, out.String())
	}
	if !strings.Contains(out.String(), "version 2") {
		t.Errorf("kyso trust refresh printed %q, want the version in use (2)", out.String())
	}
	if s := chainOf(t, base, pdf); len(s.Chain) != 3 {
		t.Errorf("after the refused rollback: %s/%s, chain %d; want the G2 chain kept", s.Indication, s.SubIndication, len(s.Chain))
	}
	// The refusal shows in the metrics; kyso stays ready.
	if m := metricsText(t, r.env["KYSO_METRICS_URL"]); !strings.Contains(m, "\nkyso_trust_bundle_refresh_failing 1\n") || !strings.Contains(m, "\nkyso_trust_bundle_version 2\n") {
		t.Errorf("metrics after a refused rollback lack refresh_failing 1 and version 2:\n%s", grepLines(m, "kyso_trust_bundle"))
	}
	if resp, err := http.Get(base + "/readyz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/readyz after a refused bundle = %v %v, want 200", resp, err)
	} else {
		resp.Body.Close()
	}

	// Version 3 (the same anchors as 2) is accepted on request.
	publishBundle(t, root, link, 3, "vn-national-rootca-vnrca256.crt", "vgca-rootcag2.crt", "vgca-cpg2-intermediate.crt", "vgca-tsa02-from-pdf.crt")
	st, body := r.call(t, http.MethodPost, "/v1/admin/trust/refresh", nil)
	bundle, _ := body["bundle"].(map[string]any)
	if st != http.StatusOK || body["ok"] != true || bundle == nil || bundle["version"] != float64(3) {
		t.Errorf("POST /v1/admin/trust/refresh = %d %v, want ok with version 3", st, body)
	}
	if m := metricsText(t, r.env["KYSO_METRICS_URL"]); !strings.Contains(m, "\nkyso_trust_bundle_refresh_failing 0\n") || !strings.Contains(m, "\nkyso_trust_bundle_version 3\n") {
		t.Errorf("metrics after version 3 lack refresh_failing 0 and version 3:\n%s", grepLines(m, "kyso_trust_bundle"))
	}
}

func metricsText(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

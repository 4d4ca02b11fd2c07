package metrics_test

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/metrics"
)

func exposition(t *testing.T, r *metrics.Registry) string {
	t.Helper()
	w := httptest.NewRecorder()
	r.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	if w.Code != 200 {
		t.Fatalf("GET /metrics = %d %s", w.Code, w.Body)
	}
	b, _ := io.ReadAll(w.Body)
	return string(b)
}

// TestNilRegistry: a component built without metrics reports into a nil
// *Registry, which records nothing and does not panic.
func TestNilRegistry(t *testing.T) {
	var r *metrics.Registry
	r.Request("GET", "/healthz", 200, time.Millisecond)
	r.Error("/healthz", "internal_error")
	r.Signature("pdf", "B-B", "seal")
	r.VaultCall("sign", "ok", time.Millisecond)
	r.VaultSignBatch(3)
	r.DBCall("read", "ok", time.Millisecond)
	r.CertificateIssued("seal", "issue")
	r.CertificateRevoked("citizen", "keyCompromise")
	r.AuthFailure("admin")
	r.WatchExpiry(func(context.Context) ([]metrics.Expiry, error) { return nil, nil })
	r.WatchCRLs(func(context.Context) ([]metrics.CRL, error) { return nil, nil })
}

// TestExpiry: kyso_certificate_expiry_days is read at each scrape, one
// series per kind and name (a duplicate would fail the whole scrape), and
// a failed read counts in kyso_certificate_expiry_errors_total.
func TestExpiry(t *testing.T) {
	r := metrics.New()
	fail := false
	r.WatchExpiry(func(context.Context) ([]metrics.Expiry, error) {
		if fail {
			return nil, errors.New("database away")
		}
		in10 := time.Now().Add(10*24*time.Hour + time.Hour)
		return []metrics.Expiry{
			{Kind: "issuer", Name: "root", NotAfter: in10},
			{Kind: "issuer", Name: "root", NotAfter: in10.Add(time.Hour)},
			{Kind: "tls", Name: "server", NotAfter: time.Now().Add(-48 * time.Hour)},
			{Kind: "tsa", Name: "tsa"}, // no notAfter: left out
		}, nil
	})
	text := exposition(t, r)
	for _, want := range []string{`kyso_certificate_expiry_days{kind="issuer",name="root"} 10.04`, `kyso_certificate_expiry_days{kind="tls",name="server"} -2`, "kyso_certificate_expiry_errors_total 0"} {
		if !strings.Contains(text, want) {
			t.Errorf("exposition lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, `kind="tsa"`) {
		t.Errorf("a certificate without notAfter is exposed:\n%s", text)
	}
	fail = true
	text = exposition(t, r)
	if !strings.Contains(text, "kyso_certificate_expiry_errors_total 1") || strings.Contains(text, "kyso_certificate_expiry_days{") {
		t.Errorf("after a failed read: want the error counted and no expiry series:\n%s", text)
	}
}

// TestCRLs: kyso_crl_age_seconds and kyso_crl_next_update_seconds are read
// at each scrape, one series per issuer; a stale CRL shows a negative time
// to its nextUpdate, and a failed read counts in kyso_crl_errors_total.
func TestCRLs(t *testing.T) {
	r := metrics.New()
	fail := false
	now := time.Now()
	r.WatchCRLs(func(context.Context) ([]metrics.CRL, error) {
		if fail {
			return nil, errors.New("database away")
		}
		return []metrics.CRL{
			{Issuer: "issuing-1", ThisUpdate: now.Add(-2 * time.Hour), NextUpdate: now.Add(22 * time.Hour)},
			{Issuer: "issuing-1", ThisUpdate: now.Add(-time.Hour)},
			{Issuer: "issuing-0", ThisUpdate: now.Add(-30 * time.Hour), NextUpdate: now.Add(-6 * time.Hour)},
		}, nil
	})
	text := exposition(t, r)
	for _, c := range []struct {
		series string
		want   float64
	}{
		{`kyso_crl_age_seconds{issuer="issuing-1"}`, 2 * 3600},
		{`kyso_crl_next_update_seconds{issuer="issuing-1"}`, 22 * 3600},
		{`kyso_crl_age_seconds{issuer="issuing-0"}`, 30 * 3600},
		{`kyso_crl_next_update_seconds{issuer="issuing-0"}`, -6 * 3600},
		{`kyso_crl_errors_total`, 0},
	} {
		if got, ok := value(text, c.series); !ok || math.Abs(got-c.want) > 60 {
			t.Errorf("%s = %v (present %v), want %v", c.series, got, ok, c.want)
		}
	}
	fail = true
	text = exposition(t, r)
	if !strings.Contains(text, "kyso_crl_errors_total 1") || strings.Contains(text, "kyso_crl_age_seconds{") {
		t.Errorf("after a failed read: want the error counted and no CRL series:\n%s", text)
	}
}

// value returns the value of series (written as exposed) in text.
func value(text, series string) (float64, bool) {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
	}
	return 0, false
}

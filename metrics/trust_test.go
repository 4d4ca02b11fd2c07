package metrics_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/metrics"
)

// TestWatchTrust: the trust bundle's gauges are read at each scrape.
func TestWatchTrust(t *testing.T) {
	r := metrics.New()
	st := metrics.TrustState{Version: 2, Failing: true, LastCheck: time.Unix(1765000000, 0)}
	r.WatchTrust(func() metrics.TrustState { return st })
	for _, want := range []string{"\nkyso_trust_bundle_version 2\n", "\nkyso_trust_bundle_refresh_failing 1\n", "\nkyso_trust_bundle_last_check_timestamp_seconds 1.765e+09\n"} {
		if got := exposition(t, r); !strings.Contains(got, want) {
			t.Errorf("exposition lacks %q", want)
		}
	}
	st = metrics.TrustState{Version: 3}
	if got := exposition(t, r); !strings.Contains(got, "\nkyso_trust_bundle_version 3\n") || !strings.Contains(got, "\nkyso_trust_bundle_refresh_failing 0\n") {
		t.Errorf("the gauges did not follow the state")
	}
	var nilReg *metrics.Registry
	nilReg.WatchTrust(func() metrics.TrustState { return st })
}

package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// TrustState is the trust bundle's state as the metrics show it.
type TrustState struct {
	// Version is the version of the bundle in use (0: none).
	Version uint64
	// Failing is true while the last refresh was refused or failed.
	Failing bool
	// LastCheck is when the bundle was last read.
	LastCheck time.Time
}

// WatchTrust exposes the trust bundle's state, read from state at each
// scrape: kyso_trust_bundle_version, kyso_trust_bundle_refresh_failing
// (1 while the last refresh was refused or could not read the bundle: kyso
// keeps the bundle in use, and stays ready) and
// kyso_trust_bundle_last_check_timestamp_seconds.
func (r *Registry) WatchTrust(state func() TrustState) {
	if r == nil {
		return
	}
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	r.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kyso_trust_bundle_version",
			Help: "Version of the signed trust bundle in use (0: none configured).",
		}, func() float64 { return float64(state().Version) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kyso_trust_bundle_refresh_failing",
			Help: "1 while the last refresh of the trust bundle was refused (signature, fingerprint, older version) or could not read it; the bundle in use stays.",
		}, func() float64 { return b2f(state().Failing) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "kyso_trust_bundle_last_check_timestamp_seconds",
			Help: "When the trust bundle was last read (Unix time; 0: never).",
		}, func() float64 {
			if t := state().LastCheck; !t.IsZero() {
				return float64(t.Unix())
			}
			return 0
		}),
	)
}

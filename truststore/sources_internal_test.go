package truststore

import (
	"testing"
	"time"
)

// TestRevocationSourcesTimeoutDefault: each online request of
// RevocationSources is bounded, by DefaultSourceTimeout when Timeout is
// zero (or negative), else by Timeout.
func TestRevocationSourcesTimeoutDefault(t *testing.T) {
	for _, tc := range []struct{ set, want time.Duration }{
		{0, DefaultSourceTimeout},
		{-time.Second, DefaultSourceTimeout},
		{3 * time.Second, 3 * time.Second},
	} {
		if got := (RevocationSources{Timeout: tc.set}).fetcher().Timeout; got != tc.want {
			t.Errorf("RevocationSources{Timeout: %v} asks with a timeout of %v, want %v", tc.set, got, tc.want)
		}
	}
	if DefaultSourceTimeout != 10*time.Second {
		t.Errorf("DefaultSourceTimeout = %v, want 10s (docs/configuration.md, extend.online)", DefaultSourceTimeout)
	}
}

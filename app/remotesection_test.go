package app_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/internal/config"
)

// TestRemoteSection: the remote_signing section defaults its lifetimes to
// Remote's, refuses a lifetime past 1h or below 0, and yields the
// RemoteConfig whose confirmation page is under kyso's public URL.
func TestRemoteSection(t *testing.T) {
	var s app.RemoteSection
	s.Defaults()
	if time.Duration(s.SADLifetime) != app.DefaultSADLifetime || time.Duration(s.TransactionLifetime) != app.DefaultTransactionLifetime {
		t.Errorf("Defaults() = %+v, want %v and %v", s, app.DefaultSADLifetime, app.DefaultTransactionLifetime)
	}
	s = app.RemoteSection{SADLifetime: config.Duration(2 * time.Minute), TransactionLifetime: config.Duration(time.Hour)}
	s.Defaults()
	if err := s.Validate(); err != nil {
		t.Errorf("Validate(2m, 1h) = %v", err)
	}
	got := s.Config("https://kyso.example.gov.vn")
	want := app.RemoteConfig{SADLifetime: 2 * time.Minute, TransactionLifetime: time.Hour, ConfirmBaseURL: "https://kyso.example.gov.vn/confirm"}
	if got.SADLifetime != want.SADLifetime || got.TransactionLifetime != want.TransactionLifetime || got.ConfirmBaseURL != want.ConfirmBaseURL || got.Now != nil {
		t.Errorf("Config() = %+v, want %+v", got, want)
	}
	for _, tc := range []struct {
		s    app.RemoteSection
		want string
	}{
		{app.RemoteSection{SADLifetime: config.Duration(time.Hour + time.Second)}, "remote_signing.sad_lifetime"},
		{app.RemoteSection{SADLifetime: config.Duration(-time.Second)}, "remote_signing.sad_lifetime"},
		{app.RemoteSection{TransactionLifetime: config.Duration(2 * time.Hour)}, "remote_signing.transaction_lifetime"},
	} {
		tc.s.Defaults()
		if err := tc.s.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%+v) = %v, want an error naming %s", tc.s, err, tc.want)
		}
	}
}

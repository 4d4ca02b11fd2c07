package app

import (
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/internal/config"
)

// RemoteSection is the "remote_signing" section of kyso's config file
// (see docs/configuration.md): citizens' remote signing under sole
// control (SCAL2), how long an authorisation (SAD) and a confirmation
// transaction last. Config turns it into Remote's RemoteConfig.
type RemoteSection struct {
	// SADLifetime is how long a SAD may be used (default 5m; at most 1h).
	SADLifetime config.Duration `json:"sad_lifetime"`
	// TransactionLifetime is how long a transaction waits for the
	// citizen's confirmation (default 10m; at most 1h).
	TransactionLifetime config.Duration `json:"transaction_lifetime"`
}

// maxRemoteLifetime bounds both lifetimes of RemoteSection.
const maxRemoteLifetime = time.Hour

// Defaults sets the lifetimes left zero to DefaultSADLifetime and
// DefaultTransactionLifetime.
func (s *RemoteSection) Defaults() {
	if s.SADLifetime == 0 {
		s.SADLifetime = config.Duration(DefaultSADLifetime)
	}
	if s.TransactionLifetime == 0 {
		s.TransactionLifetime = config.Duration(DefaultTransactionLifetime)
	}
}

// Validate checks that each lifetime is at most 1h (0 takes the default).
func (s RemoteSection) Validate() error {
	for _, f := range []struct {
		name string
		d    config.Duration
	}{{"remote_signing.sad_lifetime", s.SADLifetime}, {"remote_signing.transaction_lifetime", s.TransactionLifetime}} {
		if f.d < 0 || time.Duration(f.d) > maxRemoteLifetime {
			return fmt.Errorf("config: %s must be between 0 (the default) and 1h", f.name)
		}
	}
	return nil
}

// Config is the RemoteConfig of the section for a kyso whose public URL
// is baseURL: the confirmation page is baseURL/confirm.
func (s RemoteSection) Config(baseURL string) RemoteConfig {
	return RemoteConfig{SADLifetime: time.Duration(s.SADLifetime), TransactionLifetime: time.Duration(s.TransactionLifetime),
		ConfirmBaseURL: baseURL + "/confirm"}
}

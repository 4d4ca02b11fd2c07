package tsa

import (
	"errors"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/internal/config"
)

// Section is the "tsa" section of kyso's config file (see
// docs/configuration.md): what kyso's time-stamp authority states in its
// tokens. New checks the values when the authority is made.
type Section struct {
	// Policy is the TSA policy OID stated in every token (default
	// DefaultPolicy, a documentation placeholder; production sets the OID
	// registered for its time-stamping policy).
	Policy string `json:"policy"`
	// Accuracy is the stated accuracy (default DefaultAccuracy, 1s).
	Accuracy config.Duration `json:"accuracy"`
}

// Defaults fills the fields left empty with their defaults.
func (s *Section) Defaults() {
	if s.Policy == "" {
		s.Policy = DefaultPolicy
	}
	if s.Accuracy == 0 {
		s.Accuracy = config.Duration(DefaultAccuracy)
	}
}

// Config is the section as the Config of New (clock and randomness left
// to their defaults).
func (s Section) Config() Config {
	return Config{Policy: s.Policy, Accuracy: time.Duration(s.Accuracy)}
}

// Validate checks the section after Defaults, so that kyso refuses a bad
// policy or accuracy at start rather than at its first time-stamp.
func (s Section) Validate() error {
	if _, err := parseOID(s.Policy); err != nil {
		return fmt.Errorf("config: tsa.policy %q: %v", s.Policy, err)
	}
	if s.Accuracy < 0 {
		return errors.New("config: tsa.accuracy must not be negative (0 means the default, 1s)")
	}
	return nil
}

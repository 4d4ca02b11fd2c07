package ca

import (
	"errors"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/internal/config"
)

// Section is the "ca" section of kyso's config file (see
// docs/configuration.md). Config turns it into the Config of New; the
// defaults of the fields left empty are New's (see Config), and Defaults
// only sets the mode.
type Section struct {
	// Mode is "own" (default: kyso creates its own root and issuing CA on
	// first start) or "external" (the issuing CA is certified by an
	// external root: see kyso ca init --external).
	Mode            string                    `json:"mode"`
	OrgName         string                    `json:"org_name"`
	RootName        string                    `json:"root_name"`
	RootKeyType     string                    `json:"root_key_type"`
	IssuingKeyType  string                    `json:"issuing_key_type"`
	RootValidity    config.Duration           `json:"root_validity"`
	IssuingValidity config.Duration           `json:"issuing_validity"`
	CRLValidity     config.Duration           `json:"crl_validity"`
	OCSPValidity    config.Duration           `json:"ocsp_validity"`
	Profiles        map[string]ProfileSection `json:"profiles"`
	KeyPrefix       string                    `json:"key_prefix"`
	// ExternalRoot pins the external root (ca.mode external): an imported
	// chain must end in it, and the verifier trusts it.
	ExternalRoot *ExternalRootSection `json:"external_root"`
	// ExternalRevocation says where the external CAs' CRLs and OCSP
	// answers for kyso's issuing CA come from (B-LT and B-LTA signing).
	ExternalRevocation ExternalRevocationSection `json:"external_revocation"`
}

// ExternalRootSection is a root of trust kyso's issuing CA is certified
// under: its certificate file and SHA-256 fingerprint, which must agree
// or kyso does not start. Only configuration decides what kyso trusts.
type ExternalRootSection struct {
	// File is the root certificate, PEM or DER.
	File string `json:"file"`
	// SHA256 is the fingerprint of the certificate's DER, hex (colons and
	// case are ignored), as `openssl x509 -noout -fingerprint -sha256`
	// prints it.
	SHA256 string `json:"sha256"`
}

// ExternalRevocationSection configures how kyso obtains the external CAs'
// revocation data for its issuing CA (and any intermediate).
type ExternalRevocationSection struct {
	// CRLSources are CRLs the operator supplies: file paths (kept current
	// by the operator) or http(s) URLs of a mirror. Tried before the
	// addresses in the certificates.
	CRLSources []string `json:"crl_sources"`
	// Fetch allows fetching from the CRL distribution points and OCSP
	// responders the certificates name (default true; false on a closed
	// network).
	Fetch *bool `json:"fetch"`
	// Timeout bounds one fetch (default 10s).
	Timeout config.Duration `json:"timeout"`
}

// ProfileSection overrides one certificate profile.
type ProfileSection struct {
	// Validity of certificates of the profile, e.g. "730d".
	Validity config.Duration `json:"validity"`
	// PolicyOID is the certificate policy identifier, dotted.
	PolicyOID string `json:"policy_oid"`
}

// Defaults sets the mode when it is empty: "own".
func (s *Section) Defaults() {
	if s.Mode == "" {
		s.Mode = "own"
	}
}

// Validate checks the section after Defaults. The external root's
// fingerprint is checked against its file when kyso reads it.
func (s Section) Validate() error {
	switch s.Mode {
	case "own", "external":
	default:
		return fmt.Errorf("config: ca.mode %q: want own or external", s.Mode)
	}
	if s.ExternalRevocation.Timeout < 0 {
		return errors.New("config: ca.external_revocation.timeout must not be negative (0 means the default, 10s)")
	}
	for _, src := range s.ExternalRevocation.CRLSources {
		if src == "" {
			return errors.New("config: ca.external_revocation.crl_sources: an empty entry")
		}
	}
	return nil
}

// Config is the section as the Config of New, for a CA whose public URL
// (AIA, CRL distribution points) is baseURL. ExternalRoots, Upstream and
// Progress are the caller's to add.
func (s Section) Config(baseURL string) Config {
	profiles := make(map[string]ProfileConfig, len(s.Profiles))
	for name, p := range s.Profiles {
		profiles[name] = ProfileConfig{Validity: time.Duration(p.Validity), PolicyOID: p.PolicyOID}
	}
	return Config{
		BaseURL:         baseURL,
		Profiles:        profiles,
		RootKeyType:     s.RootKeyType,
		IssuingKeyType:  s.IssuingKeyType,
		RootValidity:    time.Duration(s.RootValidity),
		IssuingValidity: time.Duration(s.IssuingValidity),
		RootName:        s.RootName,
		OrgName:         s.OrgName,
		CRLValidity:     time.Duration(s.CRLValidity),
		OCSPValidity:    time.Duration(s.OCSPValidity),
		KeyPrefix:       s.KeyPrefix,
	}
}

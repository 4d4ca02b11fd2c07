package keys

import (
	"errors"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/internal/config"
)

// Section is the "vault" section of kyso's config file (see
// docs/configuration.md): how kyso reaches Vault, authenticates and signs
// with Transit. It names the files that hold secrets; cmd/kyso reads them
// (or the environment) and hands the secret to Open.
type Section struct {
	// Addr is Vault's address (default $VAULT_ADDR), or several separated
	// by commas: the nodes of a Vault cluster, tried in turn (see Addrs).
	Addr string `json:"addr"`
	// Addrs are more Vault addresses, tried after Addr's: when the one in
	// use cannot be reached or answers sealed or standby, kyso turns to
	// the next.
	Addrs []string `json:"addrs"`
	// Mount is the Transit mount (default "transit").
	Mount string `json:"mount"`
	// Timeout bounds each Vault call (default 10s), except key creation.
	Timeout config.Duration `json:"timeout"`
	// CreateTimeout bounds the creation of a key in Vault (default 2m):
	// generating an RSA-4096 key can take a loaded Vault minutes.
	CreateTimeout config.Duration `json:"create_timeout"`
	// CACert is a PEM file to verify Vault's TLS certificate.
	CACert string `json:"ca_cert"`
	// Auth is "token" (token from $VAULT_TOKEN or TokenFile) or "approle"
	// (RoleID, and the secret id from $KYSO_VAULT_SECRET_ID or SecretIDFile).
	Auth         string `json:"auth"`
	TokenFile    string `json:"token_file"`
	RoleID       string `json:"role_id"`
	SecretIDFile string `json:"secret_id_file"`
	AppRoleMount string `json:"approle_mount"`
	// Coalesce lets concurrent signatures with the same key share Transit
	// batch_input requests (default true; false sends one request per
	// signature).
	Coalesce *bool `json:"coalesce"`
}

// Defaults fills the fields left empty with their defaults. Addr stays
// empty: the Vault client then reads $VAULT_ADDR.
func (s *Section) Defaults() {
	if s.Mount == "" {
		s.Mount = DefaultMount
	}
	if s.Auth == "" {
		s.Auth = "token"
	}
	if s.AppRoleMount == "" {
		s.AppRoleMount = DefaultAppRoleMount
	}
	if s.Timeout == 0 {
		s.Timeout = config.Duration(DefaultTimeout)
	}
	if s.CreateTimeout == 0 {
		s.CreateTimeout = config.Duration(DefaultCreateTimeout)
	}
}

// Validate checks the section after Defaults.
func (s Section) Validate() error {
	if s.Timeout < 0 || s.CreateTimeout < 0 {
		return errors.New("config: vault.timeout and vault.create_timeout must not be negative (0 means the default)")
	}
	switch s.Auth {
	case "token", "approle":
	default:
		return fmt.Errorf("config: vault.auth %q: want token or approle", s.Auth)
	}
	if err := validateAddresses(s.Addresses()); err != nil {
		return err
	}
	if s.Auth == "approle" && s.RoleID == "" {
		return errors.New("config: vault.role_id is required with vault.auth approle")
	}
	return nil
}

// ClientTimeout is the bound to give the Vault client itself: the longest
// call kyso makes, a key creation. Each call has its own, shorter bound
// (Config.Timeout), which the client's must not cut short.
func (s Section) ClientTimeout() time.Duration {
	return max(time.Duration(s.Timeout), time.Duration(s.CreateTimeout))
}

// CoalesceOn is Coalesce with its default (true).
func (s Section) CoalesceOn() bool { return s.Coalesce == nil || *s.Coalesce }

package ca

import (
	"errors"
	"fmt"
	"net/url"
)

// TLSSection is the "tls" section of kyso's config file (see
// docs/configuration.md): HTTPS and mutual TLS on kyso serve's listener,
// with a certificate the operator gives (mode file) or one the CA issues
// itself (mode ca, TLSServer). app.TLS runs the certificate's lifecycle,
// api.TLSConfig the listener's TLS, and cmd/kyso the listener.
type TLSSection struct {
	// Mode is "off" (default: plain HTTP, for a TLS-terminating proxy in
	// front), "file" (the certificate chain and key in CertFile and
	// KeyFile) or "ca" (kyso issues its own server certificate from its
	// active issuing CA, with the key in Vault, and renews it).
	Mode string `json:"mode"`
	// CertFile and KeyFile are PEM files, with mode "file" only: the
	// certificate followed by its chain, and the operator's private key.
	CertFile string `json:"cert_file"`
	KeyFile  string `json:"key_file"`
	// Hosts are the DNS names and IP addresses of the certificate kyso
	// issues itself, with mode "ca" only (default: the host of base_url).
	Hosts []string `json:"hosts"`
	// ClientAuth is "none" (default), "optional" (a client certificate,
	// when sent, must chain to kyso's CA; client systems may then sign
	// without an API key) or "require" (every connection must present
	// one).
	ClientAuth string `json:"client_auth"`
}

// Defaults sets the mode and client authentication left empty ("off",
// "none"); Validate defaults Hosts, which depend on base_url.
func (t *TLSSection) Defaults() {
	if t.Mode == "" {
		t.Mode = "off"
	}
	if t.ClientAuth == "" {
		t.ClientAuth = "none"
	}
}

// On reports whether kyso serves HTTPS.
func (t TLSSection) On() bool { return t.Mode != "off" }

// Validate checks the section after Defaults and, in mode ca, sets Hosts
// left empty to the host of baseURL (kyso's public URL).
func (t *TLSSection) Validate(baseURL string) error {
	switch t.Mode {
	case "off", "file", "ca":
	default:
		return fmt.Errorf("config: tls.mode %q: want off, file or ca", t.Mode)
	}
	switch t.ClientAuth {
	case "none", "optional", "require":
	default:
		return fmt.Errorf("config: tls.client_auth %q: want none, optional or require", t.ClientAuth)
	}
	if t.Mode != "file" && (t.CertFile != "" || t.KeyFile != "") {
		return fmt.Errorf("config: tls.cert_file and tls.key_file are for tls.mode file, not %s", t.Mode)
	}
	if t.Mode != "ca" && len(t.Hosts) > 0 {
		return fmt.Errorf("config: tls.hosts is for tls.mode ca (kyso's own certificate), not %s", t.Mode)
	}
	if t.Mode == "off" && t.ClientAuth != "none" {
		return fmt.Errorf("config: tls.client_auth %s needs tls.mode file or ca", t.ClientAuth)
	}
	switch t.Mode {
	case "file":
		if t.CertFile == "" || t.KeyFile == "" {
			return errors.New("config: tls.mode file needs tls.cert_file and tls.key_file")
		}
	case "ca":
		if len(t.Hosts) == 0 {
			u, err := url.Parse(baseURL)
			if err != nil || u.Hostname() == "" {
				return fmt.Errorf("config: tls.hosts: none set and base_url %q names no host", baseURL)
			}
			t.Hosts = []string{u.Hostname()}
		}
		if _, _, err := ParseTLSHosts(t.Hosts); err != nil {
			return fmt.Errorf("config: tls.hosts: %w", err)
		}
	}
	return nil
}

package verify

import (
	"errors"
	"fmt"
	"net/netip"
)

// The defaults of the verify section: api.New takes them for a zero
// api.Config field, so that a zero (or absent) value in the config file
// means the default.
const (
	DefaultMaxDocumentBytes  = 50 << 20
	DefaultPerMinute         = 30
	DefaultBurst             = 10
	DefaultUploadsPerAddress = 8
	DefaultConcurrency       = 4
)

// Section is the "verify" section of kyso's config file (see
// docs/configuration.md): the public verifier's trust anchors and online
// revocation (which cmd/kyso hands to the trust store, and kyso verify
// takes as its defaults), and the bounds of the verification routes
// (POST /v1/verify/*: their documents, rate limits, uploads and
// verification slots). A zero value means the default (the Default…
// constants above, which api.New applies).
type Section struct {
	// TrustDirs are directories of external trust anchors and
	// intermediates (PEM or DER files), added to kyso's own CA
	// certificates; trust/vn in the repository holds the Vietnamese
	// Government CA and National Root CA chains. Read at start.
	TrustDirs []string `json:"trust_dirs"`
	// Online allows fetching OCSP responses and CRLs named in certificates
	// when a document carries none (short timeouts). Off by default.
	Online bool `json:"online"`
	// MaxDocumentBytes bounds an uploaded document (default 50 MiB).
	MaxDocumentBytes int64 `json:"max_document_bytes"`
	// PerMinute and Burst are the per-client rate limit (default 30 per
	// minute, bursts of 10; a negative PerMinute disables it).
	PerMinute float64 `json:"per_minute"`
	Burst     int     `json:"burst"`
	// UploadsPerAddress bounds the verification uploads one address may
	// have in progress (default 8; negative: no bound). Bodies are read
	// before a verification slot is taken, so slow uploads hold only this.
	UploadsPerAddress int `json:"uploads_per_address"`
	// Concurrency bounds verifications in progress (default 4).
	Concurrency int `json:"concurrency"`
	// TrustedProxies are reverse proxies (addresses or CIDR prefixes)
	// whose X-Forwarded-For header names the client.
	TrustedProxies []string `json:"trusted_proxies"`
}

// Validate checks the section, so that kyso refuses a bad bound or proxy
// at start.
func (s Section) Validate() error {
	if s.MaxDocumentBytes < 0 || s.Burst < 0 || s.Concurrency < 0 {
		return errors.New("config: verify.max_document_bytes, verify.burst and verify.concurrency must not be negative (0 means the default)")
	}
	_, err := s.Proxies()
	return err
}

// Proxies parses TrustedProxies: an address is a prefix of its full
// length.
func (s Section) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, p := range s.TrustedProxies {
		if prefix, err := netip.ParsePrefix(p); err == nil {
			out = append(out, prefix.Masked())
			continue
		}
		a, err := netip.ParseAddr(p)
		if err != nil {
			return nil, fmt.Errorf("config: verify.trusted_proxies: %q is not an address or CIDR prefix", p)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

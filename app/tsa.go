package app

import (
	"context"
	"crypto"
	"crypto/x509"
	"sync"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/tsa"
)

// TSACredentials is what the time-stamp authority needs of the CA
// (ca.Authority): a TSA certificate from the active issuing CA.
type TSACredentials interface {
	TSACredential(ctx context.Context) (*model.SigningCredential, error)
}

// TSA is kyso's time-stamp authority, set up on first use: its
// certificate comes from the active issuing CA, which an external-root
// deployment only has once the chain is imported. An expired TSA
// certificate is replaced.
type TSA struct {
	ca  TSACredentials
	cfg tsa.Config

	mu sync.Mutex
	a  *tsa.Authority
}

// NewTSA returns the time-stamp authority; nothing is issued until the
// first time-stamp.
func NewTSA(c TSACredentials, cfg tsa.Config) *TSA {
	return &TSA{ca: c, cfg: cfg}
}

func (l *TSA) get(ctx context.Context) (*tsa.Authority, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.a != nil {
		if _, err := l.a.Certificate().Verify(x509.VerifyOptions{Roots: certPool(l.a.Certificate()), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
			return l.a, nil
		}
	}
	cred, err := l.ca.TSACredential(ctx)
	if err != nil {
		return nil, err
	}
	a, err := tsa.New(l.cfg, cred.Key)
	if err != nil {
		return nil, err
	}
	l.a = a
	return a, nil
}

// certPool holds just c, to check c's validity period with Verify.
func certPool(c *x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c)
	return p
}

// Respond answers an RFC 3161 time-stamp request.
func (l *TSA) Respond(ctx context.Context, req []byte) ([]byte, error) {
	a, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return a.Respond(ctx, req)
}

// Timestamp returns a time-stamp token over digest, for signatures kyso
// makes.
func (l *TSA) Timestamp(ctx context.Context, digest []byte, hash crypto.Hash) ([]byte, error) {
	a, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return a.Timestamp(ctx, digest, hash)
}

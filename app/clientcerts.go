package app

import (
	"context"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// ClientCertAuthority is what client systems' TLS certificates need of
// the CA (ca.Authority): issuing one from a client's CSR, and naming the
// client a presented certificate was issued to (not revoked, chaining to
// an issuing CA of kyso).
type ClientCertAuthority interface {
	IssueClientCert(ctx context.Context, req ca.ClientCertRequest) (*ca.Issued, error)
	ClientCertID(ctx context.Context, leaf *x509.Certificate) (string, error)
}

// ClientCertBinding binds client systems' TLS certificates (the CA) to
// the registered clients (ClientDirectory, the store): it is app's
// ClientCerts, for mutual TLS.
type ClientCertBinding struct {
	CA      ClientCertAuthority
	Clients ClientDirectory
	// Now is the clock (default time.Now).
	Now func() time.Time
}

var _ ClientCerts = ClientCertBinding{}

// IssueClientCert issues client system id a TLS client certificate for
// the key of csrPEM: NotFound for a client that is not registered,
// Conflict for a disabled one.
func (b ClientCertBinding) IssueClientCert(ctx context.Context, id string, csrPEM []byte) (*ca.Issued, error) {
	cl, err := b.Clients.GetClient(ctx, id)
	if errkind.KindOf(err) == errkind.NotFound {
		return nil, fmt.Errorf("%w: client %s", ca.ErrNotFound, id)
	}
	if err != nil {
		return nil, err
	}
	if cl.Disabled {
		return nil, fmt.Errorf("%w: client %s is disabled", ca.ErrConflict, id)
	}
	return b.CA.IssueClientCert(ctx, ca.ClientCertRequest{ClientID: cl.ID, ClientName: cl.Name, CSR: csrPEM})
}

// ClientByCert returns the client system a TLS client certificate was
// issued to, or an Unauthorized error (ca.ErrClientCert) when there is
// none to accept: the certificate is not kyso's or is revoked, or the
// client is not registered, disabled or past its expiry.
func (b ClientCertBinding) ClientByCert(ctx context.Context, leaf *x509.Certificate) (*model.Client, error) {
	id, err := b.CA.ClientCertID(ctx, leaf)
	if err != nil {
		return nil, err
	}
	cl, err := b.Clients.GetClient(ctx, id)
	if errkind.KindOf(err) == errkind.NotFound {
		return nil, fmt.Errorf("%w: client %s is not registered", ca.ErrClientCert, id)
	}
	if err != nil {
		return nil, err
	}
	if cl.Disabled {
		return nil, fmt.Errorf("%w: client %s is disabled", ca.ErrClientCert, id)
	}
	now := time.Now
	if b.Now != nil {
		now = b.Now
	}
	// The client's expiry ends its certificate's use too, as its key's.
	if cl.Expired(now()) {
		return nil, fmt.Errorf("%w: client %s expired at %s", ca.ErrClientCert, id, cl.ExpiresAt.UTC().Format(time.RFC3339))
	}
	return cl, nil
}

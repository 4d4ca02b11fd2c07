package pades

import (
	"bytes"
	"context"
	"crypto"
	"errors"

	"github.com/digitorus/timestamp"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/cms"
)

var errNoTimestampCertificate = ErrIntegrity.Errorf("time-stamp token carries no TSA certificate")

// cmsFunc makes the detached CMS SignedData of a signature whose
// message-digest is digest. New sets it to signer/cms's SignDigest, the
// one CMS engine of kyso (PKCS #1 v1.5, RSASSA-PSS per RFC 4056 and ECDSA;
// ESS signing-certificate-v2; the signature time-stamp as an unsigned
// attribute). It is a field so that tests can hand Sign a CMS that must
// fail the read-back check.
type cmsFunc func(ctx context.Context, digest []byte, cred model.Key, opts cms.Options) ([]byte, error)

// signCMS makes the CMS of a PAdES signature: no signing-time attribute
// for ETSI.CAdES.detached (ETSI EN 319 142-1, 5.2.1; the time is in /M),
// one for adbe.pkcs7.detached as its readers expect, and the signature
// time-stamp above B-B.
func (s *Signer) signCMS(ctx context.Context, digest []byte, cred model.Key, o Options) ([]byte, error) {
	opts := cms.Options{
		Hash:        o.Hash,
		PSS:         o.Scheme == SchemePSS,
		SigningTime: o.SubFilter == SubFilterPKCS7,
		Time:        o.SigningTime,
		// Sign's read-back check (verifyCMS) verifies the signature
		// against the certificate before anything is written.
		CallerVerifies: true,
	}
	if o.Level != LevelBB {
		opts.Timestamper = s.ts
	}
	der, err := s.cms(ctx, digest, cred, opts)
	switch {
	case err == nil:
		return der, nil
	case errors.Is(err, cms.ErrInvalid):
		return nil, ErrInvalid.Errorf("%w", err)
	case errors.Is(err, cms.ErrIntegrity):
		return nil, ErrIntegrity.Errorf("%w", err)
	}
	return nil, err
}

// timestampDigest asks ts for a token over digest, hashed with h, and
// checks it.
func timestampDigest(ctx context.Context, ts Timestamper, digest []byte, h crypto.Hash) ([]byte, error) {
	token, err := ts.Timestamp(ctx, digest, h)
	if err != nil {
		return nil, err
	}
	if _, err := checkToken(token, digest, h); err != nil {
		return nil, err
	}
	return token, nil
}

// checkToken parses token, which timestamp.Parse verifies against the TSA
// certificate it carries, and checks its message imprint.
func checkToken(token, digest []byte, h crypto.Hash) (*timestamp.Timestamp, error) {
	tst, err := timestamp.Parse(token)
	if err != nil {
		return nil, ErrIntegrity.Errorf("parse time-stamp token: %v", err)
	}
	if len(tst.Certificates) == 0 {
		return nil, errNoTimestampCertificate
	}
	if tst.HashAlgorithm != h || !bytes.Equal(tst.HashedMessage, digest) {
		return nil, ErrIntegrity.Errorf("time-stamp token is not over the requested %v digest", h)
	}
	return tst, nil
}

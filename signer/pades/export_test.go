package pades

import (
	"context"
	"time"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/cms"
)

// NewWithCMS returns a Signer whose signatures' CMS comes from f instead
// of signer/cms, so that tests can check what Sign does with a bad one.
func NewWithCMS(ts Timestamper, rev Revocation, f func(context.Context, []byte, model.Key, cms.Options) ([]byte, error)) *Signer {
	return &Signer{ts: ts, rev: rev, cms: f, now: time.Now}
}

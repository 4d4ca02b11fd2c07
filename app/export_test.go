package app

import (
	"context"

	"github.com/kyso-vn/kyso/model"
)

// Authorize lets app_test's TestSignAuthorize ask who may sign with
// which credential without making a document.
func (s *Sign) Authorize(ctx context.Context, caller model.Caller, credentialID string, consent Consent) (*model.SigningCredential, error) {
	return s.authorize(ctx, caller, credentialID, consent)
}

package app

import (
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer"
)

// CallerOf is the Caller of an authenticated client system: it may sign
// with the credentials of the agencies it is bound to (auth.MayUse: the
// organisation names compared in NFC, a disabled client bound to none).
func CallerOf(c *model.Client) model.Caller {
	return model.Caller{ClientID: c.ID, Organizations: c.Organizations, MayUse: func(org string) bool { return auth.MayUse(c, org) },
		AuthEpoch: c.AuthEpoch}
}

// formatsCaller is caller as the signing formats (signer.Service) take it.
func formatsCaller(caller model.Caller) signer.Caller {
	return signer.Caller{ClientID: caller.ClientID}
}

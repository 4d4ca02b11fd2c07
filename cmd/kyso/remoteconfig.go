package main

import (
	"context"
	"errors"
	"fmt"

	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/store"
)

// totpKeyName is the Transit key (aes256-gcm96) that encrypts citizens'
// TOTP seeds, after the CA's key prefix.
const totpKeyName = "totp-seeds"

// cscTokenKeyName is the Transit key (hmac) that tags the CSC API's access
// tokens, after the CA's key prefix: whoever reads the database cannot
// mint a token.
const cscTokenKeyName = "csc-tokens"

// citizens wires the SCAL2 services: TOTP seeds encrypted by a Transit
// key, PIN and code checks per (credential, client), bindings, SADs.
func citizens(ctx context.Context, cfg *Config, keyPrefix string, km *keys.Manager, st store.Store, pins *auth.PINs, creds kapp.Credentials,
	au kapp.Auditor, log interface{ Info(string, ...any) }) (*kapp.CitizenDeps, *kapp.Remote, error) {
	consent := store.ConsentOf(st)
	if consent == nil {
		return nil, nil, errors.New("the store keeps no consent records")
	}
	cipher, err := km.Cipher(ctx, keyPrefix+totpKeyName)
	if err != nil {
		return nil, nil, fmt.Errorf("the TOTP seeds' Transit key: %w", err)
	}
	totp := auth.NewTOTP(consent, cipher, nil)
	factors := auth.NewFactors(pins, totp, consent, nil)
	remote := kapp.NewRemote(kapp.RemoteDeps{Credentials: creds, Factors: factors, Consent: consent, Clients: st, Audit: au},
		cfg.RemoteSigning.Config(cfg.BaseURL))
	return &kapp.CitizenDeps{TOTP: totpEnroller{totp}, Bindings: consent, Locks: factors, Clients: st}, remote, nil
}

// totpEnroller is app's TOTPEnroller on auth.TOTP.
type totpEnroller struct{ totp *auth.TOTP }

func (t totpEnroller) Enroll(ctx context.Context, credID, account string) (*kapp.TOTPEnrolment, error) {
	e, err := t.totp.Enroll(ctx, credID, account)
	return (*kapp.TOTPEnrolment)(e), err
}

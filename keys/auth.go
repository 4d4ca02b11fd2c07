package keys

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/vault/api"
)

// Auth says how kyso authenticates to Vault. Secrets in it are read by the
// caller (cmd/kyso, from env or files); keys never reads them itself.
type Auth struct {
	// Method is "token" (the default when empty) or "approle".
	Method string
	// Token is the Vault token for the "token" method.
	Token string
	// RoleID and SecretID are the AppRole credentials for "approle".
	RoleID, SecretID string
	// Mount is the AppRole auth mount path. Default "approle".
	Mount string
}

// DefaultAppRoleMount is the AppRole auth mount Login uses when Auth.Mount
// is empty.
const DefaultAppRoleMount = "approle"

// Login authenticates client as a says and sets the resulting token on it.
//
// The "token" method sets a.Token without calling Vault. The "approle"
// method logs in at auth/<mount>/login; rejected credentials are an
// ErrForbidden error. Login does not renew the token it obtains: an AppRole
// token expires after its TTL, and the caller logs in again.
func Login(ctx context.Context, client *api.Client, a Auth) error {
	if client == nil {
		return errors.New("keys: nil vault client")
	}
	switch a.Method {
	case "", "token":
		if a.Token == "" {
			return fmt.Errorf("vault login: %w", invalidf("empty token"))
		}
		client.SetToken(a.Token)
		return nil
	case "approle":
		return loginAppRole(ctx, client, a)
	}
	return fmt.Errorf("vault login: %w", invalidf("unknown auth method %q (want token or approle)", a.Method))
}

func loginAppRole(ctx context.Context, client *api.Client, a Auth) error {
	mount := strings.Trim(a.Mount, "/")
	if mount == "" {
		mount = DefaultAppRoleMount
	}
	if !mountRE.MatchString(mount) {
		return fmt.Errorf("vault approle login: %w", invalidf("auth mount path %q", a.Mount))
	}
	if a.RoleID == "" {
		return fmt.Errorf("vault approle login: %w", invalidf("empty role ID"))
	}
	// Log in without any previous token: a stale one must not be sent
	// along with the credentials.
	c, err := client.CloneWithHeaders() // keeps the namespace header
	if err != nil {
		return fmt.Errorf("vault approle login: %w", err)
	}
	c.ClearToken()
	s, err := c.Logical().WriteWithContext(ctx, "auth/"+mount+"/login", map[string]any{
		"role_id":   a.RoleID,
		"secret_id": a.SecretID,
	})
	if err != nil {
		err = classify(ctx, err)
		if errors.Is(err, ErrInvalid) {
			// Vault answers 400 to a wrong role or secret ID.
			err = fmt.Errorf("%w (%s)", ErrForbidden, describe(err))
		}
		return fmt.Errorf("vault approle login at %q: %w", mount, err)
	}
	if s == nil || s.Auth == nil || s.Auth.ClientToken == "" {
		return fmt.Errorf("vault approle login at %q: %w", mount, integrityf("no client token in vault's answer"))
	}
	client.SetToken(s.Auth.ClientToken)
	return nil
}

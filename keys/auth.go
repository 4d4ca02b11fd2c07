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
// token expires after its TTL. A long-running process uses NewSession
// instead, which logs in and keeps the token alive.
func Login(ctx context.Context, client *api.Client, a Auth) error {
	if client == nil {
		return errors.New("keys: nil vault client")
	}
	a, err := a.normalize()
	if err != nil {
		return err
	}
	if a.Method == "token" {
		client.SetToken(a.Token)
		return nil
	}
	// Log in without any previous token: a stale one must not be sent
	// along with the credentials.
	c, err := client.CloneWithHeaders() // keeps the namespace header
	if err != nil {
		return fmt.Errorf("vault approle login: %w", err)
	}
	c.ClearToken()
	auth, err := appRoleLogin(ctx, c, a)
	if err != nil {
		return err
	}
	client.SetToken(auth.ClientToken)
	return nil
}

// normalize checks a and returns it with its defaults filled in: Method is
// "token" or "approle", and for "approle" Mount is a clean mount path.
func (a Auth) normalize() (Auth, error) {
	switch a.Method {
	case "", "token":
		a.Method = "token"
		if a.Token == "" {
			return a, fmt.Errorf("vault login: %w", invalidf("empty token"))
		}
		return a, nil
	case "approle":
		mount := strings.Trim(a.Mount, "/")
		if mount == "" {
			mount = DefaultAppRoleMount
		}
		if !validMount(mount) {
			return a, fmt.Errorf("vault approle login: %w", invalidf("auth mount path %q", a.Mount))
		}
		if a.RoleID == "" {
			return a, fmt.Errorf("vault approle login: %w", invalidf("empty role ID"))
		}
		a.Mount = mount
		return a, nil
	}
	return a, fmt.Errorf("vault login: %w", invalidf("unknown auth method %q (want token or approle)", a.Method))
}

// appRoleLogin logs in at auth/<a.Mount>/login through c, which must carry
// no token, and returns the new token's auth data. a must be normalised.
func appRoleLogin(ctx context.Context, c *api.Client, a Auth) (*api.SecretAuth, error) {
	s, err := c.Logical().WriteWithContext(ctx, "auth/"+a.Mount+"/login", map[string]any{
		"role_id":   a.RoleID,
		"secret_id": a.SecretID,
	})
	if err != nil {
		err = classify(ctx, err)
		if errors.Is(err, ErrInvalid) {
			// Vault answers 400 to a wrong role or secret ID.
			err = fmt.Errorf("%w (%s)", ErrForbidden, describe(err))
		}
		return nil, fmt.Errorf("vault approle login at %q: %w", a.Mount, err)
	}
	if s == nil || s.Auth == nil || s.Auth.ClientToken == "" {
		return nil, fmt.Errorf("vault approle login at %q: %w", a.Mount, integrityf("no client token in vault's answer"))
	}
	return s.Auth, nil
}

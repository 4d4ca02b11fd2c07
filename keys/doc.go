// Package keys keeps kyso's private keys in HashiCorp Vault's Transit secrets
// engine and signs with them.
//
// It owns key custody: creating non-exportable keys (Manager.Create), reading
// their metadata and public keys, rotating them, and signing digests through
// a crypto.Signer bound to one key name and one key version (Signer). No
// private key ever leaves Vault: keys are created with exportable=false and
// allow_plaintext_backup=false, and only digests and signatures cross the
// wire.
//
// A Signer is pinned. Its public key is read once when it is made, Public
// never calls Vault, every request names the pinned key_version, a signature
// Vault labels with another version is rejected, and every signature is
// verified locally against the pinned public key before it is returned —
// except through Signer.Unchecked, the view for a caller that verifies
// each signature itself before anything uses it (pades' read-back check of
// a B-B PDF signature, through signer/cms), which would otherwise verify
// it twice.
// Signing options are mapped to Transit parameters explicitly (prehashed,
// hash_algorithm, signature_algorithm, salt_length, marshaling_algorithm);
// Transit's defaults are never relied on, because its RSA default is PSS
// while CMS and PDF signing expect PKCS #1 v1.5 unless told otherwise.
//
// Every call is bounded by Config.Timeout (10s), sized for signing, except
// the one that creates a key: generating an RSA-4096 key can take a loaded
// Vault minutes, so it has its own deadline, Config.CreateTimeout (2m). A
// creation cut short on kyso's side may still complete in Vault; Create
// then looks for the key and uses it if it is the one asked for, and a
// later Create of the same name returns the key Vault finished meanwhile.
//
// Failures are reported with a few sentinel kinds for callers to test with
// errors.Is: ErrUnavailable (sealed, unreachable, timed out, 5xx),
// ErrNotFound, ErrInvalid, ErrForbidden, ErrConflict and ErrIntegrity.
//
// # Authentication
//
// keys never reads credentials itself: cmd/kyso reads the token, or the
// AppRole role and secret ID, from env or files named in its config and
// hands them over in an Auth. A long-running process authenticates with
// NewSession, which logs in and sets the token on the Vault client; its Run
// method keeps the token alive for the life of the process. Run renews the
// token (auth/token/renew-self) two thirds into its TTL and, for AppRole,
// logs in again when the token cannot be renewed any further (max TTL
// reached, not renewable, renewal refused). Every new token is set on the
// same *api.Client, so a Manager made on it keeps working. Given the session
// in Config.Session, the Manager also reacts to a call denied because its
// token was revoked: it has the session log in again (once for any number
// of concurrent calls) and retries the call once. A 403 from a valid token
// (the policy says no) is returned as it is: the session checks the token
// with auth/token/lookup-self before logging in, so keep Vault's default
// policy, which allows lookup-self and renew-self, on the AppRole role.
//
// Run returns nil when its context ends, and an ErrForbidden error when the
// session cannot recover: the secret ID was revoked or has expired, or the
// "token" method's token reached the end of its life. Session.Health reports
// the same, and whether the token has expired while Vault was unreachable;
// it makes no network call and belongs among the readiness checks. cmd/kyso
// wires it so:
//
//	sess, err := keys.NewSession(ctx, client, auth, keys.SessionConfig{Logger: log})
//	if err != nil {
//		return fmt.Errorf("vault login: %w", err)
//	}
//	km, err := keys.New(client, keys.Config{Mount: mount, Timeout: timeout, Session: sess})
//	if err != nil {
//		return err
//	}
//	ctx, cancel := context.WithCancelCause(ctx)
//	go func() {
//		if err := sess.Run(ctx); err != nil {
//			cancel(err) // kyso cannot sign any more: stop, to be restarted with new credentials
//		}
//	}()
//	// readiness: api.Check{Name: "vault-auth", Fn: sess.Health}
//
// Login is the one-shot form for short-lived commands: it sets a token and
// never renews it.
//
// # Readiness and several Vault nodes
//
// Probe (Manager.NewProbe) is the readiness check "this node can use
// Transit now": it reads a key's metadata on the mount, which goes through
// an active, unsealed Vault node, the token and its policy, and keeps its
// result for 1.5 s. Open accepts several addresses (Section.Addresses:
// vault.addrs, or a comma-separated vault.addr); every call then fails over
// from a node that cannot be reached or answers 503 or 429 to the next, and
// stays on the node that answered.
//
// # Dependencies
//
// keys knows nothing of X.509, CMS or PDF. It must not import kyso's ca,
// signer, verifier, store or api packages; they depend on keys (or only on
// crypto.Signer), never the other way round. The only Vault library it uses
// is github.com/hashicorp/vault/api. A Manager calls only the small slice of
// it declared in this package (logicalAPI, sysAPI); Login and Session also
// set the client's token and call the AppRole login and token endpoints
// (lookup-self, renew-self).
package keys

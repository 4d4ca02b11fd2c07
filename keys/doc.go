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
// verified locally against the pinned public key before it is returned.
// Signing options are mapped to Transit parameters explicitly (prehashed,
// hash_algorithm, signature_algorithm, salt_length, marshaling_algorithm);
// Transit's defaults are never relied on, because its RSA default is PSS
// while CMS and PDF signing expect PKCS #1 v1.5 unless told otherwise.
//
// Failures are reported with a few sentinel kinds for callers to test with
// errors.Is: ErrUnavailable (sealed, unreachable, timed out, 5xx),
// ErrNotFound, ErrInvalid, ErrForbidden, ErrConflict and ErrIntegrity.
//
// keys knows nothing of X.509, CMS or PDF. It must not import kyso's ca,
// signer, verifier, store or api packages; they depend on keys (or only on
// crypto.Signer), never the other way round. The only Vault library it uses
// is github.com/hashicorp/vault/api, and it calls only the small slice of it
// declared in this package (logicalAPI, sysAPI).
package keys

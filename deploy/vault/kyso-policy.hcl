# Vault policy for kyso (production). Grants exactly what kyso uses on its
# own Transit mount — create, read and list keys, rotate them, sign, encrypt and
# decrypt small secrets (TOTP seeds, with keys.Cipher's aes256-gcm96 keys), tag
# CSC access tokens (keys.MAC's hmac key) — and nothing else: no export, no
# backup, no key configuration (which could make a key exportable or
# deletable), no other mount.
#
# Replace "transit" with the mount named in kyso's vault.mount if different.
# Attach to kyso's AppRole with token_policies="kyso"; keep Vault's default
# policy on the token (token renewal uses auth/token/renew-self and
# lookup-self).

# Transit has no existence check on keys/<name>, so creating a key needs
# "update" as well; writing an existing key changes nothing.
path "transit/keys/+" {
  capabilities = ["create", "read", "update"]
}

# kyso doctor lists the mount's keys to find any that no record names.
path "transit/keys" {
  capabilities = ["list"]
}

path "transit/keys/+/rotate" {
  capabilities = ["update"]
}

path "transit/sign/+" {
  capabilities = ["update"]
}

# keys.Cipher: small secrets (a citizen's TOTP seed) are stored encrypted
# under an aes256-gcm96 key that never leaves Vault.
path "transit/encrypt/+" {
  capabilities = ["update"]
}

path "transit/decrypt/+" {
  capabilities = ["update"]
}

# keys.MAC: the CSC API's access tokens are tagged by an hmac key that never
# leaves Vault (<key_prefix>csc-tokens).
path "transit/hmac/+" {
  capabilities = ["update"]
}

path "transit/keys/+/config" {
  capabilities = ["deny"]
}

path "transit/export/*" {
  capabilities = ["deny"]
}

path "transit/backup/*" {
  capabilities = ["deny"]
}

// Package devvault runs a real HashiCorp Vault server process for development
// (`kyso dev`, `make run`) and for tests (through package vaulttest).
//
// The server it starts is a single node with file storage under Config.Dir,
// a plain-HTTP listener (on 127.0.0.1 unless Config.Listen says otherwise),
// no cluster listener and mlock disabled. On first start it
// initialises Vault with one unseal key share and writes that key and the root
// token to Dir/unseal.json, then unseals from that file on every start.
//
// This is INSECURE by design and for development only: anyone who can read
// Dir/unseal.json owns every key in that Vault. Production deployments run a
// Vault cluster with a real unseal method (auto-unseal through a KMS or HSM, or
// Shamir shares held by different people) and never use this package.
//
// devvault owns the Vault process and its data directory. It must not import
// kyso's domain packages (keys, ca, signer, verifier, store, api); it talks to
// Vault only through github.com/hashicorp/vault/api.
package devvault

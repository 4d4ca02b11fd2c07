// Command vault is HashiCorp Vault's server and CLI, built from its Go module so
// that kyso's development and test environments run a real Vault without an OS
// package. See README.md for the pinned version and why.
package main

import (
	"os"

	"github.com/hashicorp/vault/command"
)

func main() {
	os.Exit(command.Run(os.Args[1:]))
}

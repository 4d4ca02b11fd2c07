package pades_test

import (
	"os"
	"testing"

	"github.com/kyso-vn/kyso/internal/vaulttest"
)

// TestMain starts the real Vault that TestVaultSigner signs with, and
// removes the test PKI's files (PEM, NSS database) afterwards.
func TestMain(m *testing.M) {
	code := vaulttest.Main(m)
	if pkiVal != nil {
		os.RemoveAll(pkiVal.dir)
	}
	os.Exit(code)
}

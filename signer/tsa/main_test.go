package tsa_test

import (
	"os"
	"testing"

	"github.com/kyso-vn/kyso/internal/vaulttest"
)

// TestMain starts the real Vault the integration test signs with.
func TestMain(m *testing.M) { os.Exit(vaulttest.Main(m)) }

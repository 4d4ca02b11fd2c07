package xmldsig_test

import (
	"os"
	"testing"

	"github.com/kyso-vn/kyso/internal/vaulttest"
)

// TestMain starts the real Vault that vault_test.go signs with.
func TestMain(m *testing.M) { os.Exit(vaulttest.Main(m)) }

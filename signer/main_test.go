package signer_test

import (
	"os"
	"testing"

	"github.com/kyso-vn/kyso/internal/vaulttest"
)

func TestMain(m *testing.M) { os.Exit(vaulttest.Main(m)) }

package audit_test

import (
	"os"
	"testing"

	"github.com/kyso-vn/kyso/store/storetest"
)

// TestMain provides the PostgreSQL database of the PostgreSQL tests (see
// storetest.PostgresMain).
func TestMain(m *testing.M) { os.Exit(storetest.PostgresMain(m)) }

package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/internal/vaulttest"
)

// TestSealedVaultIs503 seals the real Vault under a running kyso: issuance
// answers 503 vault_unavailable, /readyz turns 503, and after unsealing
// kyso recovers by itself.
func TestSealedVaultIs503(t *testing.T) {
	s := newStack(t, stackOpts{})
	v := vaulttest.Server()
	ctx := context.Background()
	if err := v.Seal(ctx); err != nil {
		t.Fatal(err)
	}
	unsealed := false
	t.Cleanup(func() {
		if !unsealed {
			_ = v.Unseal(context.Background())
		}
	})
	start := time.Now()
	code, body := s.call("POST", "/v1/certificates", citizenReq)
	if code != http.StatusServiceUnavailable || !strings.Contains(string(body), `"code":"vault_unavailable"`) {
		t.Errorf("issue with Vault sealed = %d %s, want 503 vault_unavailable", code, body)
	}
	if strings.Contains(string(body), "sealed") && strings.Contains(string(body), "Vault is sealed") {
		t.Errorf("503 body leaks Vault's error text: %s", body)
	}
	t.Logf("sealed Vault answered in %v", time.Since(start))
	if code, body := s.raw("GET", "/readyz", "", nil, ""); code != http.StatusServiceUnavailable || !strings.Contains(string(body), `"vault":"fail"`) {
		t.Errorf("/readyz with Vault sealed = %d %s", code, body)
	}
	if err := v.Unseal(ctx); err != nil {
		t.Fatal(err)
	}
	unsealed = true
	if code, body := s.raw("GET", "/readyz", "", nil, ""); code != http.StatusOK {
		t.Errorf("/readyz after unseal = %d %s", code, body)
	}
	s.issue(citizenReq) // recovers without a restart
}

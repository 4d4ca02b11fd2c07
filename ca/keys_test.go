package ca_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/keys"
	"github.com/kyso-vn/kyso/store"
)

// vaultKeys hands the CA a keys.Manager (Vault Transit) as ca.Keys, as
// cmd/kyso's wiring does: ca itself does not import keys.
func vaultKeys(m *keys.Manager) ca.Keys { return keys.Named{M: m} }

// TestMayPass: ca knows Vault being unavailable by its kind, not by the
// keys package's sentinel, and a database unavailable or full by the
// store's.
func TestMayPass(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"vault unavailable", keys.ErrUnavailable, true},
		{"vault unavailable, wrapped", fmt.Errorf("ca: create key: %w", keys.ErrUnavailable), true},
		{"database unavailable", fmt.Errorf("ca: record: %w", store.ErrUnavailable), true},
		{"disk full", store.ErrFull, true},
		{"vault forbids", keys.ErrForbidden, false},
		{"conflict", ca.ErrConflict, false},
		{"not found", ca.ErrNotFound.Errorf("credential %s", "x"), false},
		{"plain error", errors.New("boom"), false},
		{"nil", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ca.MayPass(tc.err); got != tc.want {
				t.Errorf("MayPass(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// TestNewChecksCAKeyTypes: the CA's own key types are checked when the CA
// is made, without asking Vault.
func TestNewChecksCAKeyTypes(t *testing.T) {
	for _, tc := range []struct {
		root, issuing string
		ok            bool
	}{
		{"", "", true},
		{"ecdsa-p384", "rsa-2048", true},
		{"rsa-1024", "", false},
		{"", "ed25519", false},
		{"RSA-4096", "", false},
	} {
		_, err := ca.New(ca.Config{BaseURL: "http://kyso.test", RootKeyType: tc.root, IssuingKeyType: tc.issuing}, nil, nil)
		if tc.ok && err != nil {
			t.Errorf("New(root %q, issuing %q) = %v, want no error", tc.root, tc.issuing, err)
		}
		if !tc.ok && (err == nil || !strings.Contains(err.Error(), "key type")) {
			t.Errorf("New(root %q, issuing %q) = %v, want an unknown key type", tc.root, tc.issuing, err)
		}
	}
}

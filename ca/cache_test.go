package ca_test

import (
	"context"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/ca"
)

// TestChainAcrossNodes: a node that has signed with one issuing CA's
// credentials finds the chain of an issuing CA another node created since
// (CA rotation on node B, then a credential it issued signed on node A),
// and still the old chain for the old credentials.
func TestChainAcrossNodes(t *testing.T) {
	a := newEnv(t, nil)
	a.bootstrap(t)
	b := &env{keys: a.keys, store: a.store, now: a.now}
	var err error
	if b.ca, err = ca.New(ca.Config{BaseURL: "http://kyso.test", RootKeyType: "rsa-2048", Now: func() time.Time { return b.now }}, a.store, vaultKeys(a.keys)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	old, err := a.ca.Issue(ctx, citizen)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.ca.SigningCredential(ctx, old.Record.CredentialID); err != nil {
		t.Fatalf("SigningCredential(old) on A = %v", err)
	}
	if _, err := b.ca.RotateCA(ctx); err != nil {
		t.Fatalf("RotateCA() on B = %v", err)
	}
	fresh, err := b.ca.Issue(ctx, citizenNo(1))
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Chain[0].Equal(old.Chain[0]) {
		t.Fatal("B issued with the old issuing CA after its rotation")
	}
	for _, tc := range []struct {
		name   string
		issued *ca.Issued
	}{{"old", old}, {"new", fresh}} {
		sc, err := a.ca.SigningCredential(ctx, tc.issued.Record.CredentialID)
		if err != nil {
			t.Fatalf("SigningCredential(%s) on A = %v", tc.name, err)
		}
		if len(sc.Chain) != 2 || !sc.Chain[0].Equal(tc.issued.Chain[0]) || !sc.Chain[1].Equal(tc.issued.Chain[1]) {
			t.Errorf("SigningCredential(%s) on A: chain does not match the issuer's", tc.name)
		}
		if !sc.Cert.Equal(tc.issued.Leaf) {
			t.Errorf("SigningCredential(%s) on A: certificate differs from the one issued", tc.name)
		}
		if err := sc.Cert.CheckSignatureFrom(sc.Chain[0]); err != nil {
			t.Errorf("SigningCredential(%s) on A: certificate not signed by chain[0]: %v", tc.name, err)
		}
	}
}

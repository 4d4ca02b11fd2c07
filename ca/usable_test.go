package ca_test

import (
	"context"
	"testing"

	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/model"
)

// TestUsableCredentials: the credentials of a signing profile a client
// may be shown, with the organisation their subject names (what signing
// checks the client against); a revoked seal is gone; a profile that does
// not sign, or a page size out of range, is refused.
func TestUsableCredentials(t *testing.T) {
	e := newEnv(t, nil)
	e.bootstrap(t)
	ctx := context.Background()
	const hanoi, danang = "Ủy ban nhân dân Thành phố Hà Nội", "Ủy ban nhân dân Thành phố Đà Nẵng"
	seal := func(org, tax string) string {
		t.Helper()
		is, err := e.ca.Issue(ctx, ca.Request{Profile: "seal", KeyType: "ecdsa-p256", Subject: model.Subject{Organization: org, TaxCode: tax, Locality: "Việt Nam"}})
		if err != nil {
			t.Fatal(err)
		}
		return is.Record.ID
	}
	seal(hanoi, "0103410294")
	seal(danang, "0400101517")
	revoked := seal(hanoi, "0103410295")
	if _, err := e.ca.Revoke(ctx, revoked, "keyCompromise"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ca.Issue(ctx, citizen); err != nil {
		t.Fatal(err)
	}

	got, err := e.ca.UsableCredentials(ctx, "seal", "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	orgs := map[string]int{}
	for _, c := range got {
		if c.Profile != "seal" || c.ID == "" {
			t.Errorf("UsableCredentials(seal) lists %+v", c)
		}
		orgs[c.Organization]++
	}
	if len(got) != 2 || orgs[hanoi] != 1 || orgs[danang] != 1 {
		t.Errorf("UsableCredentials(seal) = %+v; want one seal of each city (the revoked one gone)", got)
	}
	if got, err := e.ca.UsableCredentials(ctx, "citizen", "", 10); err != nil || len(got) != 1 || got[0].Organization != "" {
		t.Errorf("UsableCredentials(citizen) = %+v, %v; want the citizen", got, err)
	}
	for _, tc := range []struct {
		profile string
		limit   int
	}{{"tsa", 10}, {"tls-client", 10}, {"", 10}, {"seal", 0}, {"seal", 1001}} {
		if _, err := e.ca.UsableCredentials(ctx, tc.profile, "", tc.limit); errkind.KindOf(err) != errkind.Invalid {
			t.Errorf("UsableCredentials(%q, limit %d) = %v, want an invalid request", tc.profile, tc.limit, err)
		}
	}
}

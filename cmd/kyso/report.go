package main

import (
	"context"
	"fmt"

	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/ca"
)

// reportSeal is the seal that signs the printed verification reports
// (report.seal_credential), checked at start: a seal credential of kyso's
// CA. nil when none is configured.
func reportSeal(ctx context.Context, sec kapp.ReportSection, authority *ca.Authority, sign *kapp.Sign) (*kapp.ReportSeal, error) {
	if sec.SealCredential == "" {
		return nil, nil
	}
	sc, err := authority.SigningCredential(ctx, sec.SealCredential)
	if err != nil {
		return nil, fmt.Errorf("config: report.seal_credential %q: %w", sec.SealCredential, err)
	}
	if sc.Profile != ca.ProfileSeal {
		return nil, fmt.Errorf("config: report.seal_credential %q is a %s credential; the printed reports are signed with a seal", sec.SealCredential, sc.Profile)
	}
	name := sc.Organization
	if name == "" && sc.Cert != nil {
		name = sc.Cert.Subject.CommonName
	}
	return &kapp.ReportSeal{Sign: sign, Credential: sc.ID, Name: name}, nil
}

package ca

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/kyso-vn/kyso/store"
)

// Finding kinds of Doctor.
const (
	// FindingPendingCertificate: a certificate intent older than the grace
	// period (its issuance was cut short). Repair marks it failed.
	FindingPendingCertificate = "pending_certificate"
	// FindingAbandonedCredential: an active credential without a current
	// certificate, older than the grace period (its first issuance never
	// completed). Repair retires it (status revoked).
	FindingAbandonedCredential = "abandoned_credential"
	// FindingMissingKey: a credential or issuer that can sign, or could,
	// whose Transit key is not in Vault. Not repairable by kyso: restore
	// Vault from a backup, or revoke the certificates.
	FindingMissingKey = "missing_key"
	// FindingOrphanKey: a Transit key on kyso's mount with a name this
	// deployment gives keys (Config.KeyPrefix and one of kyso's key
	// names) that no record names. Repair quarantines it (kyso's Vault
	// policy cannot delete keys). Keys with other names — another
	// deployment's on the same mount, an operator's — are not kyso's to
	// judge: they are counted in DoctorReport.OtherKeys and left alone.
	FindingOrphanKey = "orphan_key"
	// FindingQuarantinedKey: a key quarantined earlier; information only.
	FindingQuarantinedKey = "quarantined_key"
	// FindingUnfinishedCAKey: a Transit key no record names yet, with the
	// name of a CA key kyso is still to create (the root, the next issuing
	// CA, an OCSP responder, its HTTPS certificate's key): the creation was
	// cut short — kyso gave up waiting, or stopped — before the record.
	// Information only: the next attempt (kyso's next start, kyso ca init,
	// kyso ca rotate) finds the key and uses it; --repair leaves it alone.
	FindingUnfinishedCAKey = "unfinished_ca_key"
)

// Finding is one thing Doctor found.
type Finding struct {
	Kind     string `json:"kind"`
	Severity string `json:"severity"` // error, warning or info
	Subject  string `json:"subject"`  // a certificate or credential ID, or a key name
	Detail   string `json:"detail"`
	// Repair is what --repair does (or did, with Repaired); empty when
	// kyso cannot repair it.
	Repair   string `json:"repair,omitempty"`
	Repaired bool   `json:"repaired,omitempty"`
}

// DoctorReport is Doctor's result.
type DoctorReport struct {
	Keys         int       `json:"keys"`         // Transit keys on the mount
	OtherKeys    int       `json:"other_keys"`   // of which not named as this deployment names keys (left alone)
	Issuers      int       `json:"issuers"`      // issuers recorded
	Credentials  int       `json:"credentials"`  // credentials recorded
	Certificates int       `json:"certificates"` // certificates recorded
	Findings     []Finding `json:"findings"`
}

// Problems counts the findings that are not information, and not repaired.
func (r *DoctorReport) Problems() int {
	n := 0
	for _, f := range r.Findings {
		if f.Severity != "info" && !f.Repaired {
			n++
		}
	}
	return n
}

// DoctorOptions configure Doctor.
type DoctorOptions struct {
	// Keys are the names of every Transit key on kyso's mount.
	Keys []string
	// Grace is how old a pending certificate or a credential without a
	// certificate must be to count as cut short (0: any age). An issuance
	// in progress on another node is younger than its request timeout.
	Grace time.Duration
	// Repair repairs what can be repaired.
	Repair bool
}

// Doctor compares kyso's records with the keys Vault holds and finds what
// an interrupted process leaves behind: pending certificate intents,
// credentials without a certificate, records without their key and keys
// without a record (a CA key whose creation was cut short is reported for
// information: the next attempt uses it). With Repair it marks the pending certificates failed,
// retires the abandoned credentials and quarantines the orphan keys; it
// never deletes anything, in the database or in Vault.
func (a *Authority) Doctor(ctx context.Context, o DoctorOptions) (*DoctorReport, error) {
	rep := &DoctorReport{Keys: len(o.Keys), Findings: []Finding{}}
	inVault := make(map[string]bool, len(o.Keys))
	for _, k := range o.Keys {
		inVault[k] = true
	}
	named := map[string]bool{} // keys some record names
	cutoff := a.cfg.Now().Add(-o.Grace)

	issuers, err := a.store.ListIssuers(ctx)
	if err != nil {
		return nil, backendErr("list issuers", err)
	}
	rep.Issuers = len(issuers)
	for _, is := range issuers {
		for _, k := range []string{is.KeyName, is.OCSPKeyName} {
			if k == "" {
				continue
			}
			named[k] = true
			if !inVault[k] {
				sev := "error"
				if is.Status == store.IssuerRetired {
					sev = "warning"
				}
				rep.add(Finding{Kind: FindingMissingKey, Severity: sev, Subject: k,
					Detail: fmt.Sprintf("issuer %s (%s) names key %s, which is not in Vault", is.Name, is.Status, k)})
			}
		}
	}

	// Certificates: pending intents, and keys of service certificates.
	for after := ""; ; {
		page, err := a.store.ListCertificates(ctx, store.CertFilter{After: after, Limit: store.MaxListLimit})
		if err != nil {
			return nil, backendErr("list certificates", err)
		}
		for _, c := range page {
			rep.Certificates++
			named[c.KeyName] = true
			if c.Status == store.CertPending && !c.CreatedAt.After(cutoff) {
				f := Finding{Kind: FindingPendingCertificate, Severity: "warning", Subject: c.ID,
					Detail: fmt.Sprintf("certificate %s (serial %s, %s) has been pending since %s: its issuance was cut short",
						c.ID, c.Serial, c.Subject, c.CreatedAt.Format(time.RFC3339)),
					Repair: "mark it failed"}
				if o.Repair {
					if err := a.store.FailCertificate(ctx, c.ID); err != nil {
						return nil, backendErr("fail certificate "+c.ID, err)
					}
					f.Repaired = true
				}
				rep.add(f)
			}
		}
		if len(page) < store.MaxListLimit {
			break
		}
		after = page[len(page)-1].ID
	}

	// Credentials: abandoned ones, and their keys.
	for after := ""; ; {
		page, err := a.store.ListCredentials(ctx, after, store.MaxListLimit)
		if err != nil {
			return nil, backendErr("list credentials", err)
		}
		for _, cr := range page {
			rep.Credentials++
			named[cr.KeyName] = true
			switch {
			case cr.CurrentCertID == "" && cr.Status == store.CredentialActive && !cr.CreatedAt.After(cutoff):
				f := Finding{Kind: FindingAbandonedCredential, Severity: "warning", Subject: cr.ID,
					Detail: fmt.Sprintf("credential %s (%s) was created at %s and never got a certificate",
						cr.ID, cr.Profile, cr.CreatedAt.Format(time.RFC3339)),
					Repair: "retire it (status revoked); its key, if any, stays unused"}
				if o.Repair {
					cr.Status = store.CredentialRevoked
					cr.UpdatedAt = time.Time{}
					if err := a.store.UpdateCredential(ctx, cr); err != nil {
						return nil, backendErr("retire credential "+cr.ID, err)
					}
					f.Repaired = true
				}
				rep.add(f)
			case cr.CurrentCertID != "" && !inVault[cr.KeyName]:
				sev := "error"
				if cr.Status == store.CredentialRevoked {
					sev = "warning"
				}
				rep.add(Finding{Kind: FindingMissingKey, Severity: sev, Subject: cr.ID,
					Detail: fmt.Sprintf("credential %s (%s, %s) names key %s, which is not in Vault: it cannot sign; restore Vault from a backup or revoke its certificate",
						cr.ID, cr.Profile, cr.Status, cr.KeyName)})
			}
		}
		if len(page) < store.MaxListLimit {
			break
		}
		after = page[len(page)-1].ID
	}

	quarantined, err := a.store.ListQuarantinedKeys(ctx)
	if err != nil {
		return nil, backendErr("list quarantined keys", err)
	}
	isQuarantined := map[string]bool{}
	for _, q := range quarantined {
		isQuarantined[q.Name] = true
		if !named[q.Name] {
			rep.add(Finding{Kind: FindingQuarantinedKey, Severity: "info", Subject: q.Name,
				Detail: fmt.Sprintf("key %s was quarantined at %s (%s); an operator with delete rights on the mount may delete it",
					q.Name, q.FoundAt.Format(time.RFC3339), q.Reason)})
		}
	}
	unfinished := a.unfinishedCAKeys(issuers)
	for _, k := range o.Keys {
		if named[k] || isQuarantined[k] || a.isServiceKey(k) {
			continue
		}
		if !a.ownsKeyName(k) {
			rep.OtherKeys++
			continue
		}
		if role, ok := unfinished[k]; ok {
			rep.add(Finding{Kind: FindingUnfinishedCAKey, Severity: "info", Subject: k,
				Detail: fmt.Sprintf("key %s was made for the CA's %s, which is not recorded yet (its creation was cut short); "+
					"kyso uses this key when it creates the %s again (next start, kyso ca init or kyso ca rotate)", k, role, role)})
			continue
		}
		f := Finding{Kind: FindingOrphanKey, Severity: "warning", Subject: k,
			Detail: fmt.Sprintf("key %s is in Vault but no issuer, credential or certificate names it", k),
			Repair: "quarantine it (kyso never uses it; it cannot delete keys)"}
		if o.Repair {
			if err := a.store.QuarantineKey(ctx, &store.QuarantinedKey{Name: k, Reason: "no record names it"}); err != nil {
				return nil, backendErr("quarantine key "+k, err)
			}
			f.Repaired = true
		}
		rep.add(f)
	}
	sortFindings(rep.Findings)
	return rep, nil
}

// kysoKeySuffix matches what follows Config.KeyPrefix in the name of every
// key kyso creates: a credential's ID (issue.go), its root (issuers.go), an
// issuing CA and its OCSP responder (issuers.go, external.go: issuer names
// come from nextIssuerName) and its HTTPS certificate's key (tls.go).
var kysoKeySuffix = regexp.MustCompile(`^(cred_[a-z2-7]+|root|(ocsp-)?issuing-[0-9]+|tls-server)$`)

// serviceKeySuffixes name the keys of this deployment that no record
// names and that must never be quarantined: the Transit encryption keys
// of stored idempotent answers and of citizens' TOTP seeds (cmd/kyso:
// idempotency.go, remoteconfig.go). Losing one makes what it sealed
// unreadable.
var serviceKeySuffixes = []string{"idempotency-answers", "totp-seeds", "csc-tokens"}

// isServiceKey reports whether name is one of this deployment's service
// keys (serviceKeySuffixes after its prefix).
func (a *Authority) isServiceKey(name string) bool {
	rest, ok := strings.CutPrefix(name, a.cfg.KeyPrefix)
	return ok && slices.Contains(serviceKeySuffixes, rest)
}

// ownsKeyName reports whether name is a key name this deployment gives
// keys: its prefix, then one of kyso's names. The prefix alone is not
// enough: with prefixes "kyso-" and "kyso-b-" on one mount, "kyso-b-root"
// starts with both, and only the second deployment owns it.
func (a *Authority) ownsKeyName(name string) bool {
	rest, ok := strings.CutPrefix(name, a.cfg.KeyPrefix)
	return ok && kysoKeySuffix.MatchString(rest)
}

// unfinishedCAKeys returns, by key name, the CA keys kyso is still to
// create given the issuers recorded: its root (if none), the next issuing
// CA and its OCSP responder, the OCSP responders of issuing CAs without
// one, and the key of its own HTTPS certificate. Their names are fixed, so
// a creation cut short is finished by the next one, which finds the key.
func (a *Authority) unfinishedCAKeys(issuers []*store.Issuer) map[string]string {
	out := map[string]string{a.cfg.KeyPrefix + "tls-server": "HTTPS server certificate"}
	root, n := false, 1
	for _, is := range issuers {
		switch is.Kind {
		case store.IssuerRoot:
			root = true
		case store.IssuerIssuing:
			n++
			if is.OCSPKeyName == "" {
				out[a.cfg.KeyPrefix+"ocsp-"+is.Name] = "OCSP responder of " + is.Name
			}
		}
	}
	if !root {
		out[a.cfg.KeyPrefix+"root"] = "root"
	}
	next := fmt.Sprintf("issuing-%d", n) // as nextIssuerName names it
	out[a.cfg.KeyPrefix+next] = "issuing CA " + next
	out[a.cfg.KeyPrefix+"ocsp-"+next] = "OCSP responder of " + next
	return out
}

func (r *DoctorReport) add(f Finding) { r.Findings = append(r.Findings, f) }

// sortFindings orders findings by severity, then kind and subject.
func sortFindings(fs []Finding) {
	rank := map[string]int{"error": 0, "warning": 1, "info": 2}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if d := rank[a.Severity] - rank[b.Severity]; d != 0 {
			return d
		}
		if a.Kind != b.Kind {
			if a.Kind < b.Kind {
				return -1
			}
			return 1
		}
		if a.Subject < b.Subject {
			return -1
		}
		if a.Subject > b.Subject {
			return 1
		}
		return 0
	})
}

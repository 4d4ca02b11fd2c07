// Package storetest is the conformance suite every store.Store
// implementation must pass. An implementation's test calls Run with a
// function that opens a fresh, empty store.
//
// It also gives other packages' tests real stores to run on: OpenSQLite,
// and OpenPostgres with PostgresMain in TestMain, each with a direct
// connection to the database (DB.SQL, DB.TamperAudit).
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/store"
)

// Run runs the conformance suite. open must return a new, empty, migrated
// store and arrange (with t.Cleanup) for it to be closed.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open func(t *testing.T) store.Store)
	}{
		{"Ping", testPing},
		{"Issuers", testIssuers},
		{"IssuerErrors", testIssuerErrors},
		{"Credentials", testCredentials},
		{"CreateCredentialAtomic", testCreateCredentialAtomic},
		{"Certificates", testCertificates},
		{"CertificateErrors", testCertificateErrors},
		{"Times", testTimes},
		{"ActivateCertificate", testActivate},
		{"ActivateCertificateErrors", testActivateErrors},
		{"AuthEpoch", testAuthEpoch},
		{"FailCertificate", testFail},
		{"RevokeCertificate", testRevoke},
		{"ListRevoked", testListRevoked},
		{"ListCertificatesFilter", testListFilter},
		{"ListCertificatesPagination", testListPagination},
		{"ListCertificatesByteOrder", testListByteOrder},
		{"CRL", testCRL},
		{"AdminTokens", testAdminTokens},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ConcurrentTransitions", testConcurrentTransitions},
		{"Clients", testClients},
		{"ClientLifecycle", testClientLifecycle},
		{"AdminTokenLifecycle", testAdminTokenLifecycle},
		{"ClientErrors", testClientErrors},
		{"CredentialPIN", testCredentialPIN},
		{"Audit", testAudit},
		{"AuditErrors", testAuditErrors},
		{"ConcurrentAudit", testConcurrentAudit},
		{"AuditGroup", testAuditGroup},
		{"SealImages", testSealImages},
		{"TOTP", testTOTP},
		{"ClientBinding", testClientBinding},
		{"ConsentAttempts", testConsentAttempts},
		{"SADs", testSADs},
		{"SigningTransactions", testSigningTransactions},
		{"Idempotency", testIdempotency},
		{"ConcurrentIdempotency", testConcurrentIdempotency},
		{"Quarantine", testQuarantine},
		{"ListCredentials", testListCredentials},
		{"ListUsableCredentials", testListUsableCredentials},
		{"BundleVersions", testBundleVersions},
		{"Holder", testHolder},
		{"ConcurrentHolder", testConcurrentHolder},
		{"Observer", testObserver},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.fn(t, open) })
	}
}

// ----- fixtures -----

var (
	t0  = time.Date(2026, 3, 4, 5, 6, 7, 123456789, time.UTC)
	ict = time.FixedZone("ICT", 7*60*60) // Vietnam, +07:00
)

const day = 24 * time.Hour

func newIssuer(id string) *store.Issuer {
	return &store.Issuer{
		ID:         id,
		Name:       "issuer-" + id,
		Kind:       store.IssuerIssuing,
		Status:     store.IssuerActive,
		KeyName:    "ca-" + id,
		KeyVersion: 1,
		CertPEM:    "cert-pem-" + id,
		ChainPEM:   "chain-pem-" + id,
		NotBefore:  t0,
		NotAfter:   t0.Add(10 * 365 * day),
		CreatedAt:  t0,
	}
}

func newCredential(id string) *store.Credential {
	return &store.Credential{
		ID:          id,
		Profile:     "citizen",
		SubjectJSON: `{"cn":"` + id + `"}`,
		KeyName:     "key-" + id,
		KeyType:     "rsa-3072",
		Status:      store.CredentialActive,
		CreatedAt:   t0,
		UpdatedAt:   t0,
	}
}

func newCert(id, issuerID, credID string, status store.CertStatus) *store.Certificate {
	c := &store.Certificate{
		ID:           id,
		CredentialID: credID,
		IssuerID:     issuerID,
		Serial:       fmt.Sprintf("%x", "serial-"+id),
		Profile:      "citizen",
		Subject:      "CN=" + id + ",O=kyso",
		KeyName:      "key-" + credID,
		KeyVersion:   1,
		Status:       status,
		NotBefore:    t0,
		NotAfter:     t0.Add(365 * day),
		CreatedAt:    t0,
	}
	if status != store.CertPending {
		c.CertPEM = "cert-pem-" + id
	}
	return c
}

func ctxOf(t *testing.T) context.Context { return t.Context() }

func mustIssuer(t *testing.T, s store.Store, id string) *store.Issuer {
	t.Helper()
	is := newIssuer(id)
	if err := s.CreateIssuer(ctxOf(t), is); err != nil {
		t.Fatalf("CreateIssuer(%q) = %v", id, err)
	}
	return is
}

func mustCredential(t *testing.T, s store.Store, id string, first *store.Certificate) *store.Credential {
	t.Helper()
	cr := newCredential(id)
	if err := s.CreateCredential(ctxOf(t), cr, first); err != nil {
		t.Fatalf("CreateCredential(%q) = %v", id, err)
	}
	return cr
}

func mustCert(t *testing.T, s store.Store, c *store.Certificate) *store.Certificate {
	t.Helper()
	if err := s.CreateCertificate(ctxOf(t), c); err != nil {
		t.Fatalf("CreateCertificate(%q) = %v", c.ID, err)
	}
	return c
}

func getCert(t *testing.T, s store.Store, id string) *store.Certificate {
	t.Helper()
	c, err := s.GetCertificate(ctxOf(t), id)
	if err != nil {
		t.Fatalf("GetCertificate(%q) = %v", id, err)
	}
	return c
}

func getCredential(t *testing.T, s store.Store, id string) *store.Credential {
	t.Helper()
	cr, err := s.GetCredential(ctxOf(t), id)
	if err != nil {
		t.Fatalf("GetCredential(%q) = %v", id, err)
	}
	return cr
}

// allCerts returns every certificate, following the cursor.
func allCerts(t *testing.T, s store.Store, f store.CertFilter) []*store.Certificate {
	t.Helper()
	var out []*store.Certificate
	f.Limit = store.MaxListLimit
	for {
		page, err := s.ListCertificates(ctxOf(t), f)
		if err != nil {
			t.Fatalf("ListCertificates(%+v) = %v", f, err)
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			return out
		}
		f.After = page[len(page)-1].ID
	}
}

func ids(cs []*store.Certificate) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

// snapshot is every record the suite can read back, to check that a failed
// call changed nothing.
type snapshot struct {
	Certs []*store.Certificate
	Creds []*store.Credential
}

func snap(t *testing.T, s store.Store, credIDs ...string) snapshot {
	t.Helper()
	sn := snapshot{Certs: allCerts(t, s, store.CertFilter{})}
	for _, id := range credIDs {
		sn.Creds = append(sn.Creds, getCredential(t, s, id))
	}
	return sn
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got  %s\n want %s", what, dump(got), dump(want))
	}
}

func dump(v any) string {
	switch v := v.(type) {
	case snapshot:
		var b bytes.Buffer
		for _, c := range v.Certs {
			fmt.Fprintf(&b, "\n  %s", dump(c))
		}
		for _, c := range v.Creds {
			fmt.Fprintf(&b, "\n  %+v", *c)
		}
		return b.String()
	case *store.Certificate:
		c := *v
		ra := "nil"
		if c.RevokedAt != nil {
			ra = c.RevokedAt.String()
		}
		c.RevokedAt = nil
		return fmt.Sprintf("%+v RevokedAt=%s", c, ra)
	}
	return fmt.Sprintf("%+v", v)
}

func wantErr(t *testing.T, call string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s = %v, want nil", call, err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("%s = %v, want %v", call, err, want)
	}
}

// ----- tests -----

func testPing(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	if err := s.Ping(ctxOf(t)); err != nil {
		t.Fatalf("Ping() = %v", err)
	}
}

func testIssuers(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)

	root := &store.Issuer{
		ID: "i-root", Name: "kyso-root", Kind: store.IssuerRoot, Status: store.IssuerActive,
		KeyName: "root-key", KeyVersion: 3, CertPEM: "root-pem",
		OCSPKeyName: "root-ocsp", OCSPKeyVersion: 2, OCSPCertPEM: "root-ocsp-pem",
		NotBefore: t0, NotAfter: t0.Add(20 * 365 * day), CreatedAt: t0.Add(2 * time.Hour),
	}
	ext := &store.Issuer{
		ID: "i-ext", Name: "kyso-ext", Kind: store.IssuerIssuing, Status: store.IssuerPending,
		External: true, KeyName: "ext-key", KeyVersion: 1, CSRPEM: "csr-pem",
		CreatedAt: t0, // oldest; pending: no certificate, no validity yet
	}
	sub := newIssuer("i-sub")
	sub.CreatedAt = t0.Add(time.Hour)
	for _, is := range []*store.Issuer{root, ext, sub} {
		if err := s.CreateIssuer(ctx, is); err != nil {
			t.Fatalf("CreateIssuer(%q) = %v", is.ID, err)
		}
	}

	for _, want := range []*store.Issuer{root, ext, sub} {
		got, err := s.GetIssuer(ctx, want.ID)
		if err != nil {
			t.Fatalf("GetIssuer(%q) = %v", want.ID, err)
		}
		same(t, fmt.Sprintf("GetIssuer(%q)", want.ID), got, want)
		got, err = s.GetIssuerByName(ctx, want.Name)
		if err != nil {
			t.Fatalf("GetIssuerByName(%q) = %v", want.Name, err)
		}
		same(t, fmt.Sprintf("GetIssuerByName(%q)", want.Name), got, want)
	}

	list, err := s.ListIssuers(ctx)
	if err != nil {
		t.Fatalf("ListIssuers() = %v", err)
	}
	same(t, "ListIssuers()", list, []*store.Issuer{ext, sub, root})

	// UpdateIssuer replaces the mutable fields only.
	upd := *ext
	upd.Status = store.IssuerActive
	upd.KeyVersion = 2
	upd.CertPEM, upd.ChainPEM, upd.CSRPEM = "ext-pem", "ext-chain", ""
	upd.OCSPKeyName, upd.OCSPKeyVersion, upd.OCSPCertPEM = "ext-ocsp", 1, "ext-ocsp-pem"
	upd.NotBefore, upd.NotAfter = t0.Add(day), t0.Add(5*365*day)
	want := upd
	upd.Name, upd.Kind, upd.External, upd.KeyName, upd.CreatedAt = "renamed", store.IssuerRoot, false, "other", t0.Add(99*day)
	if err := s.UpdateIssuer(ctx, &upd); err != nil {
		t.Fatalf("UpdateIssuer(%q) = %v", upd.ID, err)
	}
	got, err := s.GetIssuer(ctx, ext.ID)
	if err != nil {
		t.Fatalf("GetIssuer(%q) = %v", ext.ID, err)
	}
	same(t, "GetIssuer after UpdateIssuer", got, &want)

	// A zero CreatedAt is filled in.
	is := newIssuer("i-now")
	is.CreatedAt = time.Time{}
	before := time.Now()
	if err := s.CreateIssuer(ctx, is); err != nil {
		t.Fatalf("CreateIssuer(%q) = %v", is.ID, err)
	}
	if is.CreatedAt.Before(before.Add(-time.Second)) || is.CreatedAt.After(time.Now().Add(time.Second)) {
		t.Errorf("CreateIssuer set CreatedAt = %v, want about %v", is.CreatedAt, before)
	}
	got, err = s.GetIssuer(ctx, is.ID)
	if err != nil {
		t.Fatalf("GetIssuer(%q) = %v", is.ID, err)
	}
	if !got.CreatedAt.Equal(is.CreatedAt) {
		t.Errorf("GetIssuer(%q).CreatedAt = %v, want %v", is.ID, got.CreatedAt, is.CreatedAt)
	}
}

func testIssuerErrors(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	mustIssuer(t, s, "i1")
	tests := []struct {
		name string
		call func(ctx context.Context) error
		want error
	}{
		{"GetIssuer missing", func(ctx context.Context) error {
			_, err := s.GetIssuer(ctx, "nope")
			return err
		}, store.ErrNotFound},
		{"GetIssuerByName missing", func(ctx context.Context) error {
			_, err := s.GetIssuerByName(ctx, "nope")
			return err
		}, store.ErrNotFound},
		{"UpdateIssuer missing", func(ctx context.Context) error {
			return s.UpdateIssuer(ctx, newIssuer("nope"))
		}, store.ErrNotFound},
		{"CreateIssuer duplicate ID", func(ctx context.Context) error {
			is := newIssuer("i1")
			is.Name = "another-name"
			return s.CreateIssuer(ctx, is)
		}, store.ErrConflict},
		{"CreateIssuer duplicate name", func(ctx context.Context) error {
			is := newIssuer("i2")
			is.Name = "issuer-i1"
			return s.CreateIssuer(ctx, is)
		}, store.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, tt.name, tt.call(ctxOf(t)), tt.want)
		})
	}
	list, err := s.ListIssuers(ctxOf(t))
	if err != nil {
		t.Fatalf("ListIssuers() = %v", err)
	}
	if len(list) != 1 {
		t.Errorf("ListIssuers() returned %d issuers after failed creates, want 1", len(list))
	}
}

func testCredentials(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	mustIssuer(t, s, "i1")

	first := newCert("c1", "i1", "", store.CertPending) // CredentialID filled in
	cr := mustCredential(t, s, "cr1", first)
	if first.CredentialID != "cr1" {
		t.Errorf("CreateCredential left first.CredentialID = %q, want %q", first.CredentialID, "cr1")
	}
	same(t, "GetCredential", getCredential(t, s, "cr1"), cr)
	same(t, "GetCertificate(first)", getCert(t, s, "c1"), first)

	upd := *cr
	upd.Profile = "official"
	upd.SubjectJSON = `{"cn":"renamed"}`
	upd.CurrentCertID = "c1"
	upd.Status = store.CredentialRevoked
	upd.UpdatedAt = t0.Add(day)
	want := upd
	upd.KeyName, upd.KeyType, upd.CreatedAt = "other", "ec-p256", t0.Add(9*day) // immutable
	if err := s.UpdateCredential(ctx, &upd); err != nil {
		t.Fatalf("UpdateCredential = %v", err)
	}
	same(t, "GetCredential after UpdateCredential", getCredential(t, s, "cr1"), &want)

	// Clearing the current certificate, and a zero UpdatedAt is filled in.
	upd = want
	upd.CurrentCertID = ""
	upd.UpdatedAt = time.Time{}
	if err := s.UpdateCredential(ctx, &upd); err != nil {
		t.Fatalf("UpdateCredential = %v", err)
	}
	got := getCredential(t, s, "cr1")
	if got.CurrentCertID != "" || got.UpdatedAt.IsZero() || !got.UpdatedAt.Equal(upd.UpdatedAt) {
		t.Errorf("GetCredential = %+v, want no current certificate and UpdatedAt %v", got, upd.UpdatedAt)
	}

	// Without a first certificate, and with a current certificate set at
	// creation (the FK cycle is closed inside the transaction).
	mustCredential(t, s, "cr2", nil)
	cr3 := newCredential("cr3")
	cr3.CurrentCertID = "c3"
	c3 := newCert("c3", "i1", "cr3", store.CertActive)
	if err := s.CreateCredential(ctx, cr3, c3); err != nil {
		t.Fatalf("CreateCredential(cr3) = %v", err)
	}
	same(t, "GetCredential(cr3)", getCredential(t, s, "cr3"), cr3)

	tests := []struct {
		name string
		call func(ctx context.Context) error
		want error
	}{
		{"GetCredential missing", func(ctx context.Context) error {
			_, err := s.GetCredential(ctx, "nope")
			return err
		}, store.ErrNotFound},
		{"UpdateCredential missing", func(ctx context.Context) error {
			return s.UpdateCredential(ctx, newCredential("nope"))
		}, store.ErrNotFound},
		{"UpdateCredential unknown current certificate", func(ctx context.Context) error {
			cr := newCredential("cr2")
			cr.CurrentCertID = "nope"
			return s.UpdateCredential(ctx, cr)
		}, store.ErrNotFound},
		{"CreateCredential duplicate ID", func(ctx context.Context) error {
			return s.CreateCredential(ctx, newCredential("cr1"), nil)
		}, store.ErrConflict},
		{"CreateCredential duplicate key name", func(ctx context.Context) error {
			cr := newCredential("cr9")
			cr.KeyName = "key-cr1"
			return s.CreateCredential(ctx, cr, nil)
		}, store.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, tt.name, tt.call(ctxOf(t)), tt.want)
		})
	}
}

// testCreateCredentialAtomic: when the first certificate cannot be inserted
// the credential is not created either, and the other way round.
func testCreateCredentialAtomic(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name  string
		cred  func() *store.Credential
		first func() *store.Certificate
		want  error
	}{
		{"duplicate credential", func() *store.Credential { return newCredential("cr1") },
			func() *store.Certificate { return newCert("c-new", "i1", "cr1", store.CertPending) }, store.ErrConflict},
		{"duplicate certificate ID", func() *store.Credential { return newCredential("cr-new") },
			func() *store.Certificate { return newCert("c1", "i1", "cr-new", store.CertPending) }, store.ErrConflict},
		{"duplicate serial", func() *store.Credential { return newCredential("cr-new") },
			func() *store.Certificate {
				c := newCert("c-new", "i1", "cr-new", store.CertPending)
				c.Serial = newCert("c1", "", "", "").Serial
				return c
			}, store.ErrConflict},
		{"unknown issuer", func() *store.Credential { return newCredential("cr-new") },
			func() *store.Certificate { return newCert("c-new", "nope", "cr-new", store.CertPending) }, store.ErrNotFound},
		{"unknown current certificate", func() *store.Credential {
			cr := newCredential("cr-new")
			cr.CurrentCertID = "nope"
			return cr
		}, func() *store.Certificate { return newCert("c-new", "i1", "cr-new", store.CertPending) }, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			ctx := ctxOf(t)
			mustIssuer(t, s, "i1")
			mustCredential(t, s, "cr1", newCert("c1", "i1", "cr1", store.CertPending))
			before := snap(t, s, "cr1")

			cr := tt.cred()
			err := s.CreateCredential(ctx, cr, tt.first())
			wantErr(t, "CreateCredential", err, tt.want)

			same(t, "records after failed CreateCredential", snap(t, s, "cr1"), before)
			if cr.ID != "cr1" {
				_, err := s.GetCredential(ctx, cr.ID)
				wantErr(t, "GetCredential of the failed credential", err, store.ErrNotFound)
			}
		})
	}
}

func testCertificates(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	mustIssuer(t, s, "i1")
	mustIssuer(t, s, "i2")
	mustCredential(t, s, "cr1", nil)

	revokedAt := t0.Add(3 * day)
	all := []*store.Certificate{
		newCert("c-pending", "i1", "cr1", store.CertPending),
		newCert("c-active", "i1", "cr1", store.CertActive),
		func() *store.Certificate { // infrastructure: no credential
			c := newCert("c-ocsp", "i1", "", store.CertActive)
			c.Profile, c.KeyName, c.KeyVersion = "ocsp", "ocsp-key", 4
			return c
		}(),
		func() *store.Certificate {
			c := newCert("c-superseded", "i1", "cr1", store.CertSuperseded)
			c.SupersededBy = "c-active"
			return c
		}(),
		func() *store.Certificate {
			c := newCert("c-revoked", "i1", "cr1", store.CertRevoked)
			c.RevokedAt, c.RevocationReason = &revokedAt, 1
			return c
		}(),
		func() *store.Certificate { // same serial, other issuer
			c := newCert("c-other-issuer", "i2", "cr1", store.CertActive)
			c.Serial = newCert("c-active", "", "", "").Serial
			return c
		}(),
	}
	for _, c := range all {
		mustCert(t, s, c)
	}
	for _, want := range all {
		same(t, fmt.Sprintf("GetCertificate(%q)", want.ID), getCert(t, s, want.ID), want)
		got, err := s.GetCertificateBySerial(ctx, want.IssuerID, want.Serial)
		if err != nil {
			t.Fatalf("GetCertificateBySerial(%q, %q) = %v", want.IssuerID, want.Serial, err)
		}
		same(t, fmt.Sprintf("GetCertificateBySerial(%q, %q)", want.IssuerID, want.Serial), got, want)
	}

	c := newCert("c-now", "i1", "cr1", store.CertPending)
	c.CreatedAt = time.Time{}
	mustCert(t, s, c)
	if c.CreatedAt.IsZero() {
		t.Errorf("CreateCertificate left CreatedAt zero")
	}
	if got := getCert(t, s, "c-now"); !got.CreatedAt.Equal(c.CreatedAt) {
		t.Errorf("GetCertificate(c-now).CreatedAt = %v, want %v", got.CreatedAt, c.CreatedAt)
	}
}

func testCertificateErrors(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	mustIssuer(t, s, "i1")
	mustCredential(t, s, "cr1", nil)
	mustCert(t, s, newCert("c1", "i1", "cr1", store.CertActive))

	tests := []struct {
		name string
		call func(ctx context.Context) error
		want error
	}{
		{"GetCertificate missing", func(ctx context.Context) error {
			_, err := s.GetCertificate(ctx, "nope")
			return err
		}, store.ErrNotFound},
		{"GetCertificateBySerial missing serial", func(ctx context.Context) error {
			_, err := s.GetCertificateBySerial(ctx, "i1", "00")
			return err
		}, store.ErrNotFound},
		{"GetCertificateBySerial other issuer", func(ctx context.Context) error {
			_, err := s.GetCertificateBySerial(ctx, "i2", newCert("c1", "", "", "").Serial)
			return err
		}, store.ErrNotFound},
		{"CreateCertificate duplicate ID", func(ctx context.Context) error {
			c := newCert("c1", "i1", "cr1", store.CertPending)
			c.Serial = "0abc"
			return s.CreateCertificate(ctx, c)
		}, store.ErrConflict},
		{"CreateCertificate duplicate serial", func(ctx context.Context) error {
			c := newCert("c2", "i1", "cr1", store.CertPending)
			c.Serial = newCert("c1", "", "", "").Serial
			return s.CreateCertificate(ctx, c)
		}, store.ErrConflict},
		{"CreateCertificate unknown issuer", func(ctx context.Context) error {
			return s.CreateCertificate(ctx, newCert("c3", "nope", "cr1", store.CertPending))
		}, store.ErrNotFound},
		{"CreateCertificate unknown credential", func(ctx context.Context) error {
			return s.CreateCertificate(ctx, newCert("c4", "i1", "nope", store.CertPending))
		}, store.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, tt.name, tt.call(ctxOf(t)), tt.want)
		})
	}
	if got := ids(allCerts(t, s, store.CertFilter{})); !slices.Equal(got, []string{"c1"}) {
		t.Errorf("certificates after failed creates = %q, want [c1]", got)
	}
}

// testTimes pins the time encoding: nanoseconds survive, any zone comes back
// as the same instant in UTC, zero stays zero, and RFC 5280's "no
// well-defined expiration" (99991231235959Z) fits.
func testTimes(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	mustIssuer(t, s, "i1")
	tests := []struct {
		name      string
		notBefore time.Time
		notAfter  time.Time
	}{
		{"nanoseconds", time.Date(2026, 1, 2, 3, 4, 5, 1, time.UTC), time.Date(2027, 1, 2, 3, 4, 5, 999999999, time.UTC)},
		{"Vietnam time", time.Date(2026, 1, 2, 6, 0, 0, 500, ict), time.Date(2026, 12, 31, 23, 59, 59, 0, ict)},
		{"zero", time.Time{}, time.Time{}},
		{"no well-defined expiration", time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCert(fmt.Sprintf("c%d", i), "i1", "", store.CertActive)
			c.NotBefore, c.NotAfter = tt.notBefore, tt.notAfter
			mustCert(t, s, c)
			got := getCert(t, s, c.ID)
			if !got.NotBefore.Equal(tt.notBefore) || !got.NotAfter.Equal(tt.notAfter) {
				t.Errorf("GetCertificate validity = %v .. %v, want %v .. %v",
					got.NotBefore, got.NotAfter, tt.notBefore, tt.notAfter)
			}
			if got.NotBefore.Location() != time.UTC || got.NotAfter.Location() != time.UTC {
				t.Errorf("GetCertificate times in %v, %v, want UTC", got.NotBefore.Location(), got.NotAfter.Location())
			}
		})
	}
	// Filters compare instants: 2027-01-01 06:59:59 ICT is 2026-12-31 23:59:59 UTC.
	got := allCerts(t, s, store.CertFilter{ExpiringUntil: time.Date(2027, 1, 1, 6, 59, 59, 0, ict)})
	if want := []string{"c1"}; !slices.Equal(ids(got), want) {
		t.Errorf("ListCertificates(ExpiringUntil 2027-01-01T06:59:59+07:00) = %q, want %q", ids(got), want)
	}
}

func testActivate(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	mustIssuer(t, s, "i1")
	mustCredential(t, s, "cr1", newCert("c1", "i1", "cr1", store.CertPending))
	if cr, c, epoch, err := s.GetCredentialCertificate(ctx, "cr1"); err != nil || cr.ID != "cr1" || c != nil || epoch != 0 {
		t.Errorf("GetCredentialCertificate(cr1) before activation = %v, %v, epoch %d, %v; want cr1 without a certificate, epoch 0", cr, c, epoch, err)
	}
	if _, _, _, err := s.GetCredentialCertificate(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("GetCredentialCertificate(nope) = %v, want ErrNotFound", err)
	}

	// First issuance: no supersede.
	c1 := newCert("c1", "i1", "cr1", store.CertPending)
	c1.CertPEM = "signed-c1"
	c1.Serial = "01aa"
	c1.Subject = "CN=Nguyễn Văn A,O=kyso"
	c1.KeyVersion = 2
	c1.NotBefore, c1.NotAfter = t0.Add(time.Minute), t0.Add(400*day)
	if err := s.ActivateCertificate(ctx, c1, ""); err != nil {
		t.Fatalf("ActivateCertificate(c1) = %v", err)
	}
	if c1.Status != store.CertActive {
		t.Errorf("ActivateCertificate left c.Status = %q, want %q", c1.Status, store.CertActive)
	}
	want := *c1
	want.Status = store.CertActive
	same(t, "GetCertificate(c1) after activation", getCert(t, s, "c1"), &want)
	if got := getCredential(t, s, "cr1").CurrentCertID; got != "c1" {
		t.Errorf("credential current certificate = %q, want c1", got)
	}
	if cr, c, epoch, err := s.GetCredentialCertificate(ctx, "cr1"); err != nil || epoch <= 0 {
		t.Errorf("GetCredentialCertificate(cr1) = epoch %d, %v; want a positive epoch", epoch, err)
	} else {
		same(t, "GetCredentialCertificate(cr1)'s certificate", c, &want)
		same(t, "GetCredentialCertificate(cr1)'s credential", cr, getCredential(t, s, "cr1"))
	}

	// Renewal: c2 supersedes c1.
	c2 := mustCert(t, s, newCert("c2", "i1", "cr1", store.CertPending))
	c2.CertPEM = "signed-c2"
	if err := s.ActivateCertificate(ctx, c2, "c1"); err != nil {
		t.Fatalf("ActivateCertificate(c2, c1) = %v", err)
	}
	old := getCert(t, s, "c1")
	if old.Status != store.CertSuperseded || old.SupersededBy != "c2" {
		t.Errorf("c1 after renewal: status %q superseded by %q, want %q by c2", old.Status, old.SupersededBy, store.CertSuperseded)
	}
	if got := getCert(t, s, "c2"); got.Status != store.CertActive || got.CertPEM != "signed-c2" {
		t.Errorf("c2 after activation: status %q PEM %q, want active, signed-c2", got.Status, got.CertPEM)
	}
	cr := getCredential(t, s, "cr1")
	if cr.CurrentCertID != "c2" {
		t.Errorf("credential current certificate = %q, want c2", cr.CurrentCertID)
	}
	if !cr.UpdatedAt.After(t0) {
		t.Errorf("credential UpdatedAt = %v, want it bumped", cr.UpdatedAt)
	}
	if _, c, _, err := s.GetCredentialCertificate(ctx, "cr1"); err != nil || c.ID != "c2" || c.CertPEM != "signed-c2" {
		t.Errorf("GetCredentialCertificate(cr1) after renewal = %v, %v; want c2", c, err)
	}

	// Infrastructure certificate: no credential to update; may supersede
	// another infrastructure certificate.
	mustCert(t, s, newCert("o1", "i1", "", store.CertActive))
	o2 := mustCert(t, s, newCert("o2", "i1", "", store.CertPending))
	if err := s.ActivateCertificate(ctx, o2, "o1"); err != nil {
		t.Fatalf("ActivateCertificate(o2, o1) = %v", err)
	}
	if got := getCert(t, s, "o1"); got.Status != store.CertSuperseded || got.SupersededBy != "o2" {
		t.Errorf("o1 after renewal: status %q superseded by %q", got.Status, got.SupersededBy)
	}
}

// testActivateErrors: each failing activation leaves every record as it was.
func testActivateErrors(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name      string
		id        string
		supersede string
		serial    string
		want      error
	}{
		{"missing certificate", "nope", "", "", store.ErrNotFound},
		{"already active", "c-active", "", "", store.ErrConflict},
		{"failed", "c-failed", "", "", store.ErrConflict},
		{"revoked", "c-revoked", "", "", store.ErrConflict},
		{"supersede missing", "c-pending", "nope", "", store.ErrNotFound},
		{"supersede itself", "c-pending", "c-pending", "", store.ErrConflict},
		{"supersede pending", "c-pending", "c-pending2", "", store.ErrConflict},
		{"supersede superseded", "c-pending", "c-superseded", "", store.ErrConflict},
		{"supersede revoked", "c-pending", "c-revoked", "", store.ErrConflict},
		{"supersede other credential", "c-pending", "c-other", "", store.ErrConflict},
		{"supersede infrastructure", "c-pending", "c-infra", "", store.ErrConflict},
		{"duplicate serial", "c-pending", "c-active", newCert("c-other", "", "", "").Serial, store.ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := open(t)
			mustIssuer(t, s, "i1")
			mustCredential(t, s, "cr1", newCert("c-active", "i1", "", store.CertActive))
			mustCredential(t, s, "cr2", newCert("c-other", "i1", "", store.CertActive))
			for _, c := range []*store.Certificate{
				newCert("c-pending", "i1", "cr1", store.CertPending),
				newCert("c-pending2", "i1", "cr1", store.CertPending),
				newCert("c-failed", "i1", "cr1", store.CertFailed),
				newCert("c-revoked", "i1", "cr1", store.CertRevoked),
				newCert("c-infra", "i1", "", store.CertActive),
				func() *store.Certificate {
					c := newCert("c-superseded", "i1", "cr1", store.CertSuperseded)
					c.SupersededBy = "c-active"
					return c
				}(),
			} {
				mustCert(t, s, c)
			}
			for _, cr := range []string{"cr1", "cr2"} {
				if err := s.UpdateCredential(ctxOf(t), func() *store.Credential {
					c := newCredential(cr)
					c.CurrentCertID = map[string]string{"cr1": "c-active", "cr2": "c-other"}[cr]
					return c
				}()); err != nil {
					t.Fatalf("UpdateCredential(%q) = %v", cr, err)
				}
			}
			before := snap(t, s, "cr1", "cr2")

			c := newCert(tt.id, "i1", "cr1", store.CertPending)
			c.CertPEM = "signed"
			if tt.serial != "" {
				c.Serial = tt.serial
			}
			err := s.ActivateCertificate(ctxOf(t), c, tt.supersede)
			wantErr(t, fmt.Sprintf("ActivateCertificate(%q, %q)", tt.id, tt.supersede), err, tt.want)
			if c.Status != store.CertPending {
				t.Errorf("failed ActivateCertificate set c.Status = %q", c.Status)
			}
			same(t, "records after failed ActivateCertificate", snap(t, s, "cr1", "cr2"), before)
		})
	}
}

func testFail(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		from store.CertStatus // "" means the certificate does not exist
		want error
	}{
		{"pending", store.CertPending, nil},
		{"failed", store.CertFailed, store.ErrConflict},
		{"active", store.CertActive, store.ErrConflict},
		{"revoked", store.CertRevoked, store.ErrConflict},
		{"missing", "", store.ErrNotFound},
	}
	s := open(t)
	mustIssuer(t, s, "i1")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "c-" + tt.name
			if tt.from != "" {
				mustCert(t, s, newCert(id, "i1", "", tt.from))
			}
			err := s.FailCertificate(ctxOf(t), id)
			wantErr(t, fmt.Sprintf("FailCertificate(%q)", id), err, tt.want)
			if tt.from == "" {
				return
			}
			wantStatus := tt.from
			if tt.want == nil {
				wantStatus = store.CertFailed
			}
			if got := getCert(t, s, id).Status; got != wantStatus {
				t.Errorf("status after FailCertificate = %q, want %q", got, wantStatus)
			}
		})
	}
}

func testRevoke(t *testing.T, open func(t *testing.T) store.Store) {
	at := time.Date(2026, 6, 1, 9, 30, 0, 42, ict)
	earlier := t0.Add(day)
	tests := []struct {
		name string
		from store.CertStatus // "" means the certificate does not exist
		want error
	}{
		{"active", store.CertActive, nil},
		{"superseded", store.CertSuperseded, nil},
		{"revoked", store.CertRevoked, store.ErrConflict},
		{"pending", store.CertPending, store.ErrConflict},
		{"failed", store.CertFailed, store.ErrConflict},
		{"missing", "", store.ErrNotFound},
	}
	s := open(t)
	mustIssuer(t, s, "i1")
	mustCert(t, s, newCert("successor", "i1", "", store.CertActive))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := "c-" + tt.name
			var want *store.Certificate
			if tt.from != "" {
				c := newCert(id, "i1", "", tt.from)
				switch tt.from {
				case store.CertSuperseded:
					c.SupersededBy = "successor"
				case store.CertRevoked:
					c.RevokedAt, c.RevocationReason = &earlier, 4
				}
				mustCert(t, s, c)
				want = c
			}
			err := s.RevokeCertificate(ctxOf(t), id, at, 1)
			wantErr(t, fmt.Sprintf("RevokeCertificate(%q)", id), err, tt.want)
			if want == nil {
				return
			}
			if tt.want == nil {
				w := *want
				w.Status = store.CertRevoked
				atUTC := at.UTC()
				w.RevokedAt, w.RevocationReason = &atUTC, 1
				want = &w
			}
			same(t, "GetCertificate after RevokeCertificate", getCert(t, s, id), want)
		})
	}
}

func testListRevoked(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	now := t0.Add(100 * day)
	mustIssuer(t, s, "i1")
	mustIssuer(t, s, "i2")
	revoked := func(id, issuer string, notAfter time.Time) {
		c := newCert(id, issuer, "", store.CertActive)
		c.NotAfter = notAfter
		mustCert(t, s, c)
		if err := s.RevokeCertificate(ctx, id, now.Add(-day), 1); err != nil {
			t.Fatalf("RevokeCertificate(%q) = %v", id, err)
		}
	}
	revoked("r-valid", "i1", now.Add(time.Hour))
	revoked("r-expired", "i1", now.Add(-time.Nanosecond))
	revoked("r-expires-now", "i1", now)
	revoked("r-other-issuer", "i2", now.Add(time.Hour))
	mustCert(t, s, newCert("active", "i1", "", store.CertActive))
	mustCert(t, s, func() *store.Certificate {
		c := newCert("superseded", "i1", "", store.CertSuperseded)
		c.SupersededBy = "active"
		return c
	}())

	tests := []struct {
		issuer string
		now    time.Time
		want   []string
	}{
		{"i1", now, []string{"r-expires-now", "r-valid"}},
		{"i1", now.Add(-time.Hour), []string{"r-expired", "r-expires-now", "r-valid"}},
		{"i1", now.Add(2 * time.Hour), nil},
		{"i2", now, []string{"r-other-issuer"}},
		{"nope", now, nil},
	}
	for _, tt := range tests {
		got, err := s.ListRevoked(ctx, tt.issuer, tt.now)
		if err != nil {
			t.Fatalf("ListRevoked(%q, %v) = %v", tt.issuer, tt.now, err)
		}
		if !slices.Equal(ids(got), tt.want) {
			t.Errorf("ListRevoked(%q, %v) = %q, want %q", tt.issuer, tt.now, ids(got), tt.want)
		}
		for _, c := range got {
			if c.RevokedAt == nil || c.RevocationReason != 1 {
				t.Errorf("ListRevoked(%q): %s has RevokedAt %v, reason %d", tt.issuer, c.ID, c.RevokedAt, c.RevocationReason)
			}
		}
	}
}

func testListFilter(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	mustIssuer(t, s, "i1")
	mustIssuer(t, s, "i2")
	mustCredential(t, s, "cr1", nil)
	mustCredential(t, s, "cr2", nil)
	add := func(id, issuer, cred string, status store.CertStatus, notAfter time.Time) {
		c := newCert(id, issuer, cred, status)
		c.NotAfter = notAfter
		mustCert(t, s, c)
	}
	add("a", "i1", "cr1", store.CertActive, t0.Add(10*day))
	add("b", "i1", "cr1", store.CertActive, t0.Add(20*day))
	add("c", "i1", "cr2", store.CertActive, t0.Add(30*day))
	add("d", "i2", "cr2", store.CertFailed, t0.Add(10*day))
	add("e", "i2", "", store.CertActive, t0.Add(5*day))
	add("f", "i1", "cr2", store.CertPending, time.Time{}) // validity not known yet
	tsa := newCert("g", "i1", "", store.CertActive)
	tsa.Profile = "tsa"
	mustCert(t, s, tsa)

	tests := []struct {
		name string
		f    store.CertFilter
		want []string
	}{
		{"all", store.CertFilter{}, []string{"a", "b", "c", "d", "e", "f", "g"}},
		{"status", store.CertFilter{Status: store.CertActive}, []string{"a", "b", "c", "e", "g"}},
		{"profile", store.CertFilter{Profile: "tsa"}, []string{"g"}},
		{"profile and status", store.CertFilter{Profile: "citizen", Status: store.CertActive}, []string{"a", "b", "c", "e"}},
		{"issuer", store.CertFilter{IssuerID: "i2"}, []string{"d", "e"}},
		{"credential", store.CertFilter{CredentialID: "cr2"}, []string{"c", "d", "f"}},
		{"expiring until inclusive", store.CertFilter{ExpiringUntil: t0.Add(20 * day)}, []string{"a", "b", "d", "e"}},
		{"expiring until before all", store.CertFilter{ExpiringUntil: t0}, nil},
		{"expiring and active", store.CertFilter{Status: store.CertActive, ExpiringUntil: t0.Add(10 * day)}, []string{"a", "e"}},
		{"issuer credential status", store.CertFilter{IssuerID: "i1", CredentialID: "cr2", Status: store.CertActive}, []string{"c"}},
		{"after", store.CertFilter{After: "b"}, []string{"c", "d", "e", "f", "g"}},
		{"after with filter", store.CertFilter{After: "a", CredentialID: "cr1"}, []string{"b"}},
		{"after last", store.CertFilter{After: "g"}, nil},
		{"limit", store.CertFilter{Limit: 2}, []string{"a", "b"}},
		{"limit after", store.CertFilter{Limit: 2, After: "b"}, []string{"c", "d"}},
		{"negative limit means default", store.CertFilter{Limit: -1}, []string{"a", "b", "c", "d", "e", "f", "g"}},
		{"no match", store.CertFilter{Status: store.CertRevoked}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.ListCertificates(ctxOf(t), tt.f)
			if err != nil {
				t.Fatalf("ListCertificates(%+v) = %v", tt.f, err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("ListCertificates(%+v) = %q, want %q", tt.f, ids(got), tt.want)
			}
		})
	}
}

func testListPagination(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	mustIssuer(t, s, "i1")
	const n = 1050
	want := make([]string, n)
	for i := range n {
		// Inserted out of order; IDs sort as text.
		id := fmt.Sprintf("cert-%05d", (i*7919)%n)
		want[(i*7919)%n] = id
		c := newCert(id, "i1", "", store.CertActive)
		if err := s.CreateCertificate(ctx, c); err != nil {
			t.Fatalf("CreateCertificate(%q) = %v", id, err)
		}
	}

	page, err := s.ListCertificates(ctx, store.CertFilter{})
	if err != nil {
		t.Fatalf("ListCertificates({}) = %v", err)
	}
	if len(page) != store.DefaultListLimit || !slices.Equal(ids(page), want[:store.DefaultListLimit]) {
		t.Errorf("ListCertificates({}) returned %d certificates %q..., want the first %d", len(page), ids(page)[:1], store.DefaultListLimit)
	}
	page, err = s.ListCertificates(ctx, store.CertFilter{Limit: 5000})
	if err != nil {
		t.Fatalf("ListCertificates(Limit 5000) = %v", err)
	}
	if len(page) != store.MaxListLimit {
		t.Errorf("ListCertificates(Limit 5000) returned %d certificates, want %d", len(page), store.MaxListLimit)
	}

	for _, size := range []int{1, 100, 333, 1000} {
		var got []string
		f := store.CertFilter{Limit: size}
		for pages := 0; ; pages++ {
			if pages > n {
				t.Fatalf("page size %d: pagination does not end", size)
			}
			page, err := s.ListCertificates(ctx, f)
			if err != nil {
				t.Fatalf("ListCertificates(%+v) = %v", f, err)
			}
			if len(page) > size {
				t.Fatalf("ListCertificates(%+v) returned %d certificates", f, len(page))
			}
			got = append(got, ids(page)...)
			if len(page) < size {
				break
			}
			f.After = page[len(page)-1].ID
		}
		if !slices.Equal(got, want) {
			t.Errorf("page size %d: paged through %d certificates, want %d in ID order", size, len(got), n)
		}
	}
}

// testListByteOrder: IDs are ordered as bytes (Go's string order), not by a
// locale's collation, which would put "B" after "a" and may ignore
// punctuation.
func testListByteOrder(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	mustIssuer(t, s, "i1")
	want := []string{"a", "ab", "a-c", "Z9", "a_b", "B", "á", "a b", "A"}
	for _, id := range want {
		mustCert(t, s, newCert(id, "i1", "", store.CertActive))
	}
	slices.Sort(want)
	got := ids(allCerts(t, s, store.CertFilter{}))
	if !slices.Equal(got, want) {
		t.Errorf("ListCertificates order = %q, want %q", got, want)
	}
	var paged []string
	f := store.CertFilter{Limit: 2}
	for range len(want) {
		page, err := s.ListCertificates(ctxOf(t), f)
		if err != nil {
			t.Fatalf("ListCertificates(%+v) = %v", f, err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, ids(page)...)
		f.After = page[len(page)-1].ID
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged ListCertificates order = %q, want %q", paged, want)
	}
}

func testCRL(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	mustIssuer(t, s, "i1")
	mustIssuer(t, s, "i2")

	_, err := s.LatestCRL(ctx, "i1")
	wantErr(t, "LatestCRL(i1) before any", err, store.ErrNotFound)

	crl := func(issuer string, n int64) *store.CRL {
		return &store.CRL{
			IssuerID: issuer, Number: n,
			ThisUpdate: t0.Add(time.Duration(n) * time.Hour),
			NextUpdate: t0.Add(time.Duration(n)*time.Hour + 24*time.Hour),
			DER:        []byte{0x30, 0x82, byte(n), 0x00},
		}
	}
	steps := []struct {
		name   string
		save   *store.CRL
		want   error
		latest int64 // Number LatestCRL(save.IssuerID) returns afterwards
	}{
		{"first", crl("i1", 1), nil, 1},
		{"same number", crl("i1", 1), store.ErrConflict, 1},
		{"lower number", crl("i1", 0), store.ErrConflict, 1},
		{"next", crl("i1", 2), nil, 2},
		{"jump", crl("i1", 10), nil, 10},
		{"back again", crl("i1", 9), store.ErrConflict, 10},
		{"other issuer independent", crl("i2", 1), nil, 1},
	}
	for _, st := range steps {
		err := s.SaveCRL(ctx, st.save)
		wantErr(t, fmt.Sprintf("SaveCRL(%s %d) [%s]", st.save.IssuerID, st.save.Number, st.name), err, st.want)
		got, err := s.LatestCRL(ctx, st.save.IssuerID)
		if err != nil {
			t.Fatalf("LatestCRL(%q) [%s] = %v", st.save.IssuerID, st.name, err)
		}
		same(t, fmt.Sprintf("LatestCRL(%q) [%s]", st.save.IssuerID, st.name), got, crl(st.save.IssuerID, st.latest))
	}
	err = s.SaveCRL(ctx, crl("nope", 1))
	wantErr(t, "SaveCRL(unknown issuer)", err, store.ErrNotFound)
}

func testAdminTokens(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	count := func(want int) {
		t.Helper()
		n, err := s.CountAdminTokens(ctx)
		if err != nil {
			t.Fatalf("CountAdminTokens() = %v", err)
		}
		if n != want {
			t.Errorf("CountAdminTokens() = %d, want %d", n, want)
		}
	}
	hash := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

	count(0)
	_, err := s.FindAdminToken(ctx, hash(1))
	wantErr(t, "FindAdminToken in empty store", err, store.ErrNotFound)

	a := &store.AdminToken{ID: "t1", Name: "bootstrap", Hash: hash(1), CreatedAt: t0}
	b := &store.AdminToken{ID: "t2", Name: "ops", Hash: hash(2), CreatedAt: t0.Add(time.Hour)}
	for _, tok := range []*store.AdminToken{a, b} {
		if err := s.CreateAdminToken(ctx, tok); err != nil {
			t.Fatalf("CreateAdminToken(%q) = %v", tok.ID, err)
		}
	}
	count(2)
	for _, want := range []*store.AdminToken{a, b} {
		got, err := s.FindAdminToken(ctx, want.Hash)
		if err != nil {
			t.Fatalf("FindAdminToken(%x) = %v", want.Hash, err)
		}
		same(t, fmt.Sprintf("FindAdminToken(%x)", want.Hash), got, want)
	}

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"find unknown hash", func() error { _, err := s.FindAdminToken(ctx, hash(3)); return err }, store.ErrNotFound},
		{"find hash prefix", func() error { _, err := s.FindAdminToken(ctx, hash(1)[:31]); return err }, store.ErrNotFound},
		{"duplicate hash", func() error {
			return s.CreateAdminToken(ctx, &store.AdminToken{ID: "t3", Name: "x", Hash: hash(1)})
		}, store.ErrConflict},
		{"duplicate ID", func() error {
			return s.CreateAdminToken(ctx, &store.AdminToken{ID: "t1", Name: "x", Hash: hash(4)})
		}, store.ErrConflict},
	}
	for _, tt := range tests {
		wantErr(t, tt.name, tt.call(), tt.want)
	}
	count(2)

	c := &store.AdminToken{ID: "t5", Name: "now", Hash: hash(5)}
	if err := s.CreateAdminToken(ctx, c); err != nil {
		t.Fatalf("CreateAdminToken(t5) = %v", err)
	}
	if c.CreatedAt.IsZero() {
		t.Errorf("CreateAdminToken left CreatedAt zero")
	}
	count(3)
}

// testConcurrentWriters: several goroutines insert at once; every insert
// succeeds (the store waits for its lock rather than failing) and none is
// lost.
func testConcurrentWriters(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	mustIssuer(t, s, "i1")
	const writers, each = 8, 50
	ctx := ctxOf(t)
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("w%d-%03d", w, i)
				var err error
				if i%2 == 0 {
					err = s.CreateCertificate(ctx, newCert(id, "i1", "", store.CertPending))
				} else {
					err = s.CreateCredential(ctx, newCredential(id), newCert(id, "i1", "", store.CertPending))
				}
				if err != nil {
					errs <- fmt.Errorf("writer %d insert %d: %w", w, i, err)
					return
				}
				if _, err := s.GetCertificate(ctx, id); err != nil {
					errs <- fmt.Errorf("writer %d read back %d: %w", w, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := len(allCerts(t, s, store.CertFilter{})); got != writers*each {
		t.Errorf("stored %d certificates, want %d", got, writers*each)
	}
}

// testConcurrentTransitions: of several concurrent calls moving the same
// certificate out of a state, exactly one wins; the others get ErrConflict.
func testConcurrentTransitions(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	mustIssuer(t, s, "i1")
	mustCredential(t, s, "cr1", newCert("c1", "i1", "", store.CertActive))
	mustCert(t, s, newCert("c2", "i1", "cr1", store.CertPending))

	const n = 8
	race := func(name string, call func(i int) error) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { errs[i] = call(i) })
		}
		wg.Wait()
		wins := 0
		for i, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrConflict):
				t.Errorf("%s #%d = %v, want nil or ErrConflict", name, i, err)
			}
		}
		if wins != 1 {
			t.Errorf("%s: %d calls succeeded, want exactly 1", name, wins)
		}
	}
	race("ActivateCertificate(c2, c1)", func(i int) error {
		c := newCert("c2", "i1", "cr1", store.CertPending)
		c.CertPEM = fmt.Sprintf("signed-%d", i)
		return s.ActivateCertificate(ctx, c, "c1")
	})
	race("RevokeCertificate(c2)", func(i int) error {
		return s.RevokeCertificate(ctx, "c2", t0.Add(time.Duration(i)*time.Second), i)
	})
	if got := getCert(t, s, "c1"); got.Status != store.CertSuperseded || got.SupersededBy != "c2" {
		t.Errorf("c1 = %s/%q, want superseded by c2", got.Status, got.SupersededBy)
	}
	if got := getCredential(t, s, "cr1").CurrentCertID; got != "c2" {
		t.Errorf("current certificate = %q, want c2", got)
	}
}

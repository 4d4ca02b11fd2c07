package audit_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/store/storetest"
)

// TestNoSecretsInLog runs the flows that produce audit events — an admin
// token, a client registered and authenticating, a PIN set, a client
// locked out by wrong factors, the credential unlocked, then signatures —
// records every kind of event the way the API does, and scans every byte
// of the log for the secrets the test handled.
func TestNoSecretsInLog(t *testing.T) {
	db := storetest.OpenSQLite(t)
	s, ctx := db.Store, t.Context()
	log := audit.New(db.Store)
	rec := func(e audit.Event) {
		t.Helper()
		if err := log.Record(ctx, e); err != nil {
			t.Fatalf("Record(%s) = %v", e.Action, err)
		}
	}
	const (
		pin = "739164205813"
		org = "Sở Tư pháp Hà Nội"
	)

	adminTok, err := auth.NewAdmins(s).Create(ctx, "ops")
	if err != nil {
		t.Fatal(err)
	}
	adm, err := s.FindAdminToken(ctx, auth.Hash(adminTok))
	if err != nil {
		t.Fatal(err)
	}

	clients := auth.NewClients(s)
	key, cl, err := clients.Create(ctx, "Hệ thống QLVB", []string{org})
	if err != nil {
		t.Fatal(err)
	}
	rec(audit.Event{Actor: adm.ID, Action: audit.ActionClientCreate, Target: cl.ID,
		Details: map[string]any{"name": cl.Name, "organizations": cl.Organizations}})
	if _, err := clients.Authenticate(ctx, key+"x"); err != nil {
		rec(audit.Event{Actor: "anonymous", Action: audit.ActionAuthFailure,
			Details: map[string]any{"kind": "client", "remote_addr": "203.0.113.7", "reason": err.Error()}})
	}
	if _, err := clients.Authenticate(ctx, key); err != nil {
		t.Fatal(err)
	}

	cred := &store.Credential{ID: "cred_1", Profile: "citizen", SubjectJSON: `{"organization":"` + org + `"}`,
		KeyName: "kyso-cred-1", KeyType: "rsa-3072", Status: store.CredentialActive}
	if err := s.CreateCredential(ctx, cred, nil); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{audit.ActionCertIssue, audit.ActionCertRotate, audit.ActionCertRenew, audit.ActionCertRevoke} {
		rec(audit.Event{Actor: adm.ID, Action: a, Target: cred.ID,
			Details: map[string]any{"serial": "5f3a0c", "profile": "citizen", "key_name": cred.KeyName, "key_version": 1}})
	}
	for _, a := range []string{audit.ActionCARotate, audit.ActionCAExternalInit, audit.ActionCAImportChain, audit.ActionCAExternalCancel} {
		rec(audit.Event{Actor: adm.ID, Action: a, Target: "issuing-2", Details: map[string]any{"key_name": "kyso-issuing-2"}})
	}

	pins := auth.NewPINs(s)
	if err := pins.SetPIN(ctx, cred.ID, pin); err != nil {
		t.Fatal(err)
	}
	evidence := map[string]any{"method": "cccd_chip", "reference": "HS-2026-000123", "officer": "Nguyễn Thị Lan"}
	rec(audit.Event{Actor: adm.ID, Action: audit.ActionPINSet, Target: cred.ID, Details: map[string]any{"evidence": evidence}})
	pinHash, err := s.GetCredentialPIN(ctx, cred.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Wrong PINs or codes from a client, the last one locking it out, as
	// app.Remote records them.
	for i := 1; i <= auth.MaxFactorFailures; i++ {
		rec(audit.Event{Actor: cl.ID, Action: audit.ActionConsentFailure, Target: cred.ID,
			Details: map[string]any{"client": cl.ID, "mode": "explicit", "locked": i == auth.MaxFactorFailures}})
	}
	// The records of kyso before SCAL 2, which logs it wrote still hold.
	rec(audit.Event{Actor: cl.ID, Action: audit.ActionPINFailure, Target: cred.ID, Details: map[string]any{"failures": 5}})
	rec(audit.Event{Actor: cl.ID, Action: audit.ActionPINLocked, Target: cred.ID, Details: map[string]any{"failures": 5}})
	if err := pins.Unlock(ctx, cred.ID); err != nil {
		t.Fatal(err)
	}
	rec(audit.Event{Actor: adm.ID, Action: audit.ActionCredentialUnlock, Target: cred.ID, Details: map[string]any{"evidence": evidence}})
	if !auth.MayUse(cl, org) {
		t.Fatal("MayUse = false")
	}
	doc := sha256.Sum256([]byte("%PDF-1.7 giấy phép xây dựng"))
	for _, a := range []string{audit.ActionSignPDF, audit.ActionSignCMS, audit.ActionSignHash, audit.ActionSignXML} {
		e, err := audit.SignEvent(audit.Signing{Action: a, Client: cl.ID, Credential: cred.ID,
			Certificate: "5f3a0c", DocumentSHA256: doc[:], Level: "B-T"})
		if err != nil {
			t.Fatal(err)
		}
		rec(e)
	}
	// A careless caller is stopped.
	if err := log.Record(ctx, audit.Event{Actor: cl.ID, Action: audit.ActionSignPDF, Target: cred.ID,
		Details: map[string]any{"pin": pin}}); !errors.Is(err, audit.ErrInvalidEvent) {
		t.Fatalf("Record(details with a PIN) = %v, want ErrInvalidEvent", err)
	}

	rep, err := log.Verify(ctx)
	if err != nil || !rep.OK {
		t.Fatalf("Verify() = %+v, %v", rep, err)
	}

	// Every byte of the log, as stored.
	var dump bytes.Buffer
	rows, err := db.SQL.QueryContext(ctx, `SELECT seq, at, actor, action, target, details, prev_hash, hash FROM audit_log`)
	if err != nil {
		t.Fatal(err)
	}
	actions := map[string]bool{}
	for rows.Next() {
		var seq int64
		var at, actor, action, target, details string
		var prev, hash []byte
		if err := rows.Scan(&seq, &at, &actor, &action, &target, &details, &prev, &hash); err != nil {
			t.Fatal(err)
		}
		actions[action] = true
		dump.WriteString(strings.Join([]string{at, actor, action, target, details}, "\x00"))
		dump.Write(prev)
		dump.Write(hash)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	for _, a := range []string{audit.ActionCertIssue, audit.ActionCertRotate, audit.ActionCertRenew, audit.ActionCertRevoke,
		audit.ActionCARotate, audit.ActionCAExternalInit, audit.ActionCAImportChain, audit.ActionCAExternalCancel, audit.ActionSignPDF,
		audit.ActionSignCMS, audit.ActionSignHash, audit.ActionSignXML, audit.ActionAuthFailure, audit.ActionPINSet,
		audit.ActionConsentFailure, audit.ActionPINFailure, audit.ActionPINLocked, audit.ActionCredentialUnlock,
		audit.ActionClientCreate} {
		if !actions[a] {
			t.Errorf("the log has no %s event; the scan should cover every kind", a)
		}
	}

	secrets := map[string][]byte{"PIN": []byte(pin), "PIN hash": []byte(pinHash)}
	for _, part := range strings.Split(pinHash, "$")[4:] {
		secrets["PIN hash part "+part] = []byte(part)
	}
	for name, tok := range map[string]string{"client key": key, "admin token": adminTok} {
		_, body, _ := strings.Cut(tok, "_cli_")
		if body == "" {
			_, body, _ = strings.Cut(tok, "_adm_")
		}
		h := auth.Hash(tok)
		secrets[name] = []byte(tok)
		secrets[name+" body"] = []byte(body)
		secrets[name+" hash"] = h
		secrets[name+" hash hex"] = []byte(hex.EncodeToString(h))
		secrets[name+" hash base64"] = []byte(base64.StdEncoding.EncodeToString(h))
		secrets[name+" hash base64url"] = []byte(base64.RawURLEncoding.EncodeToString(h))
	}
	for name, secret := range secrets {
		if len(secret) < 8 {
			t.Fatalf("secret %s is too short to scan for", name)
		}
		if bytes.Contains(dump.Bytes(), secret) {
			t.Errorf("the audit log contains the %s", name)
		}
	}
	if !bytes.Contains(dump.Bytes(), []byte(hex.EncodeToString(doc[:]))) {
		t.Error("the log lacks the document's SHA-256: is the scan reading the log?")
	}
}

package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/store/storetest"
)

// TestAuditVerify runs `kyso audit verify` on a dev data directory's
// database: it passes, then fails naming the record changed behind kyso's
// back.
func TestAuditVerify(t *testing.T) {
	ctx := t.Context()
	db := storetest.OpenSQLite(t) // DIR/kyso.db, as kyso dev lays it out
	dir := filepath.Dir(db.Path)
	l := audit.New(db.Store)
	for i := range 12 {
		err := l.Record(ctx, audit.Event{Actor: "adm_test", Action: audit.ActionCertRevoke,
			Target: fmt.Sprintf("cert-%d", i), Details: map[string]any{"reason": "keyCompromise"}})
		if err != nil {
			t.Fatal(err)
		}
	}

	var out bytes.Buffer
	if err := run(ctx, &out, []string{"audit", "verify", "--data", dir}); err != nil {
		t.Fatalf("kyso audit verify = %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "audit log OK: 12 records") || !strings.Contains(out.String(), "last seq 12") {
		t.Errorf("kyso audit verify printed:\n%s\nwant OK with 12 records", out.String())
	}

	out.Reset()
	if err := run(ctx, &out, []string{"audit", "verify", "--data", dir, "--json"}); err != nil {
		t.Fatalf("kyso audit verify --json = %v", err)
	}
	var rep audit.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || !rep.OK || rep.Records != 12 || len(rep.Head) != 32 {
		t.Errorf("kyso audit verify --json = %s (%v), want an OK report of 12 records", out.String(), err)
	}

	db.TamperAudit(t, `UPDATE audit_log SET details = $1 WHERE seq = $2`, `{"reason":"superseded"}`, 7)
	out.Reset()
	err := run(ctx, &out, []string{"audit", "verify", "--data", dir})
	if err == nil || !strings.Contains(err.Error(), "seq 7") {
		t.Errorf("kyso audit verify after a record was changed = %v, want an error naming seq 7", err)
	}
	if !strings.Contains(out.String(), "BROKEN at seq 7") {
		t.Errorf("kyso audit verify printed:\n%s\nwant BROKEN at seq 7", out.String())
	}

	// The same database through a config file.
	cfg := filepath.Join(t.TempDir(), "kyso.json")
	if err := os.WriteFile(cfg, fmt.Appendf(nil, `{"database": {"driver": "sqlite", "path": %q}}`, db.Path), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run(ctx, &bytes.Buffer{}, []string{"audit", "verify", "--config", cfg}); err == nil || !strings.Contains(err.Error(), "seq 7") {
		t.Errorf("kyso audit verify --config = %v, want an error naming seq 7", err)
	}
}

func TestAuditVerifyUsage(t *testing.T) {
	empty := t.TempDir()
	for _, args := range [][]string{
		{"audit"},
		{"audit", "check"},
		{"audit", "verify", "--data", empty}, // no database there: not created
		{"audit", "verify", "--data", empty, "--config", "kyso.json"},
		{"audit", "verify", "extra"},
	} {
		if err := run(t.Context(), &bytes.Buffer{}, args); err == nil {
			t.Errorf("kyso %s succeeded, want an error", strings.Join(args, " "))
		}
	}
	if _, err := os.Stat(filepath.Join(empty, "kyso.db")); err == nil {
		t.Error("kyso audit verify created a database")
	}
}

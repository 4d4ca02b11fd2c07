package store_test

import (
	"crypto/sha256"
	"testing"

	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/store/storetest"
)

// TestAuditAppendOnly: the database refuses to change or remove audit
// records, whoever asks through SQL, until its triggers are removed.
func TestAuditAppendOnly(t *testing.T) {
	for _, b := range []struct {
		name string
		open func(*testing.T) *storetest.DB
	}{{"sqlite", storetest.OpenSQLite}, {"postgres", storetest.OpenPostgres}} {
		t.Run(b.name, func(t *testing.T) {
			db := b.open(t)
			ctx := t.Context()
			chain := func(prev []byte, r *store.AuditRecord) []byte {
				h := sha256.New()
				h.Write(prev)
				h.Write([]byte(r.Details))
				return h.Sum(nil)
			}
			for range 2 {
				if err := db.Store.AppendAudit(ctx, &store.AuditRecord{Actor: "a", Action: "x.y", Details: "{}"}, chain); err != nil {
					t.Fatalf("AppendAudit = %v", err)
				}
			}
			stmts := []string{
				`UPDATE audit_log SET details = '{"x":1}' WHERE seq = 1`,
				`DELETE FROM audit_log WHERE seq = 2`,
				`DELETE FROM audit_log`,
			}
			if db.Dialect == "postgres" {
				stmts = append(stmts, `TRUNCATE audit_log`)
			}
			for _, q := range stmts {
				if _, err := db.SQL.ExecContext(ctx, q); err == nil {
					t.Errorf("%s succeeded, want it refused", q)
				}
			}
			recs, err := db.Store.ListAudit(ctx, 0, 10)
			if err != nil || len(recs) != 2 || recs[0].Details != "{}" {
				t.Fatalf("ListAudit after refused changes = %v, %v; want both records unchanged", recs, err)
			}

			db.TamperAudit(t, `DELETE FROM audit_log WHERE seq = $1`, 2)
			if recs, _ := db.Store.ListAudit(ctx, 0, 10); len(recs) != 1 {
				t.Errorf("after TamperAudit DELETE: %d records, want 1", len(recs))
			}
			// The triggers are back.
			if _, err := db.SQL.ExecContext(ctx, stmts[0]); err == nil {
				t.Errorf("UPDATE after TamperAudit succeeded, want the trigger back")
			}
		})
	}
}

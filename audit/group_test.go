package audit_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/store"
)

// heldStore is a real store whose first AppendAudit waits for release, so
// that a test can queue records behind an append in progress.
type heldStore struct {
	store.Store
	release chan struct{}
	once    sync.Once

	mu     sync.Mutex
	groups []int // records per AppendAudits call
}

func (s *heldStore) AppendAudit(ctx context.Context, rec *store.AuditRecord, chain func([]byte, *store.AuditRecord) []byte) error {
	s.once.Do(func() { <-s.release })
	return s.Store.AppendAudit(ctx, rec, chain)
}

func (s *heldStore) AppendAudits(ctx context.Context, recs []*store.AuditRecord, chain func([]byte, *store.AuditRecord) []byte) error {
	s.mu.Lock()
	s.groups = append(s.groups, len(recs))
	s.mu.Unlock()
	return s.Store.AppendAudits(ctx, recs, chain)
}

// TestGroupCommit: records made while an append is at the store are
// committed together in one transaction once it finishes, every caller
// returns after its own record is in, and the chain stays valid.
func TestGroupCommit(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db := b.open(t)
			hs := &heldStore{Store: db.Store, release: make(chan struct{})}
			l := audit.New(hs)
			const n = 9
			errs := make(chan error, n+1)
			var wg sync.WaitGroup
			for i := range n + 1 {
				wg.Go(func() {
					errs <- l.Record(t.Context(), audit.Event{Actor: "client", Action: audit.ActionSignPDF, Target: fmt.Sprint(i)})
				})
			}
			// Whichever record came first holds the store; wait until the
			// others have queued behind it.
			for audit.Queued(l) < n {
				runtime.Gosched()
			}
			close(hs.release)
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Errorf("Record = %v", err)
				}
			}
			hs.mu.Lock()
			groups := hs.groups
			hs.mu.Unlock()
			if len(groups) != 1 || groups[0] != n {
				t.Errorf("AppendAudits calls = %v, want one of %d records", groups, n)
			}
			if rep := verify(t, l); !rep.OK || rep.Records != n+1 {
				t.Errorf("Verify() = %+v, want OK with %d records", rep, n+1)
			}
		})
	}
}

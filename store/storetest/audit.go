package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/store"
)

// testChain is a chain function for the suite: the store only links
// records, whatever the hash format.
func testChain(prev []byte, r *store.AuditRecord) []byte {
	h := sha256.New()
	h.Write(prev)
	binary.Write(h, binary.BigEndian, r.Seq)
	fmt.Fprintf(h, "|%s|%s|%s|%s|%s", r.At.Format(time.RFC3339Nano), r.Actor, r.Action, r.Target, r.Details)
	return h.Sum(nil)
}

// allAudit reads the whole log, page by page.
func allAudit(t *testing.T, s store.Store, page int) []*store.AuditRecord {
	t.Helper()
	var out []*store.AuditRecord
	var after int64
	for {
		recs, err := s.ListAudit(ctxOf(t), after, page)
		if err != nil {
			t.Fatalf("ListAudit(%d, %d) = %v", after, page, err)
		}
		out = append(out, recs...)
		if len(recs) < page {
			return out
		}
		after = recs[len(recs)-1].Seq
	}
}

// checkChain checks that recs are seq 1..n, each linked to the one before
// and hashed with testChain.
func checkChain(t *testing.T, recs []*store.AuditRecord, n int) {
	t.Helper()
	if len(recs) != n {
		t.Fatalf("audit log has %d records, want %d", len(recs), n)
	}
	var prev []byte
	for i, r := range recs {
		if r.Seq != int64(i+1) {
			t.Fatalf("record %d has seq %d, want %d", i, r.Seq, i+1)
		}
		if !bytes.Equal(r.PrevHash, prev) {
			t.Fatalf("record %d: PrevHash = %x, want %x", r.Seq, r.PrevHash, prev)
		}
		if want := testChain(prev, r); !bytes.Equal(r.Hash, want) {
			t.Fatalf("record %d: Hash = %x, want %x", r.Seq, r.Hash, want)
		}
		prev = r.Hash
	}
}

func testAudit(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	if recs, err := s.ListAudit(ctx, 0, 10); err != nil || len(recs) != 0 {
		t.Fatalf("ListAudit on an empty log = %v, %v; want none", recs, err)
	}

	var appended []*store.AuditRecord
	for i := range 7 {
		r := &store.AuditRecord{
			Actor:   "adm_1",
			Action:  "cert.issue",
			Target:  fmt.Sprintf("cert-%d", i),
			Details: fmt.Sprintf(`{"n":%d,"name":"Nguyễn Văn An"}`, i),
		}
		if i == 3 {
			r.At = t0.In(ict) // a given time is kept (in UTC)
		}
		var sawPrev []byte
		err := s.AppendAudit(ctx, r, func(prev []byte, rec *store.AuditRecord) []byte {
			sawPrev = prev
			return testChain(prev, rec)
		})
		if err != nil {
			t.Fatalf("AppendAudit #%d = %v", i, err)
		}
		if r.Seq != int64(i+1) {
			t.Errorf("AppendAudit #%d set Seq %d, want %d", i, r.Seq, i+1)
		}
		if i == 0 && len(r.PrevHash) != 0 {
			t.Errorf("first record's PrevHash = %x, want empty", r.PrevHash)
		}
		if i > 0 && !bytes.Equal(r.PrevHash, appended[i-1].Hash) {
			t.Errorf("record %d PrevHash = %x, want %x", r.Seq, r.PrevHash, appended[i-1].Hash)
		}
		if !bytes.Equal(sawPrev, r.PrevHash) {
			t.Errorf("chain got prev %x, record has %x", sawPrev, r.PrevHash)
		}
		if r.At.IsZero() || r.At.Location() != time.UTC {
			t.Errorf("record %d At = %v, want set, in UTC", r.Seq, r.At)
		}
		if i == 3 && !r.At.Equal(t0) {
			t.Errorf("record %d At = %v, want %v", r.Seq, r.At, t0)
		}
		appended = append(appended, r)
	}

	recs := allAudit(t, s, 3) // pages of 3, 3, 1
	checkChain(t, recs, 7)
	same(t, "ListAudit", recs, appended)

	tail, err := s.ListAudit(ctx, 5, 0)
	if err != nil || len(tail) != 2 || tail[0].Seq != 6 {
		t.Errorf("ListAudit(5, 0) = %d records from %v, %v; want 6 and 7", len(tail), tail, err)
	}
	if none, err := s.ListAudit(ctx, 7, 10); err != nil || len(none) != 0 {
		t.Errorf("ListAudit(7, 10) = %v, %v; want none", none, err)
	}
}

func testAuditErrors(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	ok := &store.AuditRecord{Actor: "a", Action: "x.y", Details: "{}"}
	if err := s.AppendAudit(ctx, ok, testChain); err != nil {
		t.Fatalf("AppendAudit = %v", err)
	}
	for name, chain := range map[string]func([]byte, *store.AuditRecord) []byte{
		"nil chain":   nil,
		"empty hash":  func([]byte, *store.AuditRecord) []byte { return nil },
		"empty slice": func([]byte, *store.AuditRecord) []byte { return []byte{} },
	} {
		r := &store.AuditRecord{Actor: "a", Action: "x.y", Details: "{}"}
		if err := s.AppendAudit(ctx, r, chain); err == nil {
			t.Errorf("AppendAudit with %s succeeded, want an error", name)
		}
		if r.Seq != 0 || r.PrevHash != nil || r.Hash != nil || !r.At.IsZero() {
			t.Errorf("AppendAudit with %s changed the record: %+v", name, r)
		}
	}
	if err := s.AppendAudit(ctx, &store.AuditRecord{Actor: "a", Action: "x.y", Details: "{}"}, testChain); err != nil {
		t.Fatalf("AppendAudit after failures = %v", err)
	}
	checkChain(t, allAudit(t, s, 10), 2)
}

// testConcurrentAudit: appenders racing on one log produce one gap-free
// chain with every record in it.
func testConcurrentAudit(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				r := &store.AuditRecord{Actor: fmt.Sprintf("w%d", w), Action: "sign.pdf",
					Target: fmt.Sprintf("%d", i), Details: "{}"}
				if err := s.AppendAudit(ctx, r, testChain); err != nil {
					errs <- fmt.Errorf("writer %d append %d: %w", w, i, err)
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
	recs := allAudit(t, s, store.MaxListLimit)
	checkChain(t, recs, writers*each)
	seen := map[string]bool{}
	for _, r := range recs {
		seen[r.Actor+"/"+r.Target] = true
	}
	if len(seen) != writers*each {
		t.Errorf("%d distinct records in the log, want %d", len(seen), writers*each)
	}
}

// testAuditGroup: AppendAudits appends its records in order in one
// transaction, chained to what was there; when one of them fails, none is
// appended and none is changed.
func testAuditGroup(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	if err := s.AppendAudit(ctx, &store.AuditRecord{Actor: "a", Action: "x.first", Details: "{}"}, testChain); err != nil {
		t.Fatalf("AppendAudit = %v", err)
	}
	group := func(n int) []*store.AuditRecord {
		var recs []*store.AuditRecord
		for i := range n {
			recs = append(recs, &store.AuditRecord{Actor: "g", Action: "x.group", Target: fmt.Sprint(i), Details: "{}"})
		}
		return recs
	}
	recs := group(3)
	if err := s.AppendAudits(ctx, recs, testChain); err != nil {
		t.Fatalf("AppendAudits(3) = %v", err)
	}
	for i, r := range recs {
		if r.Seq != int64(i+2) || r.Target != fmt.Sprint(i) || len(r.Hash) == 0 {
			t.Errorf("AppendAudits record %d = seq %d target %q, want seq %d target %q with a hash", i, r.Seq, r.Target, i+2, fmt.Sprint(i))
		}
	}
	calls := 0
	failSecond := func(prev []byte, r *store.AuditRecord) []byte {
		if calls++; calls == 2 {
			return nil
		}
		return testChain(prev, r)
	}
	bad := group(3)
	if err := s.AppendAudits(ctx, bad, failSecond); err == nil {
		t.Error("AppendAudits with a failing second record succeeded, want an error")
	}
	for i, r := range bad {
		if r.Seq != 0 || r.Hash != nil || !r.At.IsZero() {
			t.Errorf("failed AppendAudits changed record %d: %+v", i, r)
		}
	}
	if err := s.AppendAudits(ctx, nil, testChain); err != nil {
		t.Errorf("AppendAudits(none) = %v", err)
	}
	checkChain(t, allAudit(t, s, 2), 4)
}

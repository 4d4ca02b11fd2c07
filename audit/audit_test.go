package audit_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/store/storetest"
)

var backends = []struct {
	name string
	open func(*testing.T) *storetest.DB
}{
	{"sqlite", storetest.OpenSQLite},
	{"postgres", storetest.OpenPostgres},
}

// TestHashKnownAnswers checks Hash against vectors computed by an
// independent implementation of the documented format
// (testdata/verify_v1.py).
func TestHashKnownAnswers(t *testing.T) {
	data, err := os.ReadFile("testdata/hash-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct {
		Prev, At, Actor, Action, Target, Details, Hash string
		Seq                                            int64
	}
	if err := json.Unmarshal(data, &vectors); err != nil {
		t.Fatal(err)
	}
	if len(vectors) == 0 {
		t.Fatal("no vectors")
	}
	for _, v := range vectors {
		prev, _ := hex.DecodeString(v.Prev)
		at, err := time.Parse(time.RFC3339Nano, v.At)
		if err != nil {
			t.Fatal(err)
		}
		rec := &store.AuditRecord{Seq: v.Seq, At: at.In(time.FixedZone("ICT", 7*3600)), Actor: v.Actor,
			Action: v.Action, Target: v.Target, Details: v.Details}
		if got := hex.EncodeToString(audit.Hash(prev, rec)); got != v.Hash {
			t.Errorf("Hash(seq %d) = %s, want %s", v.Seq, got, v.Hash)
		}
	}
}

// record appends n events.
func record(t *testing.T, l *audit.Log, n int) {
	t.Helper()
	for i := range n {
		e := audit.Event{Actor: "adm_test", Action: audit.ActionCertIssue, Target: fmt.Sprintf("cert-%03d", i),
			Details: map[string]any{"serial": fmt.Sprintf("%x", i*7919), "profile": "citizen", "n": i}}
		if err := l.Record(t.Context(), e); err != nil {
			t.Fatalf("Record #%d = %v", i, err)
		}
	}
}

func verify(t *testing.T, l *audit.Log) *audit.Report {
	t.Helper()
	rep, err := l.Verify(t.Context())
	if err != nil {
		t.Fatalf("Verify() = %v", err)
	}
	return rep
}

func wantBroken(t *testing.T, rep *audit.Report, records, seq int64, reason string) {
	t.Helper()
	if rep.OK || rep.FirstBroken != seq || rep.Records != records || !strings.Contains(rep.Reason, reason) {
		t.Errorf("Verify() = %+v; want broken at %d (%q), %d records", rep, seq, reason, records)
	}
}

func TestVerify(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db := b.open(t)
			l := audit.New(db.Store)
			if rep := verify(t, l); !rep.OK || rep.Records != 0 || rep.LastSeq != 0 || rep.Head != nil {
				t.Errorf("Verify() of an empty log = %+v, want OK with 0 records", rep)
			}

			const n = 100
			record(t, l, n)
			recs, err := db.Store.ListAudit(t.Context(), 0, store.MaxListLimit)
			if err != nil || len(recs) != n {
				t.Fatalf("ListAudit = %d records, %v", len(recs), err)
			}
			paged := audit.New(db.Store)
			audit.SetPageSize(paged, 7) // 100 = 14 pages of 7 and one of 2
			for _, l := range []*audit.Log{l, paged} {
				rep := verify(t, l)
				if !rep.OK || rep.Records != n || rep.FirstBroken != 0 || rep.Reason != "" ||
					rep.LastSeq != n || !bytes.Equal(rep.Head, recs[n-1].Hash) {
					t.Errorf("Verify() = %+v, want OK, %d records, head %x", rep, n, recs[n-1].Hash)
				}
			}

			// Each tampering below is earlier in the log than the one
			// before, so it becomes the first broken link.
			t.Log("an edited record fails its own hash")
			db.TamperAudit(t, `UPDATE audit_log SET details = $1 WHERE seq = $2`, `{"n":79,"profile":"official"}`, 80)
			wantBroken(t, verify(t, l), n, 80, "hash mismatch")
			wantBroken(t, verify(t, paged), n, 80, "hash mismatch")

			t.Log("a deleted record leaves a gap")
			db.TamperAudit(t, `DELETE FROM audit_log WHERE seq = $1`, 60)
			wantBroken(t, verify(t, l), n-1, 60, "record 60 is missing")
			wantBroken(t, verify(t, paged), n-1, 60, "record 60 is missing")

			t.Log("swapped records fail their links")
			db.TamperAudit(t, `UPDATE audit_log SET seq = 1000 WHERE seq = 30`)
			db.TamperAudit(t, `UPDATE audit_log SET seq = 30 WHERE seq = 31`)
			db.TamperAudit(t, `UPDATE audit_log SET seq = 31 WHERE seq = 1000`)
			wantBroken(t, verify(t, l), n-1, 30, "previous hash")

			t.Log("an edited time fails the hash")
			db.TamperAudit(t, `UPDATE audit_log SET at = $1 WHERE seq = $2`, "2020-01-01T00:00:00.000000000Z", 20)
			wantBroken(t, verify(t, l), n-1, 20, "hash mismatch")

			t.Log("a record edited and re-hashed breaks the next link")
			r := recs[9]
			r.Actor = "adm_someone_else"
			db.TamperAudit(t, `UPDATE audit_log SET actor = $1, hash = $2 WHERE seq = $3`,
				r.Actor, audit.Hash(r.PrevHash, r), r.Seq)
			wantBroken(t, verify(t, l), n-1, 11, "does not match record 10's hash")

			t.Log("a deleted first record is missing")
			db.TamperAudit(t, `DELETE FROM audit_log WHERE seq = 1`)
			wantBroken(t, verify(t, l), n-2, 1, "record 1 is missing")
		})
	}
}

func TestVerifyFirstRecordPrevHash(t *testing.T) {
	db := storetest.OpenSQLite(t)
	l := audit.New(db.Store)
	record(t, l, 2)
	// A first record that claims a predecessor: a log cut at the start
	// and renumbered.
	recs, _ := db.Store.ListAudit(t.Context(), 0, 2)
	r := recs[0]
	r.PrevHash = bytes.Repeat([]byte{1}, 32)
	db.TamperAudit(t, `UPDATE audit_log SET prev_hash = $1, hash = $2 WHERE seq = 1`, r.PrevHash, audit.Hash(r.PrevHash, r))
	wantBroken(t, verify(t, l), 2, 1, "first record has a previous hash")
}

// TestConcurrentRecord: events recorded at once form one valid chain.
func TestConcurrentRecord(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			db := b.open(t)
			l := audit.New(db.Store)
			const writers, each = 4, 10
			var wg sync.WaitGroup
			errs := make(chan error, writers*each)
			for w := range writers {
				wg.Go(func() {
					for i := range each {
						if err := l.Record(t.Context(), audit.Event{Actor: fmt.Sprintf("cli_%d", w),
							Action: audit.ActionSignHash, Target: fmt.Sprint(i)}); err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			if rep := verify(t, l); !rep.OK || rep.Records != writers*each {
				t.Errorf("Verify() = %+v, want OK with %d records", rep, writers*each)
			}
		})
	}
}

func TestRecordDetails(t *testing.T) {
	db := storetest.OpenSQLite(t)
	l := audit.New(db.Store)
	ctx := t.Context()
	type subject struct {
		Name string `json:"name"`
		CCCD string `json:"cccd"`
	}
	tests := []struct {
		details map[string]any
		want    string
	}{
		{nil, `{}`},
		{map[string]any{}, `{}`},
		{map[string]any{"z": 1, "a": "Hà Nội", "m": []any{3, "x"}}, `{"a":"Hà Nội","m":[3,"x"],"z":1}`},
		{map[string]any{"subject": subject{Name: "Nguyễn Văn An", CCCD: "001099012345"}, "b": map[string]int{"y": 2, "x": 1}},
			`{"b":{"x":1,"y":2},"subject":{"cccd":"001099012345","name":"Nguyễn Văn An"}}`},
		{map[string]any{"reason": "<keyCompromise> & more", "n": 12345678901234567890.0, "k": 0.1},
			`{"k":0.1,"n":12345678901234567000,"reason":"<keyCompromise> & more"}`},
		// Plain details (maps, slices, strings, booleans, integers, nil)
		// are encoded once: the text is the same as decoding and encoding
		// them again gives. Text that is not UTF-8 is not plain: its
		// bytes come back as U+FFFD, written as it is.
		{map[string]any{"client": "cli_1", "credential": "cred_1", "document_sha256": "ab", "level": "B-B"},
			`{"client":"cli_1","credential":"cred_1","document_sha256":"ab","level":"B-B"}`},
		{map[string]any{"o": map[string]any{"z": nil, "a": []any{int64(-7), false, map[string]any{}}}, "e": "<b>&\x00\xff"},
			`{"e":"<b>&\u0000�","o":{"a":[-7,false,{}],"z":null}}`},
		{map[string]any{"k\xfe": "v"}, `{"k�":"v"}`},
		{map[string]any{"n": json.Number("1e3"), "i": 9007199254740993}, `{"i":9007199254740993,"n":1e3}`},
		// Words that merely contain a secret's name are fine.
		{map[string]any{"key_name": "kyso-cred-1", "pinned": true, "spin": 1, "tokenizer": "x", "keyVersion": 2, "OCSPKey": "k"},
			`{"OCSPKey":"k","keyVersion":2,"key_name":"kyso-cred-1","pinned":true,"spin":1,"tokenizer":"x"}`},
	}
	for i, tt := range tests {
		if err := l.Record(ctx, audit.Event{Actor: "adm_1", Action: audit.ActionCertIssue, Details: tt.details}); err != nil {
			t.Fatalf("Record(%v) = %v", tt.details, err)
		}
		recs, err := db.Store.ListAudit(ctx, int64(i), 1)
		if err != nil || len(recs) != 1 {
			t.Fatalf("ListAudit = %v, %v", recs, err)
		}
		if recs[0].Details != tt.want {
			t.Errorf("Record(%v) stored details %s, want %s", tt.details, recs[0].Details, tt.want)
		}
	}

	refused := []audit.Event{
		{Actor: "", Action: audit.ActionCertIssue},
		{Actor: "  ", Action: audit.ActionCertIssue},
		{Actor: "a", Action: ""},
		{Actor: "a", Action: "sign"},
		{Actor: "a", Action: "Sign.PDF"},
		{Actor: "a", Action: "sign..pdf"},
		{Actor: "a", Action: "sign.pdf "},
		{Actor: "a", Action: "sign.pdf", Details: map[string]any{"pin": "739164"}},
		{Actor: "a", Action: "sign.pdf", Details: map[string]any{"PIN": "739164"}},
		{Actor: "a", Action: "sign.pdf", Details: map[string]any{"user_pin": "x"}},
		{Actor: "a", Action: "sign.pdf", Details: map[string]any{"pin_hash": "x"}},
		{Actor: "a", Action: "client.create", Details: map[string]any{"api_key": "x"}},
		{Actor: "a", Action: "client.create", Details: map[string]any{"apiKey": "x"}},
		{Actor: "a", Action: "ca.rotate", Details: map[string]any{"privateKey": "x"}},
		{Actor: "a", Action: "x.y", Details: map[string]any{"admin-token": "x"}},
		{Actor: "a", Action: "x.y", Details: map[string]any{"Password": "x"}},
		{Actor: "a", Action: "x.y", Details: map[string]any{"pinHash": "x"}},
		{Actor: "a", Action: "x.y", Details: map[string]any{"adminToken": "x"}},
		{Actor: "a", Action: "x.y", Details: map[string]any{"clientSecret": "x"}},
		{Actor: "a", Action: "x.y", Details: map[string]any{"X-API-Key": "x"}},
		{Actor: "a", Action: "x.y", Details: map[string]any{"mã PIN": "x"}},
		{Actor: "a", Action: "x.y", Details: map[string]any{"client_secret": "x"}},
		{Actor: "a", Action: "x.y", Details: map[string]any{"outer": map[string]any{"token": "x"}}},
		{Actor: "a", Action: "x.y", Details: map[string]any{"list": []any{1, map[string]any{"passphrase": "x"}}}},
		{Actor: "a", Action: "x.y", Details: map[string]any{"big": strings.Repeat("x", audit.MaxDetailsBytes)}},
		{Actor: "a", Action: "x.y", Details: map[string]any{"nan": math.NaN()}},
		{Actor: "a", Action: "x.y", Details: map[string]any{"fn": func() {}}},
	}
	for _, e := range refused {
		if err := l.Record(ctx, e); !errors.Is(err, audit.ErrInvalidEvent) {
			t.Errorf("Record(%q %q %v) = %v, want ErrInvalidEvent", e.Actor, e.Action, e.Details, err)
		}
	}
	if rep := verify(t, l); !rep.OK || rep.Records != int64(len(tests)) {
		t.Errorf("Verify() after refused events = %+v, want OK with %d records", rep, len(tests))
	}
}

func TestSignEvent(t *testing.T) {
	doc := sha256.Sum256([]byte("%PDF-1.7 quyết định"))
	e, err := audit.SignEvent(audit.Signing{Action: audit.ActionSignPDF, Client: "cli_1", Credential: "cred_1",
		Certificate: "0a1b2c", DocumentSHA256: doc[:], Level: "B-LT"})
	if err != nil {
		t.Fatalf("SignEvent = %v", err)
	}
	want := audit.Event{Actor: "cli_1", Action: audit.ActionSignPDF, Target: "cred_1", Details: map[string]any{
		"client": "cli_1", "credential": "cred_1", "certificate_serial": "0a1b2c",
		"document_sha256": hex.EncodeToString(doc[:]), "level": "B-LT"}}
	if fmt.Sprint(e) != fmt.Sprint(want) {
		t.Errorf("SignEvent = %+v, want %+v", e, want)
	}
	e, err = audit.SignEvent(audit.Signing{Action: audit.ActionSignHash, Client: "cli_1", Credential: "cred_1", DocumentSHA256: doc[:]})
	if err != nil || len(e.Details) != 3 {
		t.Errorf("SignEvent(minimal) = %+v, %v; want 3 details", e, err)
	}
	for _, s := range []audit.Signing{
		{Action: audit.ActionCertIssue, Client: "c", Credential: "cr", DocumentSHA256: doc[:]},
		{Action: audit.ActionSignCMS, Credential: "cr", DocumentSHA256: doc[:]},
		{Action: audit.ActionSignCMS, Client: "c", DocumentSHA256: doc[:]},
		{Action: audit.ActionSignCMS, Client: "c", Credential: "cr", DocumentSHA256: doc[:20]},
		{Action: audit.ActionSignCMS, Client: "c", Credential: "cr", DocumentSHA256: []byte("the document itself, not its hash!")},
	} {
		if _, err := audit.SignEvent(s); !errors.Is(err, audit.ErrInvalidEvent) {
			t.Errorf("SignEvent(%+v) = %v, want ErrInvalidEvent", s, err)
		}
	}
}

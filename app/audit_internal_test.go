package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/signer"
)

// events keeps what an Auditor is given.
type events struct{ got []AuditEvent }

func (e *events) Record(_ context.Context, ev AuditEvent) error {
	e.got = append(e.got, ev)
	return nil
}

// TestSigningAuditActions: each format's signature is recorded under its
// own signing action, with the client as actor, the credential as target
// and the document's digest; an event the audit log would not take (no
// format, a digest that is not a SHA-256) is an error, never a silent
// record.
func TestSigningAuditActions(t *testing.T) {
	sum := sha256.Sum256([]byte("Quyết định số 2280/QĐ-UBND"))
	for format, action := range map[signer.Format]string{
		signer.FormatPDF: audit.ActionSignPDF, signer.FormatCMS: audit.ActionSignCMS,
		signer.FormatHash: audit.ActionSignHash, signer.FormatXML: audit.ActionSignXML,
	} {
		var log events
		e := signer.SigningEvent{Format: format, Client: "cli_hn", Credential: "cred_seal", Certificate: "0a1b", DocumentSHA256: sum[:], Level: "B-T"}
		if err := (signingAudit{&log}).RecordSigning(context.Background(), e); err != nil {
			t.Fatalf("RecordSigning(%s) = %v", format, err)
		}
		if len(log.got) != 1 {
			t.Fatalf("RecordSigning(%s) recorded %d events, want 1", format, len(log.got))
		}
		ev := log.got[0]
		if ev.Action != action || ev.Actor != "cli_hn" || ev.Target != "cred_seal" || ev.Details["document_sha256"] != hex.EncodeToString(sum[:]) {
			t.Errorf("RecordSigning(%s) = %+v, want action %s by cli_hn on cred_seal over %x", format, ev, action, sum)
		}
	}
	for _, e := range []signer.SigningEvent{
		{Client: "cli_hn", Credential: "cred_seal", DocumentSHA256: sum[:]},
		{Format: signer.FormatPDF, Client: "cli_hn", Credential: "cred_seal", DocumentSHA256: sum[:4]},
	} {
		var log events
		if err := (signingAudit{&log}).RecordSigning(context.Background(), e); !errors.Is(err, audit.ErrInvalidEvent) || len(log.got) != 0 {
			t.Errorf("RecordSigning(%+v) = %v with %d events, want ErrInvalidEvent and none", e, err, len(log.got))
		}
	}
}

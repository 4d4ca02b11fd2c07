package app

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"slices"

	"golang.org/x/crypto/ocsp"

	"github.com/kyso-vn/kyso/errkind"
	"github.com/kyso-vn/kyso/signer/pades"
	"github.com/kyso-vn/kyso/verifier"
)

// actionExtendPDF is the audit action of an extension.
const actionExtendPDF = "extend.pdf"

// Errors of Extend, beyond those of pades.Extend and the verifier.
var (
	// ErrExtendRefused means the document is not one kyso extends: a
	// signature of it fails or is not trusted, or a change after a
	// signature is not allowed; time-stamping it would seal that.
	ErrExtendRefused = errkind.New(errkind.InvalidDocument, "app: document not extended")
	// ErrExtendCheck means the extended document, read back by the
	// verifier, is not what the extension promised: a signature's verdict
	// or level changed. Nothing is written.
	ErrExtendCheck = errkind.New(errkind.Internal, "app: extended document failed its check")
)

// ExtendDeps are the services behind Extend.
type ExtendDeps struct {
	// Trust gives the anchors the document must validate against, whose
	// certificates also complete the chains.
	Trust TrustSnapshot
	// PDF extends documents: its Timestamper is kyso's TSA, its
	// Revocation kyso's CA (and, if the operator allows it, the
	// responders and CRL distribution points named in the certificates,
	// which cmd/kyso wires).
	PDF   *pades.Signer
	Audit Auditor
	Log   *slog.Logger
}

// Extend augments signed PDFs from any signer to PAdES B-LT or B-LTA, and
// renews the archive time-stamp of B-LTA documents.
type Extend struct {
	d   ExtendDeps
	rec recorder
}

// NewExtend returns the extension floor.
func NewExtend(d ExtendDeps) *Extend {
	return &Extend{d: d, rec: recorder{d.Audit, d.Log}}
}

// ExtendRequest says what level to raise a document to.
type ExtendRequest struct {
	// Level is "B-LT" or "B-LTA" ("" means B-LTA).
	Level string `json:"level"`
	// Data is validation data the caller holds (kyso extend
	// --validation-data): certificates, OCSP responses and CRLs, each
	// checked like those the document holds.
	Data ValidationData `json:"-"`
}

// ValidationData are certificates, OCSP responses and CRLs (DER).
type ValidationData struct {
	Certs       []*x509.Certificate
	OCSPs, CRLs [][]byte
}

// Add sorts der, a certificate, an OCSP response or a CRL (DER or PEM),
// into d; name says where it came from in the error for anything else.
func (d *ValidationData) Add(name string, der []byte) error {
	if bytes.Contains(der, []byte("-----BEGIN")) {
		found := false
		for rest := der; ; {
			var b *pem.Block
			if b, rest = pem.Decode(rest); b == nil {
				break
			}
			found = true
			if err := d.add(name, b.Bytes); err != nil {
				return err
			}
		}
		if found {
			return nil
		}
	}
	return d.add(name, der)
}

func (d *ValidationData) add(name string, der []byte) error {
	if c, err := x509.ParseCertificate(der); err == nil {
		d.Certs = append(d.Certs, c)
		return nil
	}
	if _, err := x509.ParseRevocationList(der); err == nil {
		d.CRLs = append(d.CRLs, der)
		return nil
	}
	if _, err := ocsp.ParseResponse(der, nil); err == nil {
		d.OCSPs = append(d.OCSPs, der)
		return nil
	}
	return errkind.New(errkind.Invalid, fmt.Sprintf("%s is not a certificate, an OCSP response or a CRL", name))
}

// ExtendResult describes an extended document.
type ExtendResult struct {
	DocumentDigest []byte
	Level          string
	Size           int64
	// Signatures and Timestamps count the signatures and earlier document
	// time-stamps whose validation data the document now holds.
	Signatures, Timestamps int
}

// ResultWriter is an output that wants the result before the document's
// first byte (an HTTP answer sets its headers from it).
type ResultWriter interface {
	io.Writer
	BeginExtend(*ExtendResult) error
}

// ExtendSpool holds an extended PDF while it is checked: api/signing's
// keeps it within the signing API's memory budget, or in a temporary file
// (a 50 MB archive is not held in memory once per request).
type ExtendSpool interface {
	io.Writer
	// ReadBack returns what was written and its size.
	ReadBack() (io.ReaderAt, int64, error)
}

// Spooler is an output that holds the extended PDF in a spool of its own
// while it is checked, instead of ExtendPDF holding it in memory.
type Spooler interface {
	Spool() (ExtendSpool, error)
}

// memSpool is the spool of an output that has none: memory.
type memSpool struct{ bytes.Buffer }

func (m *memSpool) ReadBack() (io.ReaderAt, int64, error) {
	return bytes.NewReader(m.Bytes()), int64(m.Len()), nil
}

// ExtendPDF extends the PDF read from in (size bytes) to req.Level and
// writes it to out; actor names the caller in the audit log.
//
// The document must verify first: every signature and document
// time-stamp TOTAL_PASSED against the trust store's anchors, so that kyso
// never seals a failed signature or a change made after one with its own
// time-stamp (ErrExtendRefused otherwise). After pades.Extend, the output
// is verified again, before a byte of it is written: each entry keeps its
// TOTAL_PASSED verdict, every change after it is allowed, each PAdES
// signature that had a time-stamp reaches the level asked for, and a new
// document time-stamp passes (ErrExtendCheck otherwise). The output is
// held for that check in out's spool when out is a Spooler, else in
// memory.
func (x *Extend) ExtendPDF(ctx context.Context, actor string, req ExtendRequest, in io.ReadSeeker, size int64, out io.Writer) (*ExtendResult, error) {
	level := pades.Level(req.Level)
	if level == "" {
		level = pades.LevelBLTA
	}
	if level != pades.LevelBLT && level != pades.LevelBLTA {
		return nil, pades.ErrInvalid.Fieldf("level", "level %q (want B-LT or B-LTA)", req.Level)
	}
	opts, err := x.d.Trust.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	ra, ok := in.(io.ReaderAt)
	if !ok {
		return nil, fmt.Errorf("app: extend: the input is not an io.ReaderAt")
	}
	before, err := verifier.VerifyPDF(ctx, io.NewSectionReader(ra, 0, size), size, opts)
	if err != nil {
		return nil, err
	}
	if len(before.Signatures) == 0 {
		return nil, ErrExtendRefused.Errorf("the document has no signature to extend")
	}
	for _, s := range before.Signatures {
		if s.Indication != verifier.TotalPassed && !(s.Indication == verifier.Indeterminate && curable[s.SubIndication]) {
			return nil, ErrExtendRefused.Errorf("%s %q is %s (%s): %s; kyso extends only documents whose every signature passes", entryKind(s), s.Field, s.Indication, s.SubIndication, s.Detail)
		}
	}

	var spool ExtendSpool = new(memSpool)
	if sp, ok := out.(Spooler); ok {
		if spool, err = sp.Spool(); err != nil {
			return nil, err
		}
	}
	res, err := x.d.PDF.Extend(ctx, io.NewSectionReader(ra, 0, size), size, spool, pades.ExtendOptions{
		Level: level, Certs: append(slices.Clone(opts.TrustCerts), req.Data.Certs...), OCSPs: req.Data.OCSPs, CRLs: req.Data.CRLs,
		Anchor: anchorOf(opts.Roots),
	})
	if err != nil {
		return nil, err
	}
	extended, n, err := spool.ReadBack()
	if err != nil {
		return nil, fmt.Errorf("app: extend: read the output back: %w", err)
	}
	after, err := verifier.VerifyPDF(ctx, extended, n, opts)
	if err != nil {
		return nil, ErrExtendCheck.Errorf("verify the output: %v", err)
	}
	if err := checkExtended(before, after, level); err != nil {
		return nil, err
	}

	out2 := &ExtendResult{DocumentDigest: res.DocumentDigest, Level: string(res.Level), Size: res.Size, Signatures: res.Signatures, Timestamps: res.Timestamps}
	x.rec.record(ctx, actor, actionExtendPDF, fmt.Sprintf("%x", res.DocumentDigest), map[string]any{"level": string(level), "signatures": res.Signatures, "timestamps": res.Timestamps})
	if rw, ok := out.(ResultWriter); ok {
		if err := rw.BeginExtend(out2); err != nil {
			return nil, err
		}
	}
	if _, err := io.Copy(out, io.NewSectionReader(extended, 0, n)); err != nil {
		return nil, fmt.Errorf("app: extend: write output: %w", err)
	}
	return out2, nil
}

// anchorOf says whether a self-signed certificate is one of roots: it is
// then its own chain (crypto/x509 finds a certificate of the pool without
// checking its self-signature, so a SHA-1 root is found too). A nil pool
// trusts nothing.
func anchorOf(roots *x509.CertPool) func(*x509.Certificate) bool {
	return func(c *x509.Certificate) bool {
		if roots == nil {
			return false
		}
		_, err := c.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: c.NotBefore, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		return err == nil
	}
}

func entryKind(s verifier.Signature) string {
	if s.Type == verifier.TypeDocumentTimestamp {
		return "document time-stamp"
	}
	return "signature"
}

// curable are the sub-indications of an INDETERMINATE verdict that only
// missing revocation data explains (ETSI EN 319 102-1, 5.2.5 and 5.6.2.4):
// what an extension adds may turn them to TOTAL_PASSED, which the check
// of the output then demands.
var curable = map[verifier.SubIndication]bool{
	verifier.TryLater:                 true,
	"REVOCATION_OUT_OF_BOUNDS_NO_POE": true,
}

// levelRank orders the PAdES levels.
var levelRank = map[string]int{verifier.LevelBB: 1, verifier.LevelBT: 2, verifier.LevelBLT: 3, verifier.LevelBLTA: 4}

// checkExtended compares the verifier's reports of a document before and
// after its extension.
func checkExtended(before, after *verifier.Report, level pades.Level) error {
	want := len(before.Signatures)
	if level == pades.LevelBLTA {
		want++
	}
	if len(after.Signatures) != want {
		return ErrExtendCheck.Errorf("%d signatures and time-stamps after extension, want %d", len(after.Signatures), want)
	}
	// Verdicts first (a new time-stamp that fails explains a level not
	// reached), then the levels.
	for _, a := range after.Signatures {
		if a.Indication != verifier.TotalPassed {
			return ErrExtendCheck.Errorf("%s %q is %s (%s) after extension: %s", entryKind(a), a.Field, a.Indication, a.SubIndication, a.Detail)
		}
		for _, c := range a.ChangesAfter {
			if !c.Allowed {
				return ErrExtendCheck.Errorf("%s %q: a change not allowed after extension: %s %s", entryKind(a), a.Field, c.Kind, c.Detail)
			}
		}
	}
	for i, b := range before.Signatures {
		a := after.Signatures[i]
		if a.Field != b.Field || a.Type != b.Type {
			return ErrExtendCheck.Errorf("entry %d is %q after extension, was %q", i+1, a.Field, b.Field)
		}
		if levelRank[b.Level] >= levelRank[verifier.LevelBT] && levelRank[a.Level] < levelRank[string(level)] {
			return ErrExtendCheck.Errorf("signature %q is %s after extension, not %s", a.Field, a.Level, level)
		}
	}
	return nil
}

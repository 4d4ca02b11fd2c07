package verifier

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"strings"
	"time"

	"github.com/digitorus/pdf"
	"github.com/kyso-vn/kyso/internal/cmsasn1"
)

// claimedSlack is how much later than its time-stamp a claimed signing
// time may be before it is pointed out.
const claimedSlack = 10 * time.Minute

// verdict is the result of one failed check.
type verdict struct {
	ind    Indication
	sub    SubIndication
	reason string
}

// entry is one signature or document time-stamp being validated.
type entry struct {
	out      Signature
	verdicts []verdict
	warnings []string

	sig *pdfSig // nil for a detached CMS
	// A CMS signature.
	sd     *cmsasn1.SignedData
	sc     *signerCheck
	tokens []*tokenResult // signature time-stamps
	cmsRev revData
	// A document time-stamp.
	dts *tokenResult

	claimed  time.Time
	poe      time.Time // earliest proof of existence
	poeTSA   string
	dssLeaf  bool // the DSS holds the signer certificate's status after the signature
	dssAny   bool // the DSS holds the signer certificate's status
	dssAfter bool // the revision this document time-stamp signs has a DSS
	digests  map[crypto.Hash][]byte
	digestFn func(crypto.Hash) ([]byte, error)
	// laterMarks are widgets of later signatures drawn over what this
	// signs, judged by judgeLaterMarks (overlap.go).
	laterMarks []overlap
	// ev is what the validation used (evidence.go).
	ev *Evidence
}

func (e *entry) fail(ind Indication, sub SubIndication, format string, args ...any) {
	e.verdicts = append(e.verdicts, verdict{ind, sub, fmt.Sprintf(format, args...)})
}

func (e *entry) warn(format string, args ...any) {
	e.warnings = append(e.warnings, fmt.Sprintf(format, args...))
}

// failed reports whether a check already failed with TOTAL_FAILED.
func (e *entry) failed() bool {
	for _, v := range e.verdicts {
		if v.ind == TotalFailed {
			return true
		}
	}
	return false
}

// safely runs f, turning a panic into FORMAT_FAILURE for the entry.
func (e *entry) safely(f func()) {
	defer func() {
		if r := recover(); r != nil {
			e.fail(TotalFailed, FormatFailure, "the signature could not be processed (internal error: %v)", r)
		}
	}()
	f()
}

// finish sets the entry's indication: TOTAL_FAILED if any check failed so,
// else INDETERMINATE if any could not conclude, else TOTAL_PASSED. The
// first reason of the chosen severity is the entry's detail; of the
// INDETERMINATE ones, TRY_LATER (revocation status unknown, which more
// data may settle) comes last, after any that says what is wrong.
func (e *entry) finish() Signature {
	e.finishEvidence()
	e.out.Indication, e.out.SubIndication = TotalPassed, ""
	for _, want := range []verdict{{ind: TotalFailed}, {ind: Indeterminate}, {ind: Indeterminate, sub: TryLater}} {
		for _, v := range e.verdicts {
			if v.ind == want.ind && (v.sub == TryLater) == (want.sub == TryLater) {
				e.out.Indication, e.out.SubIndication, e.out.Detail = v.ind, v.sub, v.reason
				break
			}
		}
		if e.out.Indication != TotalPassed {
			break
		}
	}
	var reasons []string
	var coded []Warning
	for _, v := range e.verdicts {
		if v.reason != e.out.Detail {
			reasons = append(reasons, v.reason)
			coded = append(coded, Warning{Code: WarnCheckFailed, Params: map[string]string{"indication": string(v.ind), "sub_indication": string(v.sub)}, Text: v.reason})
		}
	}
	e.out.Warnings = append(reasons, e.warnings...)
	e.out.WarningCodes = append(coded, codeWarnings(e.warnings)...)
	return e.out
}

// VerifyPDF validates every signature and document time-stamp of the PDF
// in r (size bytes). It returns an error only when the file cannot be read
// at all (ErrUnreadable) or ctx ends; every problem with a signature,
// including one that cannot be parsed, is in the report.
func VerifyPDF(ctx context.Context, r io.ReaderAt, size int64, opts Options) (rep *Report, err error) {
	defer func() {
		if e := recover(); e != nil {
			rep, err = nil, ErrUnreadable.Errorf("internal error: %v", e)
		}
	}()
	if size <= 0 {
		return nil, ErrUnreadable.Errorf("empty input")
	}
	if size > opts.maxSize() {
		return nil, ErrUnreadable.Errorf("%d bytes, more than the limit of %d", size, opts.maxSize())
	}
	rep = &Report{}
	r, data := inMemory(r, size)
	docs := newReadings(r, data, size)
	fin := docs.open(size)
	if fin.rdr == nil {
		return nil, ErrUnreadable.Errorf("%v", fin.err)
	}
	if fin.repaired != nil {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("the document's cross-reference data is damaged (%v); it was read by scanning the file for its objects, as other readers do", fin.repaired))
	}
	p := &pdfRun{v: newValidator(ctx, &opts), r: r, data: data, size: size, rdr: fin.rdr, docs: docs, rep: rep}
	if err := p.run(); err != nil {
		return nil, err
	}
	p.rep.finish()
	return p.rep, nil
}

// maxInMemory bounds the documents read into memory, whole and once,
// before they are verified: the verification reads a document many times
// (every revision, the scan for object definitions, the bytes each
// signature covers), through a file's ReadAt a system call each time, and
// searches it whole through buffers of up to a block (1 MiB) that it
// filled by copying. Larger documents are read where they are, in blocks,
// so that memory does not grow with them.
const maxInMemory = 4 << 20

// inMemory returns r, and its bytes, read once into memory if there are no
// more than maxInMemory; a document that cannot be read so is read through
// r as it is, and its errors are met where they were.
func inMemory(r io.ReaderAt, size int64) (io.ReaderAt, []byte) {
	if size > maxInMemory {
		return r, nil
	}
	b := make([]byte, size)
	if n, _ := r.ReadAt(b, 0); int64(n) != size {
		return r, nil
	}
	return docBytes{bytes.NewReader(b), b}, b
}

// docBytes is a document read into memory: a bytes.Reader that also lets
// readRange have its bytes without copying them.
type docBytes struct {
	*bytes.Reader
	b []byte
}

// readRange returns the n bytes of r at off: where they are if r is a
// document in memory, else read into a new slice. The caller must not
// modify them.
func readRange(r io.ReaderAt, off, n int64) ([]byte, error) {
	if d, ok := r.(docBytes); ok && off >= 0 && n >= 0 && off <= int64(len(d.b))-n {
		return d.b[off : off+n : off+n], nil
	}
	b := make([]byte, n)
	if _, err := r.ReadAt(b, off); err != nil {
		return nil, err
	}
	return b, nil
}

// pdfRun is the validation of one PDF.
type pdfRun struct {
	v *validator
	r io.ReaderAt
	// data is the document if it was read into memory (inMemory), else
	// nil; r then reads it.
	data    []byte
	size    int64
	rdr     *pdf.Reader
	docs    *readings
	rep     *Report
	ends    []int64
	entries []*entry
	roles   *docRoles
	vri     map[string]bool
	// prefixes holds, for each hash, its state after the longest first
	// range of a signature hashed so far (rangeDigest).
	prefixes map[crypto.Hash]hashPrefix
}

// hashPrefix is the state of a hash after the file's first n bytes.
type hashPrefix struct {
	n int64
	h hash.Cloner
}

func (p *pdfRun) warn(format string, args ...any) {
	p.rep.Warnings = append(p.rep.Warnings, fmt.Sprintf(format, args...))
}

func (p *pdfRun) run() error {
	if !p.rdr.Trailer().Key("Encrypt").IsNull() {
		p.warn("the document is encrypted; signatures of encrypted documents may not be read correctly")
	}
	sigs, warnings := findSignatures(p.rdr)
	p.rep.Warnings = append(p.rep.Warnings, warnings...)
	if len(sigs) == 0 {
		p.warn("the document has no signature")
	}
	dss, warnings := readDSS(p.rdr)
	p.rep.Warnings = append(p.rep.Warnings, warnings...)
	if bad := p.v.addDocCerts(dss.certs); bad > 0 {
		p.warn("%d certificates in the DSS could not be parsed", bad)
	}
	p.v.rev = revData{ocsps: dss.ocsps, crls: dss.crls}
	p.vri = dss.vri
	p.ends = revisionEnds(p.r, p.data, p.size)

	for i, s := range sigs {
		e := &entry{sig: s}
		p.entries = append(p.entries, e)
		if i >= maxSignatures {
			s.formErr = fmt.Errorf("the document has more than %d signatures; this one was not processed", maxSignatures)
			continue
		}
		e.safely(func() {
			s.readSigDict()
			s.formErr = s.checkByteRange(p.r, p.size)
		})
	}
	sortSigs(sigs)
	// Entries in file order.
	byID := map[*pdfSig]*entry{}
	for _, e := range p.entries {
		byID[e.sig] = e
	}
	p.entries = p.entries[:0]
	for _, s := range sigs {
		p.entries = append(p.entries, byID[s])
	}

	for _, e := range p.entries {
		if err := p.v.ctx.Err(); err != nil {
			return err
		}
		p.describe(e)
		e.safely(func() { p.checkIntegrity(e) })
	}
	p.proveExistence()
	for _, e := range p.entries {
		if err := p.v.ctx.Err(); err != nil {
			return err
		}
		e.safely(func() { p.validate(e) })
	}
	p.judgeLaterMarks()
	for _, e := range p.entries {
		e.safely(func() { p.level(e) })
		p.rep.Signatures = append(p.rep.Signatures, e.finish())
	}
	return nil
}

// describe fills in what the signature dictionary says.
func (p *pdfRun) describe(e *entry) {
	s := e.sig
	e.out.Field = s.field
	e.out.Type = s.typ
	if e.out.Type == "" {
		e.out.Type = TypeSignature
	}
	e.out.SubFilter = s.subFilter
	e.out.Reason, e.out.Location, e.out.ContactInfo = s.reason, s.location, s.contact
	e.out.Certification = s.certify
	e.out.Revisions = max(1, len(p.ends))
	e.claimed = s.claimed
}

// rangeDigest returns the digest with h of the bytes the signature covers,
// reading them once per hash.
func (p *pdfRun) rangeDigest(e *entry, h crypto.Hash) ([]byte, error) {
	if d, ok := e.digests[h]; ok {
		return d, nil
	}
	w := newHash(h)
	if w == nil {
		return nil, fmt.Errorf("%w: hash %v", errAlgorithm, h)
	}
	if br := e.sig.br; p.data != nil && br[1] <= p.size && br[2] <= p.size && br[3] <= p.size-br[2] {
		// Hashed where they are, a 64 KiB piece at a time as read below.
		// Every signature's range starts with the file's first bytes:
		// the state of h after the longest first range hashed so far
		// is kept, and a range at least as long goes on from it, so that
		// the signatures of a file of many revisions do not each hash
		// it from the start.
		from := int64(0)
		if pre, ok := p.prefixes[h]; ok && pre.n <= br[1] {
			if c, err := pre.h.Clone(); err == nil {
				w, from = c, pre.n
			}
		}
		write := func(b []byte) error {
			for len(b) > 0 {
				if err := p.v.ctx.Err(); err != nil {
					return err
				}
				n := min(len(b), 64<<10)
				w.Write(b[:n])
				b = b[n:]
			}
			return nil
		}
		if err := write(p.data[from:br[1]]); err != nil {
			return nil, err
		}
		if cl, ok := w.(hash.Cloner); ok && br[1] > p.prefixes[h].n {
			if c, err := cl.Clone(); err == nil {
				if p.prefixes == nil {
					p.prefixes = map[crypto.Hash]hashPrefix{}
				}
				p.prefixes[h] = hashPrefix{br[1], c}
			}
		}
		if err := write(p.data[br[2] : br[2]+br[3]]); err != nil {
			return nil, err
		}
	} else {
		buf := make([]byte, 64<<10)
		if _, err := io.CopyBuffer(w, &ctxReader{ctx: p.v.ctx, r: e.sig.signedRanges(p.r)}, buf); err != nil {
			return nil, err
		}
	}
	if e.digests == nil {
		e.digests = map[crypto.Hash][]byte{}
	}
	e.digests[h] = w.Sum(nil)
	return e.digests[h], nil
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}

// checkIntegrity checks the signature's bytes and CMS, or the document
// time-stamp's token.
func (p *pdfRun) checkIntegrity(e *entry) {
	s := e.sig
	if s.formErr != nil {
		e.fail(TotalFailed, FormatFailure, "%v", s.formErr)
		return
	}
	e.digestFn = func(h crypto.Hash) ([]byte, error) { return p.rangeDigest(e, h) }
	if s.typ == TypeDocumentTimestamp {
		if s.subFilter != subFilterRFC3161 {
			e.fail(Indeterminate, FormatFailure, "%s", unknownSubFilter(s.subFilter))
			return
		}
		e.dts = p.v.checkToken(s.contents, e.digestFn)
		e.warnings = append(e.warnings, e.dts.warnings...)
		if !e.dts.ok {
			e.fail(e.dts.ind, e.dts.sub, "%s", e.dts.problem)
		}
		return
	}
	if !knownSubFilter(e, s.subFilter) {
		return
	}
	sd, err := cmsasn1.ParseSignedData(s.contents)
	if err != nil {
		e.fail(TotalFailed, FormatFailure, "the signature's CMS does not parse: %v", err)
		return
	}
	contentDigest := e.digestFn
	if s.subFilter == "adbe.pkcs7.sha1" {
		// The CMS signs the SHA-1 digest of the byte range, encapsulated.
		e.warn("sub-filter adbe.pkcs7.sha1 signs a SHA-1 digest of the document; SHA-1 is weak")
		if !sd.HasEContent {
			e.fail(TotalFailed, FormatFailure, "an adbe.pkcs7.sha1 signature without encapsulated digest")
			return
		}
		want, err := p.rangeDigest(e, crypto.SHA1)
		if err != nil {
			e.fail(TotalFailed, FormatFailure, "cannot read the signed bytes: %v", err)
			return
		}
		if !bytes.Equal(want, sd.EContent) {
			e.fail(TotalFailed, HashFailure, "the signed bytes' SHA-1 digest is not the one signed: the document was changed after signing")
			return
		}
		content := sd.EContent
		contentDigest = func(h crypto.Hash) ([]byte, error) { return digest(h, content), nil }
	} else if sd.HasEContent {
		e.fail(TotalFailed, FormatFailure, "the CMS of a %s signature encapsulates content instead of being detached", s.subFilter)
		return
	}
	checkCMS(p.v, e, sd, contentDigest)
	if s.subFilter == "ETSI.CAdES.detached" && e.sc != nil && len(e.sd.Signers) == 1 {
		if len(cmsasn1.FindAttrs(e.sd.Signers[0].Attrs, cmsasn1.OIDAttrSigningTime)) > 0 {
			e.warn("a PAdES signature has a signing-time attribute (ETSI EN 319 142-1, 5.2.1 forbids it)")
		}
		if len(cmsasn1.FindAttrs(e.sd.Signers[0].Attrs, cmsasn1.OIDAttrSigningCertificateV2))+len(cmsasn1.FindAttrs(e.sd.Signers[0].Attrs, cmsasn1.OIDAttrSigningCertificate)) == 0 {
			e.warn("a PAdES signature without signing-certificate attribute (ETSI EN 319 142-1, 5.2.2)")
		}
	}
}

// checkCMS checks a signature's CMS: the signer and signature value, then
// its signature time-stamps.
func checkCMS(v *validator, e *entry, sd *cmsasn1.SignedData, contentDigest func(crypto.Hash) ([]byte, error)) {
	e.sd = sd
	sc := checkSigner(sd, cmsasn1.OIDData, contentDigest, v.docCerts)
	e.sc = sc
	e.warnings = append(e.warnings, sc.warnings...)
	if sc.cert != nil {
		e.out.Signer = signerOf(sc.cert)
	}
	if sc.digestHash != 0 {
		e.out.DigestAlgorithm = hashName(sc.digestHash)
	}
	e.out.SignatureAlgorithm = sc.alg.name
	if sc.ind != "" {
		e.fail(sc.ind, sc.sub, "%s", sc.reason)
		if sc.sub != NoSigningCertificateFound && sc.sub != CryptoConstraintsFailureNoPOE {
			return
		}
	}
	if e.claimed.IsZero() {
		e.claimed = sc.signingTime
	}
	switch {
	case sc.digestHash == crypto.MD5 || sc.alg.hash == crypto.MD5:
		e.fail(Indeterminate, CryptoConstraintsFailureNoPOE, "the signature uses MD5, which is broken")
	case sc.digestHash == crypto.SHA1 || sc.alg.hash == crypto.SHA1:
		e.warn("the signature uses SHA-1, which is weak")
	}
	if sc.cert != nil {
		if k, ok := sc.cert.PublicKey.(interface{ Size() int }); ok && sc.cert.PublicKeyAlgorithm == x509.RSA && k.Size()*8 < 2048 {
			e.warn("the signer's RSA key has %d bits, fewer than 2048", k.Size()*8)
		}
	}
	si := sd.Signers[0]
	e.cmsRev = revData{ocsps: sd.OCSPs, crls: sd.CRLs}
	if val, err := cmsasn1.SingleAttr(si.Attrs, cmsasn1.OIDAttrRevInfoArchival, "adbe-revInfoArchival"); err == nil && val != nil {
		parseRevInfoArchival(val, &e.cmsRev)
	}
	if sc.ind != "" {
		return // no point time-stamping a signature whose signer is unknown
	}
	for _, a := range cmsasn1.FindAttrs(si.Unsigned, cmsasn1.OIDAttrTimeStampToken) {
		for _, tok := range a.Values {
			sigValue := si.Signature
			t := v.checkToken(tok, func(h crypto.Hash) ([]byte, error) { return digest(h, sigValue), nil })
			e.tokens = append(e.tokens, t)
			for _, w := range t.warnings {
				e.warn("signature time-stamp: %s", w)
			}
			// A bad time-stamp proves nothing, and does not make the
			// signature bad: unsigned attributes can be changed by
			// anyone (ETSI EN 319 102-1 ignores such a time-stamp).
			if !t.ok {
				e.warn("the signature time-stamp is not accepted as proof of the signing time: %s", t.problem)
			}
		}
	}
}

// proveExistence sets each entry's earliest proven time: its own valid
// signature time-stamps, and every valid document time-stamp that covers
// it (ETSI EN 319 102-1, 5.6.2.1, proof of existence).
func (p *pdfRun) proveExistence() {
	for _, e := range p.entries {
		for _, t := range e.tokens {
			if t.ok && (e.poe.IsZero() || t.info.GenTime.Before(e.poe)) {
				e.poe, e.poeTSA = t.info.GenTime, t.tsaName()
			}
		}
		if e.dts != nil && e.dts.ok {
			e.poe, e.poeTSA = e.dts.info.GenTime, e.dts.tsaName()
		}
		if e.sig.formErr != nil {
			continue
		}
		for _, f := range p.entries {
			if f == e || f.dts == nil || !f.dts.ok || f.sig.coverEnd < e.sig.coverEnd {
				continue
			}
			if g := f.dts.info.GenTime; e.poe.IsZero() || g.Before(e.poe) {
				e.poe, e.poeTSA = g, f.dts.tsaName()
			}
		}
	}
}

// mdpFor returns the DocMDP permission in force for changes after e: that
// of the certification signature, if it signed a revision no later than
// e's. It applies whatever the certification signature's own verdict:
// the stricter reading.
func (p *pdfRun) mdpFor(e *entry) int {
	for _, f := range p.entries {
		if f.sig.certify > 0 && f.sig.formErr == nil && f.sig.coverEnd <= e.sig.coverEnd {
			return f.sig.certify
		}
	}
	return 0
}

// validate checks the signer's certificate at the proven time, then the
// changes made after the signed revision.
func (p *pdfRun) validate(e *entry) {
	s := e.sig
	if s.formErr != nil {
		return
	}
	rev, atEnd := revisionOf(p.ends, s.coverEnd)
	e.out.Revision = min(rev, e.out.Revisions)
	if !atEnd {
		e.warn("the signature does not cover a whole revision: its byte range ends at %d, not at the end of an incremental update", s.coverEnd)
	}
	e.out.CoversWholeFile = coversRest(p.r, s.coverEnd, p.size)
	if s.typ == TypeDocumentTimestamp {
		if t := e.dts; t != nil {
			e.out.Signer = signerOf(t.tsa)
			e.out.Chain = chainOf(t.chain)
			e.out.TimestampAuthority = t.tsaName()
			e.out.DigestAlgorithm = hashName(t.info.Hash)
			e.out.SignatureAlgorithm = t.alg.name
			if t.ok {
				e.out.ProvenTime = formatTime(t.info.GenTime)
			}
		}
	} else {
		validateSigner(p.v, e)
	}
	if s.certify > 0 {
		perms := p.rdr.Trailer().Key("Root").Key("Perms").Key("DocMDP")
		if !s.vIndirect || perms.GetPtr() != s.v.GetPtr() {
			e.warn("the signature has a DocMDP reference but the catalog's /Perms does not name it")
		}
		if p.entries[0] != e {
			e.warn("a certification signature that is not the document's first signature")
		}
	}
	p.changesAfter(e)
}

// coversRest reports whether only white space follows end in the file.
func coversRest(r io.ReaderAt, end, size int64) bool {
	if size-end > 16 {
		return false
	}
	b := make([]byte, size-end)
	if _, err := r.ReadAt(b, end); err != nil && !errors.Is(err, io.EOF) {
		return false
	}
	return len(bytes.TrimLeft(b, "\x00\t\n\f\r ")) == 0
}

// validateSigner checks the signer's certificate: a chain to a trust
// anchor, valid at the proven time (or now), usable for signing, and not
// revoked before the signature was made.
func validateSigner(v *validator, e *entry) {
	if e.sc == nil || e.sc.cert == nil {
		return
	}
	if e.poe.IsZero() {
		if !e.claimed.IsZero() {
			e.warn("the signing time %s is claimed by the signer and not proven by a time-stamp", formatTime(e.claimed))
		} else {
			e.warn("no time-stamp proves when the signature was made")
		}
	} else {
		e.out.ProvenTime = formatTime(e.poe)
		e.out.TimestampAuthority = e.poeTSA
		if !e.claimed.IsZero() && e.claimed.After(e.poe.Add(claimedSlack)) {
			e.warn("the claimed signing time %s is after the time-stamp %s", formatTime(e.claimed), formatTime(e.poe))
		}
	}
	e.out.ClaimedTime = formatTime(e.claimed)
	if e.failed() {
		// The signature value or its bytes are bad: show the chain, no more.
		display := v.displayChain(e.sc.cert, e.sd.Certs)
		e.out.Chain = chainOf(display)
		e.keepChain(display, false)
		return
	}
	cert := e.sc.cert
	at := e.poe
	if at.IsZero() {
		at = v.now
	}
	ch := v.buildChain(cert, at, e.sd.Certs)
	e.out.Chain = chainOf(ch.chain)
	e.keepChain(ch.chain, ch.trusted)
	e.warnings = append(e.warnings, ch.warnings...)
	if !ch.trusted {
		e.fail(Indeterminate, ch.sub, "the signer's certificate: %s", ch.problem)
	} else if c := ch.outside; c != nil {
		switch {
		case e.poe.IsZero():
			e.fail(Indeterminate, OutOfBoundsNoPOE, "certificate %q is valid from %s to %s, not now, and no time-stamp proves the signature was made while it was", c.Subject.CommonName, formatTime(c.NotBefore), formatTime(c.NotAfter))
		case at.After(c.NotAfter):
			e.fail(TotalFailed, Expired, "certificate %q expired on %s, before the signature was made (proven at %s)", c.Subject.CommonName, formatTime(c.NotAfter), formatTime(at))
		default:
			e.fail(TotalFailed, NotYetValid, "certificate %q was not valid before %s; the signature existed at %s", c.Subject.CommonName, formatTime(c.NotBefore), formatTime(at))
		}
	} else if !e.poe.IsZero() && v.now.After(cert.NotAfter) {
		e.warn("the signer's certificate expired on %s, after the signature was made (proven at %s)", formatTime(cert.NotAfter), formatTime(e.poe))
	}
	if err := checkSignerUsage(cert); err != nil {
		e.fail(Indeterminate, ChainConstraintsFailure, "%v", err)
	}
	if !ch.trusted {
		return
	}
	var unchecked []uncheckedCert
	for i := 0; i+1 < len(ch.chain); i++ {
		c, issuer := ch.chain[i], ch.chain[i+1]
		st := v.status(c, issuer, &e.cmsRev)
		e.warnings = append(e.warnings, st.warnings...)
		e.evidence().Revocation = append(e.evidence().Revocation, st.used...)
		if i == 0 {
			// The DSS holds validation data for this signature when
			// it gives the signer certificate's status as of after
			// the signature (ETSI EN 319 142-1, 5.4.2).
			var dss revStatus
			v.statusIn(&dss, &v.rev, c, issuer, "")
			e.dssAny = dss.checked
			e.dssLeaf = dss.checked && (dss.revoked || !e.poe.IsZero() && !dss.goodUntil.Before(e.poe))
		}
		switch {
		case st.revoked:
			what := "the signer's certificate"
			sub := RevokedNoPOE
			if i > 0 {
				what, sub = fmt.Sprintf("CA certificate %q", c.Subject.CommonName), RevokedCANoPOE
			}
			switch {
			case !e.poe.IsZero() && e.poe.Before(st.at):
				e.warn("%s was revoked on %s (per %s), after the signature was made (proven at %s)", what, formatTime(st.at), st.source, formatTime(e.poe))
			case !e.poe.IsZero():
				e.fail(TotalFailed, Revoked, "%s was revoked on %s (per %s), before the signature was made (proven at %s)", what, formatTime(st.at), st.source, formatTime(e.poe))
			case !e.claimed.IsZero() && !e.claimed.Before(st.at):
				e.fail(TotalFailed, Revoked, "%s was revoked on %s (per %s), before the signing time the signer claims (%s)", what, formatTime(st.at), st.source, formatTime(e.claimed))
			default:
				e.fail(Indeterminate, sub, "%s was revoked on %s (per %s) and no time-stamp proves the signature was made before", what, formatTime(st.at), st.source)
			}
		case !st.checked && i == 0:
			// The revocation policy (docs/verification.md): no
			// status of the signer's certificate from any source
			// is INDETERMINATE/TRY_LATER, as ETSI EN 319 102-1
			// (5.2.6) and EU DSS's default policy (its
			// RevocationDataAvailable constraint) judge it.
			e.fail(Indeterminate, TryLater, "%s", signerUnchecked(st, v.opts.Online != nil))
		case !st.checked:
			unchecked = append(unchecked, uncheckedCert{c, st})
		}
		if i == 0 {
			e.out.Revocation = revocationCheck(st, v.opts.Online != nil)
		}
	}
	e.warnings = append(e.warnings, uncheckedWarnings(unchecked, v.opts.Online != nil)...)
}

// changesAfter compares the revision the entry signs with the final file.
func (p *pdfRun) changesAfter(e *entry) {
	s := e.sig
	pre, ok := p.signedRevision(e)
	if !ok {
		return
	}
	if !sigInRevision(pre, s) {
		e.fail(TotalFailed, FormatFailure, "the signature dictionary is not part of the revision it signs")
		return
	}
	e.dssAfter = pre.Trailer().Key("Root").Key("DSS").Kind() == pdf.Dict
	if s.coverEnd == p.size {
		return
	}
	p.judgeChanges(e, pre)
}

// sigInRevision reports whether the signature dictionary, with the same
// /ByteRange and /Contents, is in the revision it signs: a dictionary added
// later that points at another signature's bytes is not a signature of
// that revision.
func sigInRevision(pre *pdf.Reader, s *pdfSig) bool {
	var v pdf.Value
	if s.vIndirect {
		o, err := pre.GetObject(s.v.GetPtr().GetID())
		if err != nil {
			return false
		}
		v = o
	} else {
		f, err := pre.GetObject(s.fieldPtr.GetID())
		if err != nil {
			return false
		}
		v = f.Key("V")
	}
	br := v.Key("ByteRange")
	if br.Len() != 4 {
		return false
	}
	for i := range 4 {
		if br.Index(i).Int64() != s.br[i] {
			return false
		}
	}
	return v.Key("Contents").RawString() == string(s.contents)
}

// level sets the PAdES baseline level the entry reaches.
func (p *pdfRun) level(e *entry) {
	s := e.sig
	if s.typ == TypeDocumentTimestamp {
		return
	}
	switch s.subFilter {
	case "ETSI.CAdES.detached":
	case "":
		return
	default:
		e.out.Level = LevelNotPAdES
		return
	}
	if e.sc == nil || e.sc.ind != "" {
		e.out.Level = LevelBB
		return
	}
	level := LevelBB
	sum := sha1.Sum(s.contents)
	inVRI := p.vri[strings.ToUpper(hex.EncodeToString(sum[:]))]
	if !e.poe.IsZero() {
		level = LevelBT
		if e.dssLeaf || inVRI && e.dssAny {
			level = LevelBLT
			for _, f := range p.entries {
				if f.dts != nil && f.dts.ok && f.sig.coverEnd > s.coverEnd && f.dssAfter {
					level = LevelBLTA
				}
			}
		}
	}
	e.out.Level = level
}

// VerifyCMS validates a CMS SignedData sig over content: detached, as kyso
// makes them, or with the content encapsulated (content may then be nil;
// if both are given they must agree). It returns an error only when sig is
// not a SignedData at all (ErrUnreadable), content cannot be read, or ctx
// ends.
func VerifyCMS(ctx context.Context, content io.Reader, sig []byte, opts Options) (rep *Report, err error) {
	defer func() {
		if e := recover(); e != nil {
			rep, err = nil, ErrUnreadable.Errorf("internal error: %v", e)
		}
	}()
	if len(sig) == 0 || len(sig) > maxContents/2 {
		return nil, ErrUnreadable.Errorf("a CMS of %d bytes", len(sig))
	}
	sd, err := cmsasn1.ParseSignedData(sig)
	if err != nil {
		return nil, ErrUnreadable.Errorf("%v", err)
	}
	v := newValidator(ctx, &opts)
	e := &entry{out: Signature{Type: TypeSignature}}
	var readErr error
	var sum []byte
	var sumHash crypto.Hash
	contentDigest := func(h crypto.Hash) ([]byte, error) {
		if sum != nil {
			if h != sumHash {
				return nil, fmt.Errorf("%w: several digest algorithms", errAlgorithm)
			}
			return sum, nil
		}
		w := newHash(h)
		if w == nil {
			return nil, fmt.Errorf("%w: hash %v", errAlgorithm, h)
		}
		switch {
		case content != nil:
			n, err := io.CopyBuffer(w, io.LimitReader(&ctxReader{ctx: ctx, r: content}, opts.maxSize()+1), make([]byte, 64<<10))
			if err != nil {
				readErr = err
				return nil, err
			}
			if n > opts.maxSize() {
				readErr = ErrUnreadable.Errorf("content larger than %d bytes", opts.maxSize())
				return nil, readErr
			}
			if sd.HasEContent && !bytes.Equal(digest(h, sd.EContent), w.Sum(nil)) {
				return nil, errors.New("the content given is not the content the CMS encapsulates")
			}
		case sd.HasEContent:
			w.Write(sd.EContent)
		default:
			return nil, errors.New("a detached CMS and no content")
		}
		sum, sumHash = w.Sum(nil), h
		return sum, nil
	}
	e.safely(func() {
		checkCMS(v, e, sd, contentDigest)
		if readErr == nil {
			for _, t := range e.tokens {
				if t.ok && (e.poe.IsZero() || t.info.GenTime.Before(e.poe)) {
					e.poe, e.poeTSA = t.info.GenTime, t.tsaName()
				}
			}
			validateSigner(v, e)
			switch {
			case e.sc == nil || e.sc.ind != "":
				e.out.Level = LevelBB
			case !e.poe.IsZero():
				e.out.Level = LevelBT
			default:
				e.out.Level = LevelBB
			}
		}
	})
	if readErr != nil {
		if errors.Is(readErr, ErrUnreadable) {
			return nil, readErr
		}
		return nil, fmt.Errorf("verifier: read content: %w", readErr)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	rep = &Report{Signatures: []Signature{e.finish()}}
	rep.finish()
	return rep, nil
}

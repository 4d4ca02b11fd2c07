package signer

import (
	"context"
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/cms"
)

// coalescer is shared by the documents of one batch. Each document's
// signature request waits until every document still in flight is waiting
// too, then all waiting digests are signed in ONE BatchSigner call (Vault
// Transit batch_input): a batch of N documents costs one Vault round trip,
// not N.
//
// A document that fails before asking for a signature leaves the batch
// (done), so the others never wait for it. A document that asks twice
// (e.g. a rebuilt signature) simply joins the next round.
type coalescer struct {
	pub crypto.PublicKey
	bs  cms.BatchSigner

	mu       sync.Mutex
	inFlight int // documents that have not finished
	pending  []*coalesced
	calls    int // BatchSigner calls made (for tests and logs)
}

type coalesced struct {
	ctx    context.Context
	digest []byte
	opts   crypto.SignerOpts
	check  bool // false: asked through docSigner.Unchecked
	sig    []byte
	err    error
	done   chan struct{}
}

func newCoalescer(pub crypto.PublicKey, bs cms.BatchSigner, documents int) *coalescer {
	return &coalescer{pub: pub, bs: bs, inFlight: documents}
}

// docSigner is the crypto.Signer of one document of a batch: its
// signatures are made in the coalescer's rounds, and while it waits for
// one the document gives its working slot to the next document.
type docSigner struct {
	co    *coalescer
	slots *slots
	index int
	// unchecked: made by Unchecked, for a caller that verifies the
	// signatures itself.
	unchecked bool
}

// Unchecked returns the document's signer for a caller that verifies each
// signature itself (cms.Uncheckable; pades' read-back check): its rounds
// go to the batch signer's Unchecked view, when it has one and every
// request of the round came this way.
func (d *docSigner) Unchecked() crypto.Signer {
	u := *d
	u.unchecked = true
	return &u
}

func (d *docSigner) Public() crypto.PublicKey { return d.co.pub }

// VerifiesOwnSignatures passes on the batch signer's promise
// (cms.SelfVerifying): keys.Signer verifies each signature of a batch
// against its digest before the coalescer hands it to its document.
func (d *docSigner) VerifiesOwnSignatures() bool {
	v, ok := d.co.bs.(cms.SelfVerifying)
	return ok && v.VerifiesOwnSignatures() && !d.unchecked
}

func (d *docSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return d.SignContext(context.Background(), digest, opts)
}

// SignContext queues digest and waits for the round it is signed in,
// without its working slot.
func (d *docSigner) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	d.slots.release()
	defer d.slots.acquire(d.index)
	return d.co.signContext(ctx, digest, opts, !d.unchecked)
}

// signContext queues digest and waits for the round it is signed in.
func (c *coalescer) signContext(ctx context.Context, digest []byte, opts crypto.SignerOpts, check bool) ([]byte, error) {
	r := &coalesced{ctx: ctx, digest: digest, opts: opts, check: check, done: make(chan struct{})}
	c.mu.Lock()
	c.pending = append(c.pending, r)
	round := c.takeRoundLocked()
	c.mu.Unlock()
	if round != nil {
		c.sign(round)
	}
	select {
	case <-r.done:
		return r.sig, r.err
	case <-ctx.Done():
		// The round may still complete; its result is dropped.
		return nil, ctx.Err()
	}
}

// done records that one document finished (signed or failed).
func (c *coalescer) done() {
	c.mu.Lock()
	c.inFlight--
	round := c.takeRoundLocked()
	c.mu.Unlock()
	if round != nil {
		c.sign(round)
	}
}

// takeRoundLocked returns the pending requests when every document in
// flight is waiting for a signature.
func (c *coalescer) takeRoundLocked() []*coalesced {
	if len(c.pending) == 0 || len(c.pending) < c.inFlight {
		return nil
	}
	round := c.pending
	c.pending = nil
	c.calls++
	return round
}

// sign signs one round. Requests with different options (which one batch
// request does not make) are refused rather than signed wrongly.
func (c *coalescer) sign(round []*coalesced) {
	digests := make([][]byte, len(round))
	bs, check := c.bs, false
	for i, r := range round {
		digests[i] = r.digest
		check = check || r.check
	}
	if u, ok := bs.(cms.Uncheckable); ok && !check {
		if ub, ok := u.Unchecked().(cms.BatchSigner); ok {
			bs = ub
		}
	}
	var err error
	for _, r := range round[1:] {
		if !sameOpts(r.opts, round[0].opts) {
			err = errors.New("signer: a batch mixes signature options")
		}
	}
	var sigs [][]byte
	if err == nil {
		sigs, err = bs.SignBatch(round[0].ctx, digests, round[0].opts)
	}
	if err == nil && len(sigs) != len(round) {
		err = fmt.Errorf("signer: batch signer returned %d signatures for %d digests", len(sigs), len(round))
	}
	for i, r := range round {
		if err != nil {
			r.err = err
		} else {
			r.sig = sigs[i]
		}
		close(r.done)
	}
}

func sameOpts(a, b crypto.SignerOpts) bool {
	if a.HashFunc() != b.HashFunc() {
		return false
	}
	pa, aPSS := a.(*rsa.PSSOptions)
	pb, bPSS := b.(*rsa.PSSOptions)
	return aPSS == bPSS && (!aPSS || pa.SaltLength == pb.SaltLength)
}

// slots bound the documents of one batch that work at once: parse,
// build and hash their revision, then write the signed document. A
// document waiting for its signature holds no slot, so every document
// still reaches the coalescer's one round. Waiting documents get a slot
// lowest index first: the batch works through its documents in order
// and finishes them in about the order they are answered in, so that an
// answer streamed in order holds few finished documents.
type slots struct {
	mu      sync.Mutex
	free    int
	waiting []slotWaiter
}

type slotWaiter struct {
	index int
	ready chan struct{}
}

func newSlots(n int) *slots { return &slots{free: n} }

// acquire waits for a slot for document index.
func (s *slots) acquire(index int) {
	s.mu.Lock()
	if s.free > 0 {
		s.free--
		s.mu.Unlock()
		return
	}
	w := slotWaiter{index: index, ready: make(chan struct{})}
	s.waiting = append(s.waiting, w)
	s.mu.Unlock()
	<-w.ready
}

// release gives a slot back: to the waiting document of lowest index, if any.
func (s *slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.waiting) == 0 {
		s.free++
		return
	}
	low := 0
	for i, w := range s.waiting {
		if w.index < s.waiting[low].index {
			low = i
		}
	}
	w := s.waiting[low]
	s.waiting = append(s.waiting[:low], s.waiting[low+1:]...)
	close(w.ready)
}

// batchSlots is how many documents of one batch work at once: a few per
// core keep the cores busy while the live memory of a batch stays that of
// a few documents at work (plus their inputs and those waiting for their
// signature), not that of all of them.
func batchSlots() int { return max(8, 4*runtime.GOMAXPROCS(0)) }

// MaxBatchDocuments bounds one batch signing request.
const MaxBatchDocuments = 100

// BatchDocument is one document of a batch: read from In (Size bytes),
// written signed to Out.
type BatchDocument struct {
	Name string
	In   io.ReadSeeker
	Size int64
	Out  io.Writer
	// Done, if not nil, is called with the document's result as soon as
	// it is known (from a goroutine of PreparedPDFBatch.Sign's, before it
	// returns),
	// so that the document can be answered and released while the others
	// are signed. After Done the batch neither reads In nor writes Out.
	Done func(BatchResult)
}

// BatchResult is the outcome of one document; exactly one field is set.
type BatchResult struct {
	Result *PDFResult
	Err    error
}

// PreparedPDFBatch is a batch PDF signing request whose options are
// checked (see PreparedPDF).
type PreparedPDFBatch struct {
	Digests
	s    *Service
	req  PDFRequest
	docs []BatchDocument
}

// Fits is PreparedPDF.Fits for the batch's options.
func (p *PreparedPDFBatch) Fits(cred *model.SigningCredential) error { return fitsPDF(p.req, cred) }

// PreparePDFBatch checks a request to sign every document with the same
// credential and options: 1 to MaxBatchDocuments documents, and the
// options as PreparePDF checks them.
func (s *Service) PreparePDFBatch(req PDFRequest, docs []BatchDocument) (*PreparedPDFBatch, error) {
	if len(docs) == 0 || len(docs) > MaxBatchDocuments {
		return nil, ErrInvalid.Errorf("a batch holds 1 to %d documents", MaxBatchDocuments)
	}
	if err := req.validate(); err != nil {
		return nil, err
	}
	readers := make([]io.Reader, len(docs))
	for i, d := range docs {
		readers[i] = d.In
	}
	return &PreparedPDFBatch{Digests: readerDigests(readers...), s: s, req: req, docs: docs}, nil
}

// Sign signs every document with cred, authorised once for the batch
// for caller (a citizen's SAD covers the batch's Digests). Documents are
// signed a few at a time (batchSlots), lowest index first, and their
// signatures are made in one Vault Transit batch call when the
// credential's key supports it. One bad document fails alone and is
// reported in its result; the error return is for the batch as a whole
// (no credential), and then no Done is called.
func (p *PreparedPDFBatch) Sign(ctx context.Context, caller Caller, cred *model.SigningCredential) ([]BatchResult, error) {
	if err := usable(cred); err != nil {
		return nil, err
	}
	s, req, docs := p.s, p.req, p.docs
	var co *coalescer
	if bs, ok := cred.Signer.(cms.BatchSigner); ok {
		co = newCoalescer(cred.Signer.Public(), bs, len(docs))
	}
	sl := newSlots(batchSlots())
	results := make([]BatchResult, len(docs))
	var wg sync.WaitGroup
	for i, d := range docs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			docCred := *cred
			if co != nil {
				docCred.Signer = &docSigner{co: co, slots: sl, index: i}
			}
			sl.acquire(i)
			res, err := s.signPDF(ctx, caller, req, &docCred, d.In, d.Size, d.Out)
			sl.release()
			if co != nil {
				// Without a slot: the round this may complete calls Vault.
				co.done()
			}
			results[i] = BatchResult{Result: res, Err: err}
			if d.Done != nil {
				d.Done(results[i])
			}
		}()
	}
	wg.Wait()
	return results, nil
}

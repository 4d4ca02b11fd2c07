package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/kyso-vn/kyso/store"
)

func holderCredential(id, holder string) *store.Credential {
	cr := newCredential(id)
	cr.Holder = holder
	return cr
}

// testHolder pins the one-active-credential-per-citizen rule (issue #14):
// a second active credential for the same holder is ErrHolderTaken; a
// credential without a holder, a retired one, or one whose current
// certificate is revoked leaves the holder free; rotation keeps the claim.
func testHolder(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	is := mustIssuer(t, s, "i1")
	const h = "CCCD:001099012345"

	first := holderCredential("c1", h)
	if err := s.CreateCredential(ctx, first, newCert("x1", is.ID, "c1", store.CertPending)); err != nil {
		t.Fatalf("CreateCredential(c1) = %v", err)
	}
	if got := getCredential(t, s, "c1"); got.Holder != h {
		t.Errorf("Holder = %q, want %q", got.Holder, h)
	}
	x1 := getCert(t, s, "x1")
	x1.CertPEM = "cert-pem-x1"
	if err := s.ActivateCertificate(ctx, x1, ""); err != nil {
		t.Fatalf("ActivateCertificate(x1) = %v", err)
	}
	err := s.CreateCredential(ctx, holderCredential("c2", h), nil)
	wantErr(t, "CreateCredential(c2, same holder)", err, store.ErrHolderTaken)
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("CreateCredential(c2) = %v, want it to match ErrConflict too", err)
	}
	if _, gerr := s.GetCredential(ctx, "c2"); !errors.Is(gerr, store.ErrNotFound) {
		t.Errorf("GetCredential(c2) = %v, want ErrNotFound: a refused credential must leave nothing", gerr)
	}
	// Other holders, and credentials without one, are not affected.
	if err := s.CreateCredential(ctx, holderCredential("c3", "CCCD:001099054321"), nil); err != nil {
		t.Errorf("CreateCredential(c3, other holder) = %v", err)
	}
	if err := s.CreateCredential(ctx, holderCredential("c4", ""), nil); err != nil {
		t.Errorf("CreateCredential(c4, no holder) = %v", err)
	}

	// Rotation: a new certificate of the same credential keeps the claim,
	// and revoking the superseded one does not release it.
	x2 := newCert("x2", is.ID, "c1", store.CertPending)
	mustCert(t, s, x2)
	x2.CertPEM = "cert-pem-x2"
	if err := s.ActivateCertificate(ctx, x2, "x1"); err != nil {
		t.Fatalf("ActivateCertificate(x2, supersede x1) = %v", err)
	}
	if err := s.RevokeCertificate(ctx, "x1", t0.Add(time.Hour), 4); err != nil {
		t.Fatalf("RevokeCertificate(x1) = %v", err)
	}
	wantErr(t, "CreateCredential(c5) after revoking a superseded certificate", s.CreateCredential(ctx, holderCredential("c5", h), nil), store.ErrHolderTaken)

	// Revoking the current certificate releases the holder.
	if err := s.RevokeCertificate(ctx, "x2", t0.Add(time.Hour), 1); err != nil {
		t.Fatalf("RevokeCertificate(x2) = %v", err)
	}
	if got := getCredential(t, s, "c1"); got.Holder != "" {
		t.Errorf("Holder after revoking the current certificate = %q, want released", got.Holder)
	}
	if err := s.CreateCredential(ctx, holderCredential("c6", h), nil); err != nil {
		t.Fatalf("CreateCredential(c6) after revocation = %v", err)
	}

	// A retired credential (status revoked) holds nothing either.
	c6 := getCredential(t, s, "c6")
	c6.Status = store.CredentialRevoked
	if err := s.UpdateCredential(ctx, c6); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateCredential(ctx, holderCredential("c7", h), nil); err != nil {
		t.Errorf("CreateCredential(c7) after retiring c6 = %v", err)
	}
}

// testConcurrentHolder creates credentials for one holder at once: exactly
// one may be made, the others get ErrHolderTaken (the unique index decides,
// not a read before the write).
func testConcurrentHolder(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	const n = 8
	var wg sync.WaitGroup
	made := make(chan string, n)
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("c%d", i)
			err := s.CreateCredential(ctxOf(t), holderCredential(id, "CCCD:001099012345"), nil)
			switch {
			case err == nil:
				made <- id
			case !errors.Is(err, store.ErrHolderTaken):
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(made)
	close(errs)
	for err := range errs {
		t.Errorf("concurrent CreateCredential: %v, want nil or ErrHolderTaken", err)
	}
	var ids []string
	for id := range made {
		ids = append(ids, id)
	}
	if len(ids) != 1 {
		t.Errorf("%d concurrent credentials for one holder: made %v, want exactly one", n, ids)
	}
}

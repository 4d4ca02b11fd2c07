package storetest

import (
	"testing"
	"time"

	"github.com/kyso-vn/kyso/store"
)

// testAuthEpoch: the authorisation version, read alone (AuthEpoch), with
// a client (FindClientByKeyHash) and with a credential
// (GetCredentialCertificate), is the same in all three while nothing
// changes, rises with every change to a client, a credential or a
// certificate, and stays put for changes elsewhere (the audit log), which
// a signing node makes at every signature.
func testAuthEpoch(t *testing.T, open func(t *testing.T) store.Store) {
	s := open(t)
	ctx := ctxOf(t)
	cl := newClient("cl1", 7, "Sở Y tế")
	if err := s.CreateClient(ctx, cl); err != nil {
		t.Fatal(err)
	}
	clientEpoch := func() int64 {
		t.Helper()
		c, err := s.FindClientByKeyHash(ctx, cl.KeyHash)
		if err != nil {
			t.Fatalf("FindClientByKeyHash = %v", err)
		}
		alone, err := s.AuthEpoch(ctx)
		if err != nil || alone != c.AuthEpoch {
			t.Fatalf("AuthEpoch = %d, %v; want %d, as read with the client", alone, err, c.AuthEpoch)
		}
		return c.AuthEpoch
	}
	last := clientEpoch()
	if last <= 0 {
		t.Fatalf("FindClientByKeyHash: AuthEpoch = %d, want > 0", last)
	}
	rises := func(what string, change func() error) {
		t.Helper()
		if err := change(); err != nil {
			t.Fatalf("%s = %v", what, err)
		}
		now := clientEpoch()
		if now <= last {
			t.Errorf("after %s: epoch %d, want above %d", what, now, last)
		}
		last = now
	}
	stays := func(what string, change func() error) {
		t.Helper()
		if err := change(); err != nil {
			t.Fatalf("%s = %v", what, err)
		}
		if now := clientEpoch(); now != last {
			t.Errorf("after %s: epoch %d, want %d (unchanged)", what, now, last)
		}
	}

	mustIssuer(t, s, "i1")
	rises("CreateCredential", func() error {
		return s.CreateCredential(ctx, newCredential("cr1"), newCert("c1", "i1", "cr1", store.CertPending))
	})
	c1 := getCert(t, s, "c1")
	c1.CertPEM, c1.Serial = "signed-c1", "01"
	c1.NotBefore, c1.NotAfter = t0, t0.Add(400*day)
	rises("ActivateCertificate", func() error { return s.ActivateCertificate(ctx, c1, "") })

	_, _, epoch, err := s.GetCredentialCertificate(ctx, "cr1")
	if err != nil || epoch != last {
		t.Errorf("GetCredentialCertificate(cr1): epoch %d, %v; want %d, as read with the client", epoch, err, last)
	}

	stays("AppendAudit", func() error {
		return s.AppendAudit(ctx, &store.AuditRecord{Actor: "cl1", Action: "sign.pdf", Target: "cr1", Details: `{}`}, testChain)
	})
	rises("SetClientDisabled", func() error { return s.SetClientDisabled(ctx, "cl1", true) })
	rises("SetClientDisabled(false)", func() error { return s.SetClientDisabled(ctx, "cl1", false) })
	rises("SetClientKeyHash", func() error { return s.SetClientKeyHash(ctx, "cl1", cl.KeyHash, time.Time{}) })
	rises("CreateClient", func() error { return s.CreateClient(ctx, newClient("cl2", 8)) })
	rises("DeleteClient", func() error { return s.DeleteClient(ctx, "cl2") })

	cr := getCredential(t, s, "cr1")
	cr.Status = store.CredentialRevoked
	rises("UpdateCredential", func() error { return s.UpdateCredential(ctx, cr) })
	rises("SetCredentialPIN", func() error { return s.SetCredentialPIN(ctx, "cr1", "pin-hash") })
	rises("CreateCertificate", func() error { return s.CreateCertificate(ctx, newCert("c2", "i1", "cr1", store.CertPending)) })
	rises("FailCertificate", func() error { return s.FailCertificate(ctx, "c2") })
	rises("RevokeCertificate", func() error { return s.RevokeCertificate(ctx, "c1", t0.Add(time.Hour), 1) })

	// A read that finds no current certificate has no version to offer.
	if _, c, epoch, err := s.GetCredentialCertificate(ctx, "nope"); err == nil || c != nil || epoch != 0 {
		t.Errorf("GetCredentialCertificate(nope) = %v, epoch %d, %v; want ErrNotFound, epoch 0", c, epoch, err)
	}
}

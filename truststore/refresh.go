package truststore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/kyso-vn/kyso/store"
)

// BundleInfo describes the trust bundle in use.
type BundleInfo struct {
	Name    string `json:"name"`
	Version uint64 `json:"version"`
	Date    string `json:"date"`
	// Anchors is the number of certificates of the bundle.
	Anchors int `json:"anchors"`
	// Signer is the subject of the bundle signer that signed it.
	Signer string `json:"signer"`
	// Location is where it was read from.
	Location string    `json:"location"`
	LoadedAt time.Time `json:"loaded_at"`
}

// Status is the trust bundle's state: the bundle in use, and how the
// last attempt to refresh it went.
type Status struct {
	// Bundle is the bundle in use; nil when none is configured.
	Bundle *BundleInfo `json:"bundle,omitempty"`
	// LastCheck is when a bundle was last read (loaded, or refused).
	LastCheck time.Time `json:"last_check,omitzero"`
	// LastError says why the last refresh was refused or failed; empty
	// when it succeeded or found nothing newer. The bundle in use stays.
	LastError string `json:"last_error,omitempty"`
	// Changed is true when the last refresh swapped in a new bundle.
	Changed bool `json:"changed"`
}

func (b *Bundle) info(loc Location) *BundleInfo {
	return &BundleInfo{Name: b.Manifest.Name, Version: b.Manifest.Version, Date: b.Manifest.Date,
		Anchors: len(b.Certs), Signer: b.Signer.Subject.String(), Location: loc.String(), LoadedAt: time.Now()}
}

// Status returns the trust bundle's state.
func (s *Store) Status() Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.status
	if st.Bundle != nil {
		b := *st.Bundle
		st.Bundle = &b
	}
	return st
}

// Refresh reads the trust bundle again from its last location and, when
// it is newer than the one in use and passes every check of LoadBundle,
// swaps it in: the next Snapshot trusts it, while verifications that took
// a snapshot before keep theirs. A bundle that fails (unreadable, a bad
// signature or fingerprint, an older version: a rollback, or the same
// version with other contents) changes nothing: the error says why, and
// Status keeps it until a refresh succeeds. Refreshing to the same bundle
// is not an error.
func (s *Store) Refresh(ctx context.Context) (Status, error) {
	if len(s.bundleLocs) == 0 {
		return s.Status(), ErrNoBundle
	}
	s.refreshing.Lock()
	defer s.refreshing.Unlock()
	loc := s.bundleLocs[len(s.bundleLocs)-1]
	b, err := LoadBundle(ctx, loc, s.signers)
	if err == nil {
		err = s.acceptable(b)
	}
	if err == nil {
		err = s.record(ctx, b)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status.LastCheck, s.status.Changed, s.status.LastError = time.Now(), false, ""
	if err != nil {
		s.status.LastError = err.Error()
		return s.statusLocked(), err
	}
	if s.bundle == nil || b.Manifest.Version != s.bundle.Manifest.Version {
		s.bundle, s.stale = b, true
		s.status.Bundle, s.status.Changed = b.info(loc), true
	}
	return s.statusLocked(), nil
}

func (s *Store) statusLocked() Status {
	st := s.status
	if st.Bundle != nil {
		b := *st.Bundle
		st.Bundle = &b
	}
	return st
}

// acceptable refuses a bundle older than the one in use (a rollback to a
// bundle that still trusted a since-removed anchor), or of the same
// version with other contents.
func (s *Store) acceptable(b *Bundle) error {
	s.mu.Lock()
	cur := s.bundle
	s.mu.Unlock()
	if cur == nil {
		return nil
	}
	switch v, have := b.Manifest.Version, cur.Manifest.Version; {
	case v < have:
		return ErrBundleRefused.Errorf("version %d is older than version %d in use (a rollback)", v, have)
	case v == have && !sameAnchors(b.Manifest, cur.Manifest):
		return ErrBundleRefused.Errorf("version %d has other contents than the version %d in use: a new bundle needs a new version", v, have)
	}
	return nil
}

// record records b's version as accepted in the deployment's memory of
// bundle versions, which refuses an older version, or the same version
// with other contents, than one accepted before — by this node before a
// restart, or by another node.
func (s *Store) record(ctx context.Context, b *Bundle) error {
	if s.versions == nil {
		return nil
	}
	v, digest := b.Manifest.Version, contentsDigest(b.Manifest)
	have, haveDigest, err := s.versions.BundleVersion(ctx, b.Manifest.Name)
	if err != nil {
		return fmt.Errorf("truststore: read the bundle versions accepted: %w", err)
	}
	switch {
	case v < have:
		return ErrBundleRefused.Errorf("version %d is older than version %d this deployment has accepted (a rollback)", v, have)
	case v == have && digest != haveDigest:
		return ErrBundleRefused.Errorf("version %d has other contents than the version %d this deployment has accepted: a new bundle needs a new version", v, have)
	case v == have:
		return nil
	}
	if err := s.versions.RecordBundleVersion(ctx, b.Manifest.Name, v, digest); err != nil {
		if errors.Is(err, store.ErrConflict) {
			// Another node accepted a newer one since the read.
			return ErrBundleRefused.Errorf("version %d: %v", v, err)
		}
		return fmt.Errorf("truststore: record bundle version %d: %w", v, err)
	}
	return nil
}

// contentsDigest is the SHA-256 of what makes two bundles of one version
// the same (sameAnchors): the name and the anchors.
func contentsDigest(m Manifest) string {
	j, _ := json.Marshal(struct {
		Name    string `json:"name"`
		Anchors any    `json:"anchors"`
	}{m.Name, m.Anchors})
	sum := sha256.Sum256(j)
	return hex.EncodeToString(sum[:])
}

func sameAnchors(a, b Manifest) bool {
	ja, _ := json.Marshal(a.Anchors)
	jb, _ := json.Marshal(b.Anchors)
	return a.Name == b.Name && bytes.Equal(ja, jb)
}

// Run refreshes the bundle every interval until ctx ends, and reports
// each attempt's outcome to report (which logs it; it may be nil).
func (s *Store) Run(ctx context.Context, interval time.Duration, report func(Status, error)) {
	if len(s.bundleLocs) == 0 || interval <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st, err := s.Refresh(ctx)
			if report != nil {
				report(st, err)
			}
		}
	}
}

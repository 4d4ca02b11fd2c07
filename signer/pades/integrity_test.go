package pades_test

import (
	"bytes"
	"context"
	"crypto"
	"encoding/asn1"
	"errors"
	"io"
	"testing"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/cms"
	"github.com/kyso-vn/kyso/signer/pades"
)

// TestReadBackCatchesBadCMS hands Sign CMS signatures that are well formed
// but wrong for the document; the read-back check must refuse each and
// nothing may be written.
func TestReadBackCatchesBadCMS(t *testing.T) {
	p := getPKI(t)
	in := makePDF(pdfSpec{})
	tests := []struct {
		name string
		f    func(context.Context, []byte, model.Key, cms.Options) ([]byte, error)
		opts pades.Options
	}{
		{"over another digest", func(ctx context.Context, d []byte, c model.Key, o cms.Options) ([]byte, error) {
			d = bytes.Clone(d)
			d[0] ^= 1
			return cms.SignDigest(ctx, d, c, o)
		}, pades.Options{}},
		{"by another signer", func(ctx context.Context, d []byte, _ model.Key, o cms.Options) ([]byte, error) {
			return cms.SignDigest(ctx, d, p.seal, o)
		}, pades.Options{}},
		{"PKCS #1 v1.5 when PSS was asked for", func(ctx context.Context, d []byte, c model.Key, o cms.Options) ([]byte, error) {
			o.PSS = false
			return cms.SignDigest(ctx, d, c, o)
		}, pades.Options{Scheme: pades.SchemePSS}},
		{"with another hash", func(ctx context.Context, d []byte, c model.Key, o cms.Options) ([]byte, error) {
			h := crypto.SHA512.New()
			h.Write(d)
			o.Hash = crypto.SHA512
			return cms.SignDigest(ctx, h.Sum(nil), c, o)
		}, pades.Options{}},
		{"with a signing-time attribute", func(ctx context.Context, d []byte, c model.Key, o cms.Options) ([]byte, error) {
			o.SigningTime = true
			return cms.SignDigest(ctx, d, c, o)
		}, pades.Options{}},
		{"without the time-stamp", func(ctx context.Context, d []byte, c model.Key, o cms.Options) ([]byte, error) {
			o.Timestamper = nil
			return cms.SignDigest(ctx, d, c, o)
		}, pades.Options{Level: pades.LevelBT}},
		{"in BER", func(ctx context.Context, d []byte, c model.Key, o cms.Options) ([]byte, error) {
			der, err := cms.SignDigest(ctx, d, c, o)
			if err != nil {
				return nil, err
			}
			// The same ContentInfo with an indefinite outer length: a
			// verifier re-encodes it, but kyso writes DER only.
			var outer asn1.RawValue
			if _, err := asn1.Unmarshal(der, &outer); err != nil {
				return nil, err
			}
			return append(append([]byte{0x30, 0x80}, outer.Bytes...), 0, 0), nil
		}, pades.Options{}},
		{"from a signer that vouches for a bad signature", func(ctx context.Context, d []byte, c model.Key, o cms.Options) ([]byte, error) {
			// cms relies on such a signer's promise (cms.SelfVerifying)
			// and does not verify its signature again: the read-back
			// check is what catches the lie.
			c.Signer = vouchingLiar{c.Signer}
			return cms.SignDigest(ctx, d, c, o)
		}, pades.Options{}},
		{"from a signer whose unchecked signatures are bad", func(ctx context.Context, d []byte, c model.Key, o cms.Options) ([]byte, error) {
			// pades asks cms for the signer's Unchecked view (keys.Signer
			// has one), which does not verify what it returns: the
			// read-back check is the one that does.
			c.Signer = uncheckable{Signer: c.Signer, bad: true, uses: new(int)}
			return cms.SignDigest(ctx, d, c, o)
		}, pades.Options{}},
		{"with data after it", func(ctx context.Context, d []byte, c model.Key, o cms.Options) ([]byte, error) {
			der, err := cms.SignDigest(ctx, d, c, o)
			return append(der, 0x05, 0x00), err
		}, pades.Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pades.NewWithCMS(&testTSA{pki: p}, nil, tt.f)
			var out bytes.Buffer
			_, err := s.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out, p.official, tt.opts)
			if !errors.Is(err, pades.ErrIntegrity) || out.Len() != 0 {
				t.Errorf("Sign with a CMS %s = %v, wrote %d bytes; want ErrIntegrity and nothing", tt.name, err, out.Len())
			}
		})
	}
}

// uncheckable is a signer with an Unchecked view, as keys.Signer has; the
// view counts its signatures and, if bad, changes their last byte.
type uncheckable struct {
	crypto.Signer
	bad  bool
	uses *int
}

func (u uncheckable) Unchecked() crypto.Signer { return uncheckedView(u) }

type uncheckedView uncheckable

func (u uncheckedView) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	*u.uses++
	sig, err := u.Signer.Sign(r, digest, opts)
	if err == nil && u.bad {
		sig[len(sig)-1] ^= 1
	}
	return sig, err
}

// TestSignsUnchecked: a B-B signature is made through the signer's
// Unchecked view, since the read-back check verifies it; above B-B the
// signer itself signs, so that no time-stamp is spent on a signature that
// does not verify.
func TestSignsUnchecked(t *testing.T) {
	p := getPKI(t)
	in := makePDF(pdfSpec{})
	s := pades.New(&testTSA{pki: p}, nil)
	for _, tc := range []struct {
		level pades.Level
		uses  int
	}{{pades.LevelBB, 1}, {pades.LevelBT, 0}} {
		cred := p.official
		u := uncheckable{Signer: cred.Signer, uses: new(int)}
		cred.Signer = u
		var out bytes.Buffer
		if _, err := s.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out, cred, pades.Options{Level: tc.level}); err != nil {
			t.Fatalf("Sign(%s) = %v", tc.level, err)
		}
		if *u.uses != tc.uses {
			t.Errorf("Sign(%s) signed through the Unchecked view %d times, want %d", tc.level, *u.uses, tc.uses)
		}
	}
}

// vouchingLiar claims to verify its own signatures (cms.SelfVerifying)
// but returns each with its last byte changed.
type vouchingLiar struct{ crypto.Signer }

func (vouchingLiar) VerifiesOwnSignatures() bool { return true }

func (l vouchingLiar) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	sig, err := l.Signer.Sign(r, digest, opts)
	if err == nil {
		sig[len(sig)-1] ^= 1
	}
	return sig, err
}

// wrongTSA stamps the wrong digest from its n-th call on.
type wrongTSA struct {
	testTSA
	from int64
}

func (w *wrongTSA) Timestamp(ctx context.Context, digest []byte, h crypto.Hash) ([]byte, error) {
	if w.calls.Load()+1 >= w.from {
		digest = bytes.Clone(digest)
		digest[0] ^= 1
	}
	return w.testTSA.Timestamp(ctx, digest, h)
}

// TestBadTimestamps checks that a token over something else is refused,
// for the signature time-stamp and for the document time-stamp.
func TestBadTimestamps(t *testing.T) {
	p := getPKI(t)
	in := makePDF(pdfSpec{})
	for _, tt := range []struct {
		name  string
		from  int64
		level pades.Level
	}{
		{"signature time-stamp", 1, pades.LevelBT},
		{"document time-stamp", 2, pades.LevelBLTA},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := pades.New(&wrongTSA{testTSA: testTSA{pki: p}, from: tt.from}, newRevocation(p))
			var out bytes.Buffer
			_, err := s.Sign(context.Background(), bytes.NewReader(in), int64(len(in)), &out, p.official, pades.Options{Level: tt.level})
			if !errors.Is(err, pades.ErrIntegrity) || out.Len() != 0 {
				t.Errorf("Sign(%s) with a wrong %s = %v, wrote %d bytes; want ErrIntegrity and nothing", tt.level, tt.name, err, out.Len())
			}
		})
	}
}

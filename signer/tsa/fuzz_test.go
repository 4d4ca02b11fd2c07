package tsa_test

import (
	"context"
	"crypto/sha256"
	"math/big"
	"testing"

	"github.com/digitorus/timestamp"

	"github.com/kyso-vn/kyso/signer/tsa"
)

// FuzzRespond checks that Respond never panics, never fails on kyso's side
// (its signer and clock work here), and always answers with a DER
// TimeStampResp: a rejection, or a granted token that parses and verifies.
func FuzzRespond(f *testing.F) {
	fx := newFixture(f, tsa.Config{})
	digest := sha256.Sum256([]byte("fuzz"))
	good := imprintRequest(oidSHA256, digest[:])
	good.Nonce = big.NewInt(0x1234567890)
	good.CertReq = true
	f.Add(good.der(f))
	f.Add(imprintRequest(oidSHA256, digest[:]).der(f))
	f.Add(imprintRequest(oidSHA1, digest[:20]).der(f))
	f.Add([]byte{})
	f.Add([]byte("garbage"))
	f.Add([]byte{0x30, 0x80, 0x00, 0x00}) // BER indefinite length

	f.Fuzz(func(t *testing.T, req []byte) {
		resp, err := fx.auth.Respond(context.Background(), req)
		if err != nil {
			t.Fatalf("Respond(%x) = %v, want a TimeStampResp", req, err)
		}
		r := decodeResp(t, resp)
		switch r.Status.Status {
		case int(timestamp.Granted):
			if len(r.Token.FullBytes) == 0 {
				t.Fatal("granted without a token")
			}
			if _, err := timestamp.Parse(r.Token.FullBytes); err != nil {
				t.Fatalf("granted token does not parse: %v", err)
			}
		case int(timestamp.Rejection):
			if r.Status.FailInfo.BitLength == 0 {
				t.Fatal("rejection without failInfo")
			}
		default:
			t.Fatalf("status %d", r.Status.Status)
		}
	})
}

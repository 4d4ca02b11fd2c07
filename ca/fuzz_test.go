package ca_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"

	"golang.org/x/crypto/ocsp"
)

// ocspTryLater is the RFC 6960 tryLater(3) response.
var ocspTryLater = []byte{0x30, 0x03, 0x0A, 0x01, 0x03}

// FuzzOCSPRequest feeds arbitrary bytes to Authority.Respond on a
// bootstrapped CA over the shared test Vault. Respond must never panic;
// with Vault and the store healthy it must never fail (no error, no
// tryLater); it answers malformedRequest to anything x/crypto/ocsp cannot
// parse, unauthorized to a CertID of no issuer of ours, and otherwise a
// signed response that x/crypto/ocsp accepts under the issuing CA, for the
// requested serial, saying good or revoked only for a serial kyso issued.
func FuzzOCSPRequest(f *testing.F) {
	e := newEnv(f, nil)
	e.bootstrap(f)
	ctx := context.Background()
	good, err := e.ca.Issue(ctx, citizen)
	if err != nil {
		f.Fatalf("Issue() = %v", err)
	}
	revoked, err := e.ca.Issue(ctx, citizenNo(1))
	if err != nil {
		f.Fatalf("Issue() = %v", err)
	}
	if _, err := e.ca.Revoke(ctx, revoked.Record.ID, "keyCompromise"); err != nil {
		f.Fatalf("Revoke() = %v", err)
	}
	issuer := good.Chain[0]
	wantStatus := map[string]int{ // by serial, decimal
		good.Leaf.SerialNumber.String():    ocsp.Good,
		revoked.Leaf.SerialNumber.String(): ocsp.Revoked,
	}

	unknown := new(big.Int).Add(good.Leaf.SerialNumber, big.NewInt(1))
	rfc8954, err := asn1.Marshal([]byte("0123456789abcdef")) // OCTET STRING of 16 octets
	if err != nil {
		f.Fatal(err)
	}
	var seeds [][]byte
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256} {
		req, err := ocsp.CreateRequest(good.Leaf, issuer, &ocsp.RequestOptions{Hash: h})
		if err != nil {
			f.Fatalf("CreateRequest(%v) = %v", h, err)
		}
		seeds = append(seeds, req)
	}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		seeds = append(seeds,
			ocspRequestDER(f, h, issuer, good.Leaf.SerialNumber, rfc8954),
			ocspRequestDER(f, h, issuer, good.Leaf.SerialNumber, []byte("raw nonce, pre-RFC 8954")),
		)
	}
	seeds = append(seeds,
		ocspRequestDER(f, crypto.SHA256, issuer, revoked.Leaf.SerialNumber, rfc8954),
		ocspRequestDER(f, crypto.SHA1, issuer, unknown, nil),
		ocspRequestDER(f, crypto.SHA1, good.Chain[len(good.Chain)-1], good.Leaf.SerialNumber, nil), // root: unauthorized
		ocspRequestDER(f, crypto.SHA256, issuer, good.Leaf.SerialNumber, bytes.Repeat([]byte{7}, 200)),
		// Known bug, kept failing until fixed: Respond looks the serial up
		// by serialHex, the hex of its absolute value, so the negation of
		// an issued serial (never issued: serials are positive) is "good".
		ocspRequestDER(f, crypto.SHA1, issuer, new(big.Int).Neg(good.Leaf.SerialNumber), nil),
	)
	for _, s := range seeds {
		f.Add(s)
		for _, n := range []int{len(s) - 1, len(s) / 2, 2} {
			f.Add(s[:n])
		}
	}
	f.Add([]byte{})
	f.Add([]byte("not der"))
	f.Add([]byte{0x30, 0x80, 0x30, 0x80, 0x00, 0x00, 0x00, 0x00}) // BER indefinite length

	f.Fuzz(func(t *testing.T, reqDER []byte) {
		resp, err := e.ca.Respond(ctx, reqDER)
		if err != nil {
			t.Fatalf("Respond(%x) = %x, %v; want no error with Vault and store up", reqDER, resp, err)
		}
		req, perr := ocsp.ParseRequest(reqDER)
		switch {
		case bytes.Equal(resp, ocsp.MalformedRequestErrorResponse):
			return // requestNonce is stricter than x/crypto/ocsp: perr may be nil
		case perr != nil:
			t.Fatalf("Respond(%x) = %x, want malformedRequest for a request x/crypto/ocsp rejects (%v)", reqDER, resp, perr)
		case bytes.Equal(resp, ocspTryLater):
			t.Fatalf("Respond(%x) = tryLater with no error", reqDER)
		case bytes.Equal(resp, ocsp.UnauthorizedErrorResponse):
			return
		}
		r, err := ocsp.ParseResponse(resp, issuer)
		if err != nil {
			t.Fatalf("ParseResponse(Respond(%x)) = %v", reqDER, err)
		}
		if r.SerialNumber.Cmp(req.SerialNumber) != 0 {
			t.Errorf("response serial = %v, want the request's %v", r.SerialNumber, req.SerialNumber)
		}
		want, ok := wantStatus[req.SerialNumber.String()]
		if !ok {
			want = ocsp.Unknown
		}
		if r.Status != want {
			t.Errorf("Respond(%x): status %d for serial %v, want %d", reqDER, r.Status, req.SerialNumber, want)
		}
	})
}

// OCSP request structures of RFC 6960, 4.1.1, enough to write the nonce
// extension that ocsp.CreateRequest cannot.
type fuzzCertID struct {
	HashAlgorithm  pkix.AlgorithmIdentifier
	IssuerNameHash []byte
	IssuerKeyHash  []byte
	SerialNumber   *big.Int
}

type fuzzSingleRequest struct{ Cert fuzzCertID }

type fuzzTBSRequest struct {
	RequestList []fuzzSingleRequest
	Extensions  []pkix.Extension `asn1:"explicit,tag:2,optional"`
}

type fuzzOCSPRequest struct{ TBSRequest fuzzTBSRequest }

// ocspRequestDER is a DER OCSP request for serial under issuer with a
// CertID hashed by h and, when nonce is not nil, a nonce extension whose
// extnValue is nonce as given.
func ocspRequestDER(t testing.TB, h crypto.Hash, issuer *x509.Certificate, serial *big.Int, nonce []byte) []byte {
	t.Helper()
	oids := map[crypto.Hash]asn1.ObjectIdentifier{
		crypto.SHA1:   {1, 3, 14, 3, 2, 26},
		crypto.SHA256: {2, 16, 840, 1, 101, 3, 4, 2, 1},
		crypto.SHA384: {2, 16, 840, 1, 101, 3, 4, 2, 2},
		crypto.SHA512: {2, 16, 840, 1, 101, 3, 4, 2, 3},
	}
	sum := func(b []byte) []byte {
		switch h {
		case crypto.SHA1:
			s := sha1.Sum(b)
			return s[:]
		case crypto.SHA256:
			s := sha256.Sum256(b)
			return s[:]
		case crypto.SHA384:
			s := sha512.Sum384(b)
			return s[:]
		}
		s := sha512.Sum512(b)
		return s[:]
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(issuer.RawSubjectPublicKeyInfo, &spki); err != nil {
		t.Fatal(err)
	}
	tbs := fuzzTBSRequest{RequestList: []fuzzSingleRequest{{Cert: fuzzCertID{
		HashAlgorithm:  pkix.AlgorithmIdentifier{Algorithm: oids[h], Parameters: asn1.NullRawValue},
		IssuerNameHash: sum(issuer.RawSubject),
		IssuerKeyHash:  sum(spki.PublicKey.RightAlign()),
		SerialNumber:   serial,
	}}}}
	if nonce != nil {
		tbs.Extensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}, Value: nonce}}
	}
	der, err := asn1.Marshal(fuzzOCSPRequest{TBSRequest: tbs})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

package keys_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/vault/api"

	"github.com/kyso-vn/kyso/keys"
)

// fakeTransit is an httptest Transit that serves one key, named "k", with
// two versions, and signs with local keys. It fails on cue for the fault
// paths a real Vault cannot be made to show, and records sign requests so
// that the parameter mapping can be checked.
type fakeTransit struct {
	*httptest.Server
	typ  keys.KeyType
	priv map[int]crypto.Signer // by version

	mu       sync.Mutex
	requests []map[string]any // sign request bodies
	// misbehave, if set, may rewrite the answer to a sign request; item is
	// -1 for a single request, else the batch index.
	misbehave func(item int, version int, sig []byte) (label int, out []byte)
	status    int // if non-zero, sign requests fail with this status
}

func newFakeTransit(t *testing.T, kt keys.KeyType) *fakeTransit {
	t.Helper()
	f := &fakeTransit{typ: kt, priv: map[int]crypto.Signer{}}
	for v := 1; v <= 2; v++ {
		var (
			k   crypto.Signer
			err error
		)
		switch kt {
		case keys.ECDSAP256:
			k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		case keys.RSA2048:
			k, err = rsa.GenerateKey(rand.Reader, 2048)
		default:
			t.Fatalf("fakeTransit: unsupported type %s", kt)
		}
		if err != nil {
			t.Fatal(err)
		}
		f.priv[v] = k
	}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeTransit) serve(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/transit/keys/k":
		f.mu.Lock()
		defer f.mu.Unlock()
		versions := map[string]any{}
		for v, k := range f.priv {
			der, _ := x509.MarshalPKIXPublicKey(k.Public())
			versions[fmt.Sprint(v)] = map[string]any{
				"public_key": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})),
			}
		}
		writeJSON(w, 200, map[string]any{"data": map[string]any{
			"type": string(f.typ), "latest_version": 2, "exportable": false,
			"allow_plaintext_backup": false, "keys": versions,
		}})
	case (r.Method == http.MethodPut || r.Method == http.MethodPost) && r.URL.Path == "/v1/transit/sign/k":
		f.sign(w, r)
	default:
		writeJSON(w, 404, map[string]any{"errors": []string{}})
	}
}

func (f *fakeTransit) sign(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeJSON(w, 400, map[string]any{"errors": []string{err.Error()}})
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, body)
	misbehave, status, priv := f.misbehave, f.status, f.priv[int(body["key_version"].(float64))]
	f.mu.Unlock()
	if status != 0 {
		writeJSON(w, status, map[string]any{"errors": []string{"fake failure"}})
		return
	}

	version := int(body["key_version"].(float64))
	signOne := func(item int, input string) (string, error) {
		digest, err := base64.StdEncoding.DecodeString(input)
		if err != nil {
			return "", err
		}
		h := map[string]crypto.Hash{"sha2-256": crypto.SHA256, "sha2-384": crypto.SHA384, "sha2-512": crypto.SHA512}[body["hash_algorithm"].(string)]
		var opts crypto.SignerOpts = h
		if body["signature_algorithm"] == "pss" {
			opts = &rsa.PSSOptions{Hash: h, SaltLength: rsa.PSSSaltLengthEqualsHash}
		}
		sig, err := priv.Sign(rand.Reader, digest, opts)
		if err != nil {
			return "", err
		}
		label := version
		if misbehave != nil {
			label, sig = misbehave(item, version, sig)
		}
		return fmt.Sprintf("vault:v%d:%s", label, base64.StdEncoding.EncodeToString(sig)), nil
	}

	if batch, ok := body["batch_input"].([]any); ok {
		var results []map[string]any
		for i, it := range batch {
			item := it.(map[string]any)
			sig, err := signOne(i, item["input"].(string))
			res := map[string]any{"reference": item["reference"], "key_version": version}
			if err != nil {
				res["error"] = err.Error()
			} else {
				res["signature"] = sig
			}
			results = append(results, res)
		}
		writeJSON(w, 200, map[string]any{"data": map[string]any{"batch_results": results}})
		return
	}
	sig, err := signOne(-1, body["input"].(string))
	if err != nil {
		writeJSON(w, 400, map[string]any{"errors": []string{err.Error()}})
		return
	}
	writeJSON(w, 200, map[string]any{"data": map[string]any{"signature": sig, "key_version": version}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeTransit) lastRequest() map[string]any {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		return nil
	}
	return f.requests[len(f.requests)-1]
}

func (f *fakeTransit) set(status int, misbehave func(item, version int, sig []byte) (int, []byte)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.misbehave = status, misbehave
}

// signer returns a Signer for version 1 of the fake's key, through a client
// without retries.
func (f *fakeTransit) signer(t *testing.T, version int) *keys.Signer {
	t.Helper()
	cfg := api.DefaultConfig()
	cfg.Address = f.URL
	cfg.MaxRetries = 0
	c, err := api.NewClient(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken("fake")
	m, err := keys.New(c, keys.Config{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := m.Signer(context.Background(), "k", version)
	if err != nil {
		t.Fatalf("Signer(k, %d) = %v", version, err)
	}
	return s
}

// TestSignParams pins the Transit parameters each kind of SignerOpts maps
// to: nothing is left to Transit's defaults.
func TestSignParams(t *testing.T) {
	t.Parallel()
	rsaFake := newFakeTransit(t, keys.RSA2048)
	ecFake := newFakeTransit(t, keys.ECDSAP256)
	tests := []struct {
		name string
		f    *fakeTransit
		opts crypto.SignerOpts
		want map[string]any
	}{
		{"rsa pkcs1v15", rsaFake, crypto.SHA256, map[string]any{
			"prehashed": true, "hash_algorithm": "sha2-256", "key_version": 1.0, "signature_algorithm": "pkcs1v15"}},
		{"rsa pkcs1v15 sha512", rsaFake, crypto.SHA512, map[string]any{
			"prehashed": true, "hash_algorithm": "sha2-512", "key_version": 1.0, "signature_algorithm": "pkcs1v15"}},
		{"rsa pss hash", rsaFake, &rsa.PSSOptions{Hash: crypto.SHA384, SaltLength: rsa.PSSSaltLengthEqualsHash}, map[string]any{
			"prehashed": true, "hash_algorithm": "sha2-384", "key_version": 1.0, "signature_algorithm": "pss", "salt_length": "hash"}},
		{"rsa pss auto", rsaFake, &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthAuto}, map[string]any{
			"prehashed": true, "hash_algorithm": "sha2-256", "key_version": 1.0, "signature_algorithm": "pss", "salt_length": "auto"}},
		{"rsa pss 32", rsaFake, &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: 32}, map[string]any{
			"prehashed": true, "hash_algorithm": "sha2-256", "key_version": 1.0, "signature_algorithm": "pss", "salt_length": "32"}},
		{"ecdsa", ecFake, crypto.SHA256, map[string]any{
			"prehashed": true, "hash_algorithm": "sha2-256", "key_version": 1.0, "marshaling_algorithm": "asn1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.f.signer(t, 1)
			d := digestOf(tt.opts.HashFunc(), tt.name)
			// The fake signs PSS with a hash-length salt, which an "auto" or
			// 32-byte verification also accepts for SHA-256.
			if _, err := s.SignContext(context.Background(), d, tt.opts); err != nil {
				t.Fatalf("SignContext = %v", err)
			}
			got := tt.f.lastRequest()
			delete(got, "input")
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("sign request = %v, want %v", got, tt.want)
			}
			if _, err := s.SignBatch(context.Background(), [][]byte{d, d}, tt.opts); err != nil {
				t.Fatalf("SignBatch = %v", err)
			}
			got = tt.f.lastRequest()
			delete(got, "batch_input")
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("batch sign request = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSignFaults covers answers a real Vault does not give. Its signature
// cases hold Signer to what VerifiesOwnSignatures promises signer/cms: no
// signature that fails to verify against the pinned key is returned, alone
// or in a batch.
func TestSignFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		status    int
		misbehave func(item, version int, sig []byte) (int, []byte)
		want      error
		wantText  string
	}{
		{"labelled with another version", 0, func(_, v int, sig []byte) (int, []byte) { return v + 1, sig }, keys.ErrIntegrity, "version 2, want pinned version 1"},
		{"signed with another key", 0, nil, keys.ErrIntegrity, "does not verify"},
		{"garbage signature", 0, func(_, v int, _ []byte) (int, []byte) { return v, []byte("garbage") }, keys.ErrIntegrity, "does not verify"},
		{"500", 500, nil, keys.ErrUnavailable, "HTTP 500"},
		{"502", 502, nil, keys.ErrUnavailable, "HTTP 502"},
		{"429", 429, nil, keys.ErrUnavailable, "HTTP 429"},
		{"403", 403, nil, keys.ErrForbidden, "HTTP 403"},
		{"400", 400, nil, keys.ErrInvalid, "fake failure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeTransit(t, keys.ECDSAP256)
			s := f.signer(t, 1)
			if tt.name == "signed with another key" {
				// Swap the private keys after the signer pinned v1's
				// public key: Vault now signs "v1" with a wrong key.
				f.mu.Lock()
				f.priv[1], f.priv[2] = f.priv[2], f.priv[1]
				f.mu.Unlock()
			}
			f.set(tt.status, tt.misbehave)
			d := digestOf(crypto.SHA256, tt.name)
			_, err := s.SignContext(context.Background(), d, crypto.SHA256)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("SignContext = %v, want %v containing %q", err, tt.want, tt.wantText)
			}
			_, err = s.SignBatch(context.Background(), [][]byte{d, d, d}, crypto.SHA256)
			if !errors.Is(err, tt.want) {
				t.Errorf("SignBatch = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestUnchecked: Signer.Unchecked returns what Vault signed without
// verifying it, for a caller that verifies it itself; everything else is
// checked as by the Signer, and it makes no promise to signer/cms.
func TestUnchecked(t *testing.T) {
	t.Parallel()
	f := newFakeTransit(t, keys.ECDSAP256)
	s := f.signer(t, 1)
	u := s.Unchecked()
	if _, ok := u.(interface{ VerifiesOwnSignatures() bool }); ok {
		t.Error("Unchecked() claims to verify its own signatures")
	}
	if pub, ok := u.Public().(*ecdsa.PublicKey); !ok || !pub.Equal(s.Public()) {
		t.Errorf("Unchecked().Public() = %v, want the signer's key", u.Public())
	}
	type batchSigner interface {
		SignContext(context.Context, []byte, crypto.SignerOpts) ([]byte, error)
		SignBatch(context.Context, [][]byte, crypto.SignerOpts) ([][]byte, error)
	}
	ub := u.(batchSigner)
	d := digestOf(crypto.SHA256, "unchecked")

	// Vault signs "v1" with another key: the Signer refuses the answer,
	// its Unchecked view hands it over.
	f.mu.Lock()
	f.priv[1], f.priv[2] = f.priv[2], f.priv[1]
	f.mu.Unlock()
	if _, err := s.SignContext(context.Background(), d, crypto.SHA256); !errors.Is(err, keys.ErrIntegrity) {
		t.Errorf("Signer.SignContext with a wrong key = %v, want ErrIntegrity", err)
	}
	sig, err := ub.SignContext(context.Background(), d, crypto.SHA256)
	if err != nil || verify(s.Public(), d, sig, crypto.SHA256) == nil {
		t.Errorf("Unchecked().SignContext with a wrong key = %v; want the bad signature, unverified", err)
	}
	sig, err = u.Sign(nil, d, crypto.SHA256)
	if err != nil || verify(s.Public(), d, sig, crypto.SHA256) == nil {
		t.Errorf("Unchecked().Sign with a wrong key = %v; want the bad signature, unverified", err)
	}
	sigs, err := ub.SignBatch(context.Background(), [][]byte{d, d}, crypto.SHA256)
	if err != nil || len(sigs) != 2 || verify(s.Public(), d, sigs[1], crypto.SHA256) == nil {
		t.Errorf("Unchecked().SignBatch with a wrong key = %v; want the bad signatures, unverified", err)
	}

	// The rest of the answer is checked as ever: the pinned version, the
	// options, the digest.
	f.set(0, func(_, v int, sig []byte) (int, []byte) { return v + 1, sig })
	if _, err := ub.SignContext(context.Background(), d, crypto.SHA256); !errors.Is(err, keys.ErrIntegrity) {
		t.Errorf("Unchecked().SignContext labelled with another version = %v, want ErrIntegrity", err)
	}
	if _, err := ub.SignBatch(context.Background(), [][]byte{d, d}, crypto.SHA256); !errors.Is(err, keys.ErrIntegrity) {
		t.Errorf("Unchecked().SignBatch labelled with another version = %v, want ErrIntegrity", err)
	}
	if _, err := ub.SignContext(context.Background(), d[:7], crypto.SHA256); !errors.Is(err, keys.ErrInvalid) {
		t.Errorf("Unchecked().SignContext of a short digest = %v, want ErrInvalid", err)
	}
}

func TestSignBatchItemFaults(t *testing.T) {
	t.Parallel()
	f := newFakeTransit(t, keys.ECDSAP256)
	s := f.signer(t, 1)
	d := digestOf(crypto.SHA256, "batch")
	digests := [][]byte{d, d, d, d}

	// Only item 2 is labelled with another version.
	f.set(0, func(item, v int, sig []byte) (int, []byte) {
		if item == 2 {
			return v + 1, sig
		}
		return v, sig
	})
	_, err := s.SignBatch(context.Background(), digests, crypto.SHA256)
	if !errors.Is(err, keys.ErrIntegrity) || !strings.Contains(err.Error(), "item 2") {
		t.Errorf("SignBatch(bad item 2) = %v, want ErrIntegrity naming item 2", err)
	}
}

// TestPublicNoNetwork: a signer's public key is loaded once; Public works
// with Vault gone.
func TestPublicNoNetwork(t *testing.T) {
	t.Parallel()
	f := newFakeTransit(t, keys.RSA2048)
	s := f.signer(t, 1)
	f.Close()
	pub, ok := s.Public().(*rsa.PublicKey)
	if !ok || !pub.Equal(f.priv[1].Public()) {
		t.Errorf("Public() after Vault went away = %v, want the v1 key", s.Public())
	}
	if _, err := s.SignContext(context.Background(), digestOf(crypto.SHA256, "x"), crypto.SHA256); !errors.Is(err, keys.ErrUnavailable) {
		t.Errorf("SignContext after Vault went away = %v, want ErrUnavailable", err)
	}
}

package keys_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/kyso-vn/kyso/internal/vaulttest"
	"github.com/kyso-vn/kyso/keys"
)

func TestMain(m *testing.M) { os.Exit(vaulttest.Main(m)) }

var allTypes = []keys.KeyType{keys.RSA2048, keys.RSA3072, keys.RSA4096, keys.ECDSAP256, keys.ECDSAP384}

var allHashes = []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512}

// newManager returns a Manager on a fresh Transit mount of the shared Vault.
func newManager(t *testing.T) *keys.Manager {
	t.Helper()
	return managerFor(t, vaulttest.Client(t), vaulttest.NewMount(t))
}

func managerFor(t *testing.T, c *api.Client, mount string) *keys.Manager {
	t.Helper()
	m, err := keys.New(c, keys.Config{Mount: mount})
	if err != nil {
		t.Fatalf("keys.New: %v", err)
	}
	return m
}

// newSigner creates key name of type kt and returns a signer for version 1.
func newSigner(t *testing.T, m *keys.Manager, name string, kt keys.KeyType) *keys.Signer {
	t.Helper()
	ctx := context.Background()
	if err := m.Create(ctx, name, kt); err != nil {
		t.Fatalf("Create(%q, %s) = %v", name, kt, err)
	}
	s, err := m.Signer(ctx, name, 1)
	if err != nil {
		t.Fatalf("Signer(%q, 1) = %v", name, err)
	}
	return s
}

// digestOf hashes msg with h.
func digestOf(h crypto.Hash, msg string) []byte {
	w := h.New()
	w.Write([]byte(msg))
	return w.Sum(nil)
}

// verify checks sig over digest with the standard library.
func verify(pub crypto.PublicKey, digest, sig []byte, opts crypto.SignerOpts) error {
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			return rsa.VerifyPSS(pub, opts.HashFunc(), digest, sig, pss)
		}
		return rsa.VerifyPKCS1v15(pub, opts.HashFunc(), digest, sig)
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			return errors.New("ecdsa: invalid signature")
		}
		return nil
	}
	return fmt.Errorf("unexpected public key %T", pub)
}

func TestParseKeyType(t *testing.T) {
	t.Parallel()
	for _, kt := range allTypes {
		got, err := keys.ParseKeyType(string(kt))
		if err != nil || got != kt {
			t.Errorf("ParseKeyType(%q) = %q, %v, want %q, nil", kt, got, err, kt)
		}
	}
	for _, s := range []string{"", "RSA-2048", "rsa-1024", "ecdsa-p521", "ed25519", "aes256-gcm96", " rsa-2048"} {
		if got, err := keys.ParseKeyType(s); !errors.Is(err, keys.ErrInvalid) {
			t.Errorf("ParseKeyType(%q) = %q, %v, want ErrInvalid", s, got, err)
		}
	}
}

// TestSign signs with every key type, hash and RSA scheme and verifies with
// the standard library.
func TestSign(t *testing.T) {
	t.Parallel()
	for _, kt := range allTypes {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			m := newManager(t)
			s := newSigner(t, m, "k-"+string(kt), kt)
			if s.KeyName() != "k-"+string(kt) || s.KeyVersion() != 1 || s.KeyType() != kt {
				t.Errorf("signer = %q v%d %s, want %q v1 %s", s.KeyName(), s.KeyVersion(), s.KeyType(), "k-"+string(kt), kt)
			}
			checkPublicKey(t, s.Public(), kt)

			for _, h := range allHashes {
				opts := []crypto.SignerOpts{h}
				if strings.HasPrefix(string(kt), "rsa") {
					opts = append(opts,
						&rsa.PSSOptions{Hash: h, SaltLength: rsa.PSSSaltLengthEqualsHash},
						&rsa.PSSOptions{Hash: h, SaltLength: rsa.PSSSaltLengthAuto})
				}
				for _, o := range opts {
					name := fmt.Sprintf("%v/%s", h, schemeName(o))
					t.Run(name, func(t *testing.T) {
						d := digestOf(h, "kyso "+name)
						sig, err := s.Sign(rand.Reader, d, o)
						if err != nil {
							t.Fatalf("Sign(%s) = %v", name, err)
						}
						if err := verify(s.Public(), d, sig, o); err != nil {
							t.Errorf("verify Sign(%s): %v", name, err)
						}
					})
				}
			}
		})
	}
}

func schemeName(o crypto.SignerOpts) string {
	if p, ok := o.(*rsa.PSSOptions); ok {
		return fmt.Sprintf("pss-salt%d", p.SaltLength)
	}
	return "default"
}

func checkPublicKey(t *testing.T, pub crypto.PublicKey, kt keys.KeyType) {
	t.Helper()
	switch kt {
	case keys.RSA2048, keys.RSA3072, keys.RSA4096:
		want := map[keys.KeyType]int{keys.RSA2048: 2048, keys.RSA3072: 3072, keys.RSA4096: 4096}[kt]
		if k, ok := pub.(*rsa.PublicKey); !ok || k.N.BitLen() != want {
			t.Errorf("Public() = %T, want %d-bit *rsa.PublicKey", pub, want)
		}
	case keys.ECDSAP256, keys.ECDSAP384:
		want := map[keys.KeyType]elliptic.Curve{keys.ECDSAP256: elliptic.P256(), keys.ECDSAP384: elliptic.P384()}[kt]
		if k, ok := pub.(*ecdsa.PublicKey); !ok || k.Curve != want {
			t.Errorf("Public() = %T, want *ecdsa.PublicKey on %s", pub, want.Params().Name)
		}
	}
}

// TestCreateCertificate uses the signer through crypto/x509, as ca does.
func TestCreateCertificate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kt  keys.KeyType
		alg x509.SignatureAlgorithm
	}{
		{keys.RSA2048, x509.SHA256WithRSA},
		{keys.RSA3072, x509.SHA384WithRSA},
		{keys.RSA3072, x509.SHA256WithRSAPSS},
		{keys.ECDSAP256, x509.ECDSAWithSHA256},
		{keys.ECDSAP384, x509.ECDSAWithSHA384},
	}
	m := newManager(t)
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v", tt.kt, tt.alg), func(t *testing.T) {
			t.Parallel()
			s := newSigner(t, m, "cert-"+string(tt.kt), tt.kt)
			serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
			if err != nil {
				t.Fatal(err)
			}
			tmpl := &x509.Certificate{
				SerialNumber:          serial,
				Subject:               pkix.Name{CommonName: "kyso keys test " + string(tt.kt)},
				NotBefore:             time.Now().Add(-time.Minute),
				NotAfter:              time.Now().Add(time.Hour),
				KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
				BasicConstraintsValid: true,
				IsCA:                  true,
				SignatureAlgorithm:    tt.alg,
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, s.Public(), s)
			if err != nil {
				t.Fatalf("CreateCertificate = %v", err)
			}
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				t.Fatalf("ParseCertificate = %v", err)
			}
			if cert.SignatureAlgorithm != tt.alg {
				t.Errorf("SignatureAlgorithm = %v, want %v", cert.SignatureAlgorithm, tt.alg)
			}
			if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
				t.Errorf("CheckSignature = %v", err)
			}
			if err := cert.CheckSignatureFrom(cert); err != nil {
				t.Errorf("CheckSignatureFrom(self) = %v", err)
			}
		})
	}
}

func TestSignPSS(t *testing.T) {
	t.Parallel()
	m := newManager(t)
	s := newSigner(t, m, "pss", keys.RSA2048)
	pub := s.Public().(*rsa.PublicKey)
	d := digestOf(crypto.SHA256, "pss")
	for _, salt := range []int{rsa.PSSSaltLengthEqualsHash, rsa.PSSSaltLengthAuto, 20, 64, 256 - 2 - 32} {
		opts := &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: salt}
		sig, err := s.SignContext(context.Background(), d, opts)
		if err != nil {
			t.Fatalf("SignContext(salt %d) = %v", salt, err)
		}
		if err := rsa.VerifyPSS(pub, crypto.SHA256, d, sig, opts); err != nil {
			t.Errorf("VerifyPSS(salt %d) = %v", salt, err)
		}
		// Not PKCS #1 v1.5: the scheme was asked for, not defaulted.
		if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d, sig); err == nil {
			t.Errorf("PSS signature (salt %d) verifies as PKCS #1 v1.5", salt)
		}
	}
	// With an explicit salt length the salt is exactly that long.
	sig, err := s.SignContext(context.Background(), d, &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash})
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPSS(pub, crypto.SHA256, d, sig, &rsa.PSSOptions{SaltLength: sha256.Size}); err != nil {
		t.Errorf("VerifyPSS(salt %d) of a PSSSaltLengthEqualsHash signature = %v", sha256.Size, err)
	}
	// A plain hash means PKCS #1 v1.5, not Transit's PSS default.
	sig, err = s.SignContext(context.Background(), d, crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, d, sig); err != nil {
		t.Errorf("VerifyPKCS1v15 of a crypto.SHA256 signature = %v", err)
	}
}

func TestRotate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newManager(t)
	for _, kt := range []keys.KeyType{keys.ECDSAP256, keys.RSA2048} {
		t.Run(string(kt), func(t *testing.T) {
			s1 := newSigner(t, m, "rot-"+string(kt), kt)
			v, err := m.Rotate(ctx, s1.KeyName())
			if err != nil || v != 2 {
				t.Fatalf("Rotate = %d, %v, want 2, nil", v, err)
			}
			info, err := m.Info(ctx, s1.KeyName())
			if err != nil || info.LatestVersion != 2 {
				t.Fatalf("Info = %+v, %v, want LatestVersion 2", info, err)
			}
			pub1, err := m.PublicKey(ctx, s1.KeyName(), 1)
			if err != nil {
				t.Fatal(err)
			}
			pub2, err := m.PublicKey(ctx, s1.KeyName(), 2)
			if err != nil {
				t.Fatal(err)
			}
			type equaler interface{ Equal(crypto.PublicKey) bool }
			if pub1.(equaler).Equal(pub2) {
				t.Fatal("PublicKey(v1) equals PublicKey(v2) after rotation")
			}
			if !s1.Public().(equaler).Equal(pub1) {
				t.Error("v1 signer's Public() is not PublicKey(v1) after rotation")
			}

			d := digestOf(crypto.SHA256, "rotate")
			sig, err := s1.Sign(rand.Reader, d, crypto.SHA256)
			if err != nil {
				t.Fatalf("v1 Sign after rotation = %v", err)
			}
			if err := verify(pub1, d, sig, crypto.SHA256); err != nil {
				t.Errorf("v1 signature after rotation does not verify with v1 key: %v", err)
			}
			if err := verify(pub2, d, sig, crypto.SHA256); err == nil {
				t.Error("v1 signature after rotation verifies with the v2 key")
			}

			s2, err := m.Signer(ctx, s1.KeyName(), 2)
			if err != nil {
				t.Fatal(err)
			}
			sig, err = s2.Sign(rand.Reader, d, crypto.SHA256)
			if err != nil {
				t.Fatalf("v2 Sign = %v", err)
			}
			if err := verify(pub2, d, sig, crypto.SHA256); err != nil {
				t.Errorf("v2 signature does not verify with v2 key: %v", err)
			}
		})
	}
}

func TestCreateAndInfo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newManager(t)
	for _, kt := range allTypes {
		name := "info-" + string(kt)
		if err := m.Create(ctx, name, kt); err != nil {
			t.Fatalf("Create(%q, %s) = %v", name, kt, err)
		}
		info, err := m.Info(ctx, name)
		if err != nil {
			t.Fatalf("Info(%q) = %v", name, err)
		}
		want := keys.KeyInfo{Name: name, Type: kt, LatestVersion: 1}
		if *info != want {
			t.Errorf("Info(%q) = %+v, want %+v", name, *info, want)
		}
		// Idempotent.
		if err := m.Create(ctx, name, kt); err != nil {
			t.Errorf("second Create(%q, %s) = %v, want nil", name, kt, err)
		}
	}
	if err := m.Create(ctx, "info-rsa-2048", keys.ECDSAP256); !errors.Is(err, keys.ErrConflict) {
		t.Errorf("Create(existing rsa-2048 as ecdsa-p256) = %v, want ErrConflict", err)
	}
}

// TestCreateRefusesExportable: a key someone else made exportable is not
// adopted silently.
func TestCreateRefusesExportable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := vaulttest.Client(t)
	mount := vaulttest.NewMount(t)
	if _, err := c.Logical().Write(mount+"/keys/exp", map[string]any{"type": "ecdsa-p256", "exportable": true}); err != nil {
		t.Fatal(err)
	}
	m := managerFor(t, c, mount)
	if err := m.Create(ctx, "exp", keys.ECDSAP256); !errors.Is(err, keys.ErrConflict) {
		t.Errorf("Create(exportable key) = %v, want ErrConflict", err)
	}
	info, err := m.Info(ctx, "exp")
	if err != nil || !info.Exportable {
		t.Errorf("Info(exportable key) = %+v, %v, want Exportable", info, err)
	}
}

func TestSignBatch(t *testing.T) {
	t.Parallel()
	m := newManager(t)
	tests := []struct {
		kt   keys.KeyType
		opts crypto.SignerOpts
	}{
		{keys.ECDSAP384, crypto.SHA384},
		{keys.RSA2048, crypto.SHA256},
		{keys.RSA2048, &rsa.PSSOptions{Hash: crypto.SHA512, SaltLength: rsa.PSSSaltLengthEqualsHash}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s", tt.kt, schemeName(tt.opts)), func(t *testing.T) {
			t.Parallel()
			s := newSigner(t, m, fmt.Sprintf("batch-%s-%s", tt.kt, schemeName(tt.opts)), tt.kt)
			digests := make([][]byte, 50)
			for i := range digests {
				digests[i] = digestOf(tt.opts.HashFunc(), fmt.Sprintf("document %d", i))
			}
			sigs, err := s.SignBatch(context.Background(), digests, tt.opts)
			if err != nil {
				t.Fatalf("SignBatch = %v", err)
			}
			if len(sigs) != len(digests) {
				t.Fatalf("SignBatch returned %d signatures, want %d", len(sigs), len(digests))
			}
			for i := range sigs {
				if err := verify(s.Public(), digests[i], sigs[i], tt.opts); err != nil {
					t.Errorf("signature %d: %v", i, err)
				}
			}
			// Signatures are in input order: signature 0 is not valid for digest 1.
			if err := verify(s.Public(), digests[1], sigs[0], tt.opts); err == nil {
				t.Error("signature 0 verifies for digest 1")
			}

			bad := append([][]byte{}, digests...)
			bad[7] = bad[7][:10]
			_, err = s.SignBatch(context.Background(), bad, tt.opts)
			if !errors.Is(err, keys.ErrInvalid) || !strings.Contains(err.Error(), "item 7") {
				t.Errorf("SignBatch(short digest at 7) = %v, want ErrInvalid naming item 7", err)
			}
		})
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := vaulttest.Client(t)
	mount := vaulttest.NewMount(t)
	m := managerFor(t, c, mount)

	if _, err := m.Info(ctx, "missing"); !errors.Is(err, keys.ErrNotFound) {
		t.Errorf("Info(missing) = %v, want ErrNotFound", err)
	}
	if _, err := m.PublicKey(ctx, "missing", 1); !errors.Is(err, keys.ErrNotFound) {
		t.Errorf("PublicKey(missing) = %v, want ErrNotFound", err)
	}
	if _, err := m.Signer(ctx, "missing", 1); !errors.Is(err, keys.ErrNotFound) {
		t.Errorf("Signer(missing) = %v, want ErrNotFound", err)
	}
	if _, err := m.Rotate(ctx, "missing"); !errors.Is(err, keys.ErrNotFound) {
		t.Errorf("Rotate(missing) = %v, want ErrNotFound", err)
	}

	s := newSigner(t, m, "present", keys.ECDSAP256)
	if _, err := m.PublicKey(ctx, "present", 2); !errors.Is(err, keys.ErrNotFound) {
		t.Errorf("PublicKey(present, 2) = %v, want ErrNotFound", err)
	}
	if _, err := m.Signer(ctx, "present", 3); !errors.Is(err, keys.ErrNotFound) {
		t.Errorf("Signer(present, 3) = %v, want ErrNotFound", err)
	}

	// A key deleted under a live signer: Transit answers 400 "signing key
	// not found".
	if _, err := c.Logical().Write(mount+"/keys/present/config", map[string]any{"deletion_allowed": true}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Logical().Delete(mount + "/keys/present"); err != nil {
		t.Fatal(err)
	}
	d := digestOf(crypto.SHA256, "gone")
	if _, err := s.SignContext(ctx, d, crypto.SHA256); !errors.Is(err, keys.ErrNotFound) {
		t.Errorf("SignContext(deleted key) = %v, want ErrNotFound", err)
	}
	if _, err := s.SignBatch(ctx, [][]byte{d}, crypto.SHA256); !errors.Is(err, keys.ErrNotFound) {
		t.Errorf("SignBatch(deleted key) = %v, want ErrNotFound", err)
	}
}

func TestInvalid(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newManager(t)

	for _, name := range []string{"", "-a", ".a", "_a", "a-", "a.", "a..b", "a/b", "a b", "../a", "a?b", "a@b", "ký", strings.Repeat("a", 129)} {
		if err := m.Create(ctx, name, keys.ECDSAP256); !errors.Is(err, keys.ErrInvalid) {
			t.Errorf("Create(%q) = %v, want ErrInvalid", name, err)
		}
		if _, err := m.Info(ctx, name); !errors.Is(err, keys.ErrInvalid) {
			t.Errorf("Info(%q) = %v, want ErrInvalid", name, err)
		}
	}
	for _, name := range []string{"a", "0", "a_", "A.b-c_d", "CCCD.001099012345", "seal-ubnd-ha-noi_v2", strings.Repeat("a", 128)} {
		if err := m.Create(ctx, name, keys.ECDSAP256); err != nil {
			t.Errorf("Create(%q) = %v, want nil", name, err)
		}
	}
	for _, kt := range []keys.KeyType{"", "rsa-1024", "aes256-gcm96", "ed25519", "RSA-2048"} {
		if err := m.Create(ctx, "k", kt); !errors.Is(err, keys.ErrInvalid) {
			t.Errorf("Create(k, %q) = %v, want ErrInvalid", kt, err)
		}
	}

	rsaSigner := newSigner(t, m, "inv-rsa", keys.RSA2048)
	ecSigner := newSigner(t, m, "inv-ec", keys.ECDSAP256)
	for _, v := range []int{0, -1} {
		if _, err := m.Signer(ctx, "inv-rsa", v); !errors.Is(err, keys.ErrInvalid) {
			t.Errorf("Signer(inv-rsa, %d) = %v, want ErrInvalid", v, err)
		}
		if _, err := m.PublicKey(ctx, "inv-rsa", v); !errors.Is(err, keys.ErrInvalid) {
			t.Errorf("PublicKey(inv-rsa, %d) = %v, want ErrInvalid", v, err)
		}
	}

	d256 := digestOf(crypto.SHA256, "x")
	tests := []struct {
		name   string
		s      *keys.Signer
		digest []byte
		opts   crypto.SignerOpts
	}{
		{"nil opts", rsaSigner, d256, nil},
		{"hash 0", rsaSigner, d256, crypto.Hash(0)},
		{"SHA-1", rsaSigner, digestOf(crypto.SHA1, "x"), crypto.SHA1},
		{"SHA-224", ecSigner, digestOf(crypto.SHA224, "x"), crypto.SHA224},
		{"MD5", rsaSigner, make([]byte, 16), crypto.MD5},
		{"SHA3-256", ecSigner, d256, crypto.SHA3_256},
		{"short digest", rsaSigner, d256[:31], crypto.SHA256},
		{"digest of other hash", ecSigner, d256, crypto.SHA384},
		{"empty digest", ecSigner, nil, crypto.SHA256},
		{"PSS on ECDSA", ecSigner, d256, &rsa.PSSOptions{Hash: crypto.SHA256}},
		{"negative salt", rsaSigner, d256, &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: -5}},
		{"salt too long", rsaSigner, d256, &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: 256 - 2 - 32 + 1}},
	}
	for _, tt := range tests {
		if _, err := tt.s.SignContext(ctx, tt.digest, tt.opts); !errors.Is(err, keys.ErrInvalid) {
			t.Errorf("SignContext(%s) = %v, want ErrInvalid", tt.name, err)
		}
		if _, err := tt.s.SignBatch(ctx, [][]byte{d256, tt.digest}, tt.opts); !errors.Is(err, keys.ErrInvalid) {
			t.Errorf("SignBatch(%s) = %v, want ErrInvalid", tt.name, err)
		}
	}
	if _, err := rsaSigner.SignBatch(ctx, nil, crypto.SHA256); !errors.Is(err, keys.ErrInvalid) {
		t.Errorf("SignBatch(no digests) = %v, want ErrInvalid", err)
	}
}

func TestNewConfig(t *testing.T) {
	t.Parallel()
	c := vaulttest.Client(t)
	if _, err := keys.New(nil, keys.Config{}); err == nil {
		t.Error("New(nil client) = nil error")
	}
	for _, cfg := range []keys.Config{{Mount: "a b"}, {Mount: "a//b"}, {Mount: "../sys"}, {Mount: "x/./y"}, {Timeout: -time.Second}, {CreateTimeout: -time.Second}} {
		if _, err := keys.New(c, cfg); err == nil {
			t.Errorf("New(%+v) = nil error", cfg)
		}
	}
	for _, cfg := range []keys.Config{{}, {Mount: "/transit/"}, {Mount: "kyso/transit", Timeout: time.Second}, {CreateTimeout: time.Hour}} {
		if _, err := keys.New(c, cfg); err != nil {
			t.Errorf("New(%+v) = %v", cfg, err)
		}
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	if err := newManager(t).Health(context.Background()); err != nil {
		t.Errorf("Health() = %v, want nil", err)
	}
}

// TestForbidden uses a token whose policies do not cover the mount.
func TestForbidden(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := vaulttest.Client(t)
	mount := vaulttest.NewMount(t)
	if err := managerFor(t, root, mount).Create(ctx, "f", keys.ECDSAP256); err != nil {
		t.Fatal(err)
	}
	tok, err := root.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"default"}, TTL: "10m"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := root.Clone()
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Login(ctx, c, keys.Auth{Method: "token", Token: tok.Auth.ClientToken}); err != nil {
		t.Fatalf("Login(token) = %v", err)
	}
	m := managerFor(t, c, mount)
	if _, err := m.Info(ctx, "f"); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("Info with default-policy token = %v, want ErrForbidden", err)
	}
	if err := m.Create(ctx, "g", keys.ECDSAP256); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("Create with default-policy token = %v, want ErrForbidden", err)
	}
}

func TestLoginAppRole(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := vaulttest.Client(t)
	mount := vaulttest.NewMount(t)
	a := newAppRole(t, root, mount, map[string]any{"token_ttl": "10m"})

	// The key is created by an administrator; the AppRole may only sign.
	if err := managerFor(t, root, mount).Create(ctx, "seal", keys.RSA2048); err != nil {
		t.Fatal(err)
	}

	newClient := func() *api.Client {
		c, err := root.Clone()
		if err != nil {
			t.Fatal(err)
		}
		c.ClearToken()
		return c
	}

	c := newClient()
	if err := keys.Login(ctx, c, a); err != nil {
		t.Fatalf("Login(approle) = %v", err)
	}
	if c.Token() == "" || c.Token() == root.Token() {
		t.Fatalf("Login(approle) set token %q", c.Token())
	}
	m := managerFor(t, c, mount)
	s, err := m.Signer(ctx, "seal", 1)
	if err != nil {
		t.Fatalf("Signer with AppRole token = %v", err)
	}
	d := digestOf(crypto.SHA256, "approle")
	sig, err := s.SignContext(ctx, d, crypto.SHA256)
	if err != nil {
		t.Fatalf("SignContext with AppRole token = %v", err)
	}
	if err := verify(s.Public(), d, sig, crypto.SHA256); err != nil {
		t.Error(err)
	}
	// The policy does not allow creating or rotating keys.
	if _, err := m.Rotate(ctx, "seal"); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("Rotate with AppRole token = %v, want ErrForbidden", err)
	}

	bad := a
	bad.SecretID = "00000000-0000-0000-0000-000000000000"
	if err := keys.Login(ctx, newClient(), bad); !errors.Is(err, keys.ErrForbidden) {
		t.Errorf("Login(approle, wrong secret ID) = %v, want ErrForbidden", err)
	}
	for _, a := range []keys.Auth{
		{Method: "approle"},
		{Method: "token"},
		{Method: "userpass", Token: "x"},
	} {
		if err := keys.Login(ctx, newClient(), a); !errors.Is(err, keys.ErrInvalid) {
			t.Errorf("Login(%+v) = %v, want ErrInvalid", a, err)
		}
	}
}

// TestUnreachable: nothing listens at the address.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := "http://" + l.Addr().String()
	l.Close()

	tests := []struct {
		name       string
		maxRetries int
		timeout    time.Duration
		within     time.Duration
	}{
		// Connection refused, reported at once.
		{"no retries", 0, 10 * time.Second, 2 * time.Second},
		// The API client's default retries are cut short by Config.Timeout
		// (and, for Create, by Config.CreateTimeout).
		{"default retries", -1, 500 * time.Millisecond, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := api.DefaultConfig()
			cfg.Address = addr
			if tt.maxRetries >= 0 {
				cfg.MaxRetries = tt.maxRetries
			}
			c, err := api.NewClient(cfg)
			if err != nil {
				t.Fatal(err)
			}
			c.SetToken("unused")
			m, err := keys.New(c, keys.Config{Timeout: tt.timeout, CreateTimeout: tt.timeout})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			calls := map[string]func() error{
				"Info":   func() error { _, err := m.Info(ctx, "k"); return err },
				"Signer": func() error { _, err := m.Signer(ctx, "k", 1); return err },
				"Create": func() error { return m.Create(ctx, "k", keys.RSA2048) },
				"Health": func() error { return m.Health(ctx) },
			}
			for name, call := range calls {
				start := time.Now()
				err := call()
				if !errors.Is(err, keys.ErrUnavailable) {
					t.Errorf("%s = %v, want ErrUnavailable", name, err)
				}
				if d := time.Since(start); d > tt.within {
					t.Errorf("%s took %v, want under %v", name, d, tt.within)
				}
			}
		})
	}
}

// TestSealed seals the shared server. It must not run in parallel with
// other tests: it is the only top-level test that does not call
// t.Parallel, so the others wait until it has finished and unsealed.
func TestSealed(t *testing.T) {
	ctx := context.Background()
	v := vaulttest.Server()
	root := vaulttest.Client(t)
	mount := vaulttest.NewMount(t)
	m := managerFor(t, root, mount)
	s := newSigner(t, m, "sealed", keys.ECDSAP256)

	// Fail fast while sealed instead of waiting out the client's retries.
	c, err := root.Clone()
	if err != nil {
		t.Fatal(err)
	}
	c.SetToken(root.Token())
	c.SetMaxRetries(0)
	fast := managerFor(t, c, mount)
	fastSigner, err := fast.Signer(ctx, "sealed", 1)
	if err != nil {
		t.Fatal(err)
	}

	if err := v.Seal(ctx); err != nil {
		t.Fatalf("Seal = %v", err)
	}
	t.Cleanup(func() {
		if err := v.Unseal(context.Background()); err != nil {
			t.Errorf("Unseal in cleanup = %v", err)
		}
	})

	d := digestOf(crypto.SHA256, "sealed")
	if _, err := fastSigner.SignContext(ctx, d, crypto.SHA256); !errors.Is(err, keys.ErrUnavailable) {
		t.Errorf("SignContext while sealed = %v, want ErrUnavailable", err)
	}
	if _, err := fastSigner.SignBatch(ctx, [][]byte{d, d}, crypto.SHA256); !errors.Is(err, keys.ErrUnavailable) {
		t.Errorf("SignBatch while sealed = %v, want ErrUnavailable", err)
	}
	if _, err := fast.Info(ctx, "sealed"); !errors.Is(err, keys.ErrUnavailable) {
		t.Errorf("Info while sealed = %v, want ErrUnavailable", err)
	}
	if err := fast.Health(ctx); !errors.Is(err, keys.ErrUnavailable) {
		t.Errorf("Health while sealed = %v, want ErrUnavailable", err)
	}
	// With the client's default retries, still ErrUnavailable.
	if _, err := s.SignContext(ctx, d, crypto.SHA256); !errors.Is(err, keys.ErrUnavailable) {
		t.Errorf("SignContext while sealed (default retries) = %v, want ErrUnavailable", err)
	}

	if err := v.Unseal(ctx); err != nil {
		t.Fatalf("Unseal = %v", err)
	}
	if err := m.Health(ctx); err != nil {
		t.Errorf("Health after unseal = %v", err)
	}
	sig, err := s.SignContext(ctx, d, crypto.SHA256)
	if err != nil {
		t.Fatalf("SignContext after unseal = %v", err)
	}
	if err := verify(s.Public(), d, sig, crypto.SHA256); err != nil {
		t.Error(err)
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := newManager(t)
	if got, err := m.List(ctx); err != nil || len(got) != 0 {
		t.Fatalf("List(empty mount) = %v, %v; want none", got, err)
	}
	for _, name := range []string{"list-b", "list-a", "list-c"} {
		if err := m.Create(ctx, name, keys.ECDSAP256); err != nil {
			t.Fatal(err)
		}
	}
	got, err := m.List(ctx)
	if err != nil || strings.Join(got, ",") != "list-a,list-b,list-c" {
		t.Errorf("List() = %v, %v; want list-a, list-b, list-c", got, err)
	}
}

package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/digitorus/pdfsign"
)

// peerPKI is the peers' signing material: an in-memory RSA-2048 key and a
// certificate for it under a self-made root, so that pdfsign's signatures
// carry a two-certificate chain like kyso's. The same material is written
// as PEM files for pdfsign's command line.
type peerPKI struct {
	key                         *rsa.PrivateKey
	cert, root                  *x509.Certificate
	certPath, keyPath, chainPEM string
}

func newPeerPKI(dir string) (*peerPKI, error) {
	rootKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	org := []string{"Ủy ban nhân dân Thành phố Hà Nội"}
	rootTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "bench peer root", Organization: []string{"kyso bench"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	rootDER, err := x509.CreateCertificate(rand.Reader, rootTmpl, rootTmpl, &rootKey.PublicKey, rootKey)
	if err != nil {
		return nil, fmt.Errorf("peer root certificate: %w", err)
	}
	root, err := x509.ParseCertificate(rootDER)
	if err != nil {
		return nil, err
	}
	leafTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: org[0], Organization: org, Locality: []string{"Hà Nội"}, Country: []string{"VN"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, root, &key.PublicKey, rootKey)
	if err != nil {
		return nil, fmt.Errorf("peer signing certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(leafDER)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	p := &peerPKI{key: key, cert: cert, root: root,
		certPath: filepath.Join(dir, "peer.crt"),
		keyPath:  filepath.Join(dir, "peer.key"),
		chainPEM: filepath.Join(dir, "peer-chain.crt"),
	}
	for path, block := range map[string]*pem.Block{
		p.certPath: {Type: "CERTIFICATE", Bytes: leafDER},
		p.keyPath:  {Type: "PRIVATE KEY", Bytes: keyDER},
		p.chainPEM: {Type: "CERTIFICATE", Bytes: rootDER},
	} {
		if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// signInProcess signs doc with pdfsign at PAdES B-B (ETSI.CAdES.detached,
// an approval signature, as kyso's default) and writes the result to w.
func (p *peerPKI) signInProcess(doc []byte, w io.Writer) error {
	d, err := pdfsign.Open(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		return fmt.Errorf("pdfsign open: %w", err)
	}
	d.Sign(p.key, p.cert, p.root).
		Type(pdfsign.ApprovalSignature).
		Format(pdfsign.PAdES_B).
		Reason("Phê duyệt").
		Location("Hà Nội")
	if _, err := d.Write(w); err != nil {
		return fmt.Errorf("pdfsign sign: %w", err)
	}
	return nil
}

// buildPdfsignCLI builds tools/bench/pdfsign-cli (of the tools module) into
// dir; the bench runs from the repository root.
func buildPdfsignCLI(ctx context.Context, goCmd, dir string) (string, error) {
	out := filepath.Join(dir, "pdfsign")
	cmd := exec.CommandContext(ctx, goCmd, "-C", "tools", "build", "-o", out, "./bench/pdfsign-cli")
	if os.Getenv("GOTOOLCHAIN") == "" {
		// As the Makefile: go.mod may need a newer Go than the one installed.
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=auto")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./tools/bench/pdfsign-cli: %w\n%s", err, b)
	}
	return out, nil
}

// cliSign runs pdfsign's command line once: an approval signature of in
// into out, with no time-stamp (its default TSA is on the Internet).
// The command line has no option for PAdES: it signs adbe.pkcs7.detached
// with a signing-time attribute, its library's default format. The
// process's CPU time is added to cpu.
func (b *bench) cliSign(ctx context.Context, in, out string, cpu *atomic.Int64) error {
	cmd := exec.CommandContext(ctx, b.cliPath, "sign",
		"-tsa", "", "-certType", "ApprovalSignature", "-reason", "Phê duyệt", "-location", "Hà Nội",
		in, out, b.peer.certPath, b.peer.keyPath, b.peer.chainPEM)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	if cmd.ProcessState != nil {
		cpu.Add(int64(cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()))
	}
	if err != nil {
		return fmt.Errorf("pdfsign sign: %v: %s", err, firstLine(stderr.String()))
	}
	if st, err := os.Stat(out); err != nil || st.Size() == 0 {
		return fmt.Errorf("pdfsign sign wrote no output: %s", firstLine(stderr.String()))
	}
	return nil
}

package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/kyso-vn/kyso/model"
	"github.com/kyso-vn/kyso/signer/cms"
	"github.com/kyso-vn/kyso/truststore"
	"github.com/kyso-vn/kyso/verifier"
)

const trustBundleUsage = `Usage:
  kyso trust bundle make DIR --name NAME --version N [--source FILE=DESCRIPTION]...
        write DIR/manifest.json from the certificate files of DIR (one
        certificate a file); sources already in DIR/manifest.json are kept
  kyso trust bundle sign DIR --key KEY.pem --cert CERT.pem
        write DIR/manifest.json.p7s, a detached CMS signature of the manifest
  kyso trust bundle check DIR --signer CERT.pem
        check the signature and every file's fingerprints, as kyso does
        before it trusts a bundle

The key of "sign" is a PEM private key file: the repository's bundle is
signed with a test key (truststore/testdata/bundle-signer.key); an operator
signs their own bundle with their own key and pins its certificate in
trust.bundle_signer. See docs/verification.md.
`

// cmdTrustBundle is kyso trust bundle make|sign|check.
func cmdTrustBundle(ctx context.Context, w io.Writer, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, trustBundleUsage)
		return usageErr(errors.New("trust bundle: want make, sign or check"))
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("trust bundle "+sub, flag.ContinueOnError)
	switch sub {
	case "make":
		name := fs.String("name", "", "the bundle's name (default: the name of the manifest in DIR)")
		version := fs.Uint64("version", 0, "the bundle's version; must be above the one in use (required)")
		var sources stringList
		fs.Var(&sources, "source", "FILE=DESCRIPTION: where FILE's certificate came from (repeatable)")
		dir, err := parseWithID(fs, args)
		if err != nil {
			return usageErr(err)
		}
		if *version == 0 {
			return usageErr(errors.New("trust bundle make: --version is required"))
		}
		return makeBundle(w, dir, *name, *version, sources)
	case "sign":
		keyFile := fs.String("key", "", "PEM private key of the bundle signer (required)")
		certFile := fs.String("cert", "", "PEM certificate of the bundle signer (required)")
		dir, err := parseWithID(fs, args)
		if err != nil {
			return usageErr(err)
		}
		if *keyFile == "" || *certFile == "" {
			return usageErr(errors.New("trust bundle sign: --key and --cert are required"))
		}
		return signBundle(ctx, w, dir, *keyFile, *certFile)
	case "check":
		signerFile := fs.String("signer", "", "PEM certificate(s) of the bundle signer (required)")
		dir, err := parseWithID(fs, args)
		if err != nil {
			return usageErr(err)
		}
		if *signerFile == "" {
			return usageErr(errors.New("trust bundle check: --signer is required"))
		}
		signers, err := readCertsFile(*signerFile)
		if err != nil {
			return err
		}
		b, err := truststore.LoadBundle(ctx, truststore.BundleDir(dir), signers)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s: bundle %q version %d of %s, %d certificate(s), signed by %s\n",
			dir, b.Manifest.Name, b.Manifest.Version, b.Manifest.Date, len(b.Certs), b.Signer.Subject)
		return err
	case "help", "-h", "--help":
		fmt.Fprint(w, trustBundleUsage)
		return nil
	}
	fmt.Fprint(os.Stderr, trustBundleUsage)
	return usageErr(fmt.Errorf("trust bundle: unknown subcommand %q", sub))
}

// makeBundle writes DIR/manifest.json for the certificate files of dir.
func makeBundle(w io.Writer, dir, name string, version uint64, sourceArgs []string) error {
	old := map[string]string{}
	var prev truststore.Manifest
	if b, err := os.ReadFile(filepath.Join(dir, truststore.ManifestFile)); err == nil {
		if err := json.Unmarshal(b, &prev); err != nil {
			return fmt.Errorf("%s: %w", truststore.ManifestFile, err)
		}
		for _, a := range prev.Anchors {
			old[a.File] = a.Source
		}
	}
	if name == "" {
		name = prev.Name
	}
	if name == "" {
		return usageErr(errors.New("trust bundle make: --name is required for a new bundle"))
	}
	for _, s := range sourceArgs {
		f, d, ok := bytes.Cut([]byte(s), []byte("="))
		if !ok {
			return usageErr(fmt.Errorf("trust bundle make: --source %q: want FILE=DESCRIPTION", s))
		}
		old[string(f)] = string(d)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })
	var certs []verifier.TrustCert
	var files [][]byte
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || n == truststore.ManifestFile || n == truststore.SignatureFile {
			continue
		}
		switch filepath.Ext(n) {
		case ".md", ".txt", ".json", ".p7s":
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return err
		}
		c, err := parseCertFile(b)
		if err != nil {
			return fmt.Errorf("%s: %w (a bundle file holds one certificate)", n, err)
		}
		certs = append(certs, verifier.TrustCert{File: n, Cert: c, Root: verifier.IsSelfSigned(c)})
		files = append(files, b)
	}
	if len(certs) == 0 {
		return fmt.Errorf("trust bundle make: no certificate file in %s", dir)
	}
	m := truststore.ManifestFor(name, version, time.Now(), certs, files, old)
	m.Description = prev.Description
	if err := writeManifest(dir, m); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s: version %d, %d certificate(s); sign it with kyso trust bundle sign\n",
		filepath.Join(dir, truststore.ManifestFile), version, len(certs))
	return err
}

// writeManifest writes dir/manifest.json.
func writeManifest(dir string, m truststore.Manifest) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, truststore.ManifestFile), buf.Bytes(), 0o644)
}

// signBundle writes DIR/manifest.json.p7s with the key and certificate
// given as files.
func signBundle(ctx context.Context, w io.Writer, dir, keyFile, certFile string) error {
	manifest, err := os.ReadFile(filepath.Join(dir, truststore.ManifestFile))
	if err != nil {
		return err
	}
	certs, err := readCertsFile(certFile)
	if err != nil {
		return err
	}
	key, err := readPrivateKeyFile(keyFile)
	if err != nil {
		return err
	}
	sig, err := cms.SignDetached(ctx, bytes.NewReader(manifest), model.Key{Signer: key, Cert: certs[0], Chain: certs[1:]},
		cms.Options{SigningTime: true})
	if err != nil {
		return err
	}
	// Check it as kyso will before writing it.
	if _, _, err := truststore.VerifyManifestSignature(manifest, sig, certs[:1]); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, truststore.SignatureFile), sig, 0o644); err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s: signed by %s\n", filepath.Join(dir, truststore.SignatureFile), certs[0].Subject)
	return err
}

// readPrivateKeyFile reads a PEM private key (PKCS #8, SEC 1 or PKCS #1).
func readPrivateKeyFile(name string) (crypto.Signer, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM private key", name)
	}
	var k any
	switch blk.Type {
	case "PRIVATE KEY":
		k, err = x509.ParsePKCS8PrivateKey(blk.Bytes)
	case "EC PRIVATE KEY":
		k, err = x509.ParseECPrivateKey(blk.Bytes)
	case "RSA PRIVATE KEY":
		k, err = x509.ParsePKCS1PrivateKey(blk.Bytes)
	default:
		return nil, fmt.Errorf("%s: PEM block %q is not a private key", name, blk.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	s, ok := k.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: %T cannot sign", name, k)
	}
	return s, nil
}

// readCertsFile reads the PEM certificates of a file (at least one).
func readCertsFile(name string) ([]*x509.Certificate, error) {
	b, err := readSmallFile(name, 1<<20)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for rest := b; ; {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no PEM certificate", name)
	}
	return out, nil
}

// parseCertFile reads one certificate, PEM or DER.
func parseCertFile(b []byte) (*x509.Certificate, error) {
	if blk, _ := pem.Decode(b); blk != nil {
		if blk.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("PEM block %q", blk.Type)
		}
		return x509.ParseCertificate(blk.Bytes)
	}
	return x509.ParseCertificate(b)
}

package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/kyso-vn/kyso/truststore"
	"github.com/kyso-vn/kyso/verifier"
)

// importTSL is kyso trust import-tsl: the certificates of the granted
// services of an ETSI TS 119 612 trusted list become an unsigned trust
// bundle in a directory, for the operator to review and sign.
func importTSL(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("trust import-tsl", flag.ContinueOnError)
	out := fs.String("out", "", "directory to write the bundle to (created; required)")
	name := fs.String("name", "", "the bundle's name (default: tsl-TERRITORY)")
	version := fs.Uint64("version", 0, "the bundle's version (default: the list's sequence number)")
	operator := fs.String("tl-signer", "", "PEM certificate(s) of the list's scheme operator: its XML signature must verify against them")
	unsigned := fs.Bool("no-signature-check", false, "import without checking the list's XML signature (a list obtained and checked by other means)")
	file, err := parseWithID(fs, args)
	if err != nil {
		return usageErr(err)
	}
	if *out == "" {
		return usageErr(errors.New("trust import-tsl: --out DIR is required"))
	}
	if (*operator == "") == !*unsigned {
		return usageErr(errors.New("trust import-tsl: give --tl-signer CERT.pem (the list's signature is checked) or --no-signature-check"))
	}
	data, err := readSmallFile(file, 32<<20)
	if err != nil {
		return err
	}
	if *operator != "" {
		ops, err := readCertsFile(*operator)
		if err != nil {
			return err
		}
		if err := truststore.CheckTSLSignature(ctx, data, ops); err != nil {
			return err
		}
	}
	tl, err := truststore.ImportTSL(data)
	if err != nil {
		return err
	}
	if len(tl.Certs) == 0 {
		return fmt.Errorf("trust import-tsl: %s has no certificate of a granted service", file)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	if *name == "" {
		*name = "tsl-" + strings.ToLower(tl.Territory)
	}
	if *version == 0 {
		*version = tl.Sequence
	}
	var certs []verifier.TrustCert
	var files [][]byte
	sources := map[string]string{}
	for _, c := range tl.Certs {
		fn := certFileName(c.Cert.Subject.CommonName, c.Cert.Raw)
		b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw})
		if err := os.WriteFile(filepath.Join(*out, fn), b, 0o644); err != nil {
			return err
		}
		certs = append(certs, verifier.TrustCert{File: fn, Cert: c.Cert, Root: verifier.IsSelfSigned(c.Cert)})
		files = append(files, b)
		sources[fn] = c.Source
	}
	if err := writeManifest(*out, truststore.ManifestFor(*name, *version, time.Now(), certs, files, sources)); err != nil {
		return err
	}
	signed := "its signature not checked (--no-signature-check)"
	if *operator != "" {
		signed = "its XML signature verified against " + *operator
	}
	fmt.Fprintf(w, "%s: %d certificate(s) of the trusted list %s #%d (%s); %d service(s) left out\n", *out, len(certs), tl.Territory, tl.Sequence, signed, len(tl.Left))
	for _, l := range tl.Left {
		fmt.Fprintf(w, "  left out: %s\n", l)
	}
	fmt.Fprintf(w, "Review the certificates, then sign the bundle: kyso trust bundle sign %s --key KEY.pem --cert CERT.pem\n", *out)
	return nil
}

// certFileName names a certificate's file in a bundle: its common name in
// ASCII letters and digits, and the start of its fingerprint.
func certFileName(cn string, der []byte) string {
	var b strings.Builder
	for _, r := range strings.ToLower(cn) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
		if b.Len() >= 40 {
			break
		}
	}
	sum := sha256.Sum256(der)
	return strings.Trim(b.String(), "-") + "-" + hex.EncodeToString(sum[:4]) + ".crt"
}

// exportTSL is kyso trust export-tsl: the signed bundle in use as an
// (unsigned) ETSI TS 119 612 trusted list.
func exportTSL(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("trust export-tsl", flag.ContinueOnError)
	cfgPath := fs.String("config", os.Getenv("KYSO_CONFIG"), "kyso serve's config file: its trust.bundle_path and trust.bundle_signer")
	dir := fs.String("bundle", "", "the bundle's directory (default: trust.bundle_path of --config, else trust/vn)")
	signer := fs.String("signer", "", "PEM certificate of the bundle signer (default: trust.bundle_signer of --config, else trust/bundle-signer.crt)")
	out := fs.String("out", "", "write the list to FILE (default: standard output)")
	operator := fs.String("operator", "", "the scheme operator's name (default: the bundle's name)")
	uri := fs.String("uri", "", "the scheme operator's web address")
	territory := fs.String("territory", "VN", "the scheme's territory (country code)")
	next := fs.Duration("next-update", 180*24*time.Hour, "when the next list is due, from now")
	if err := fs.Parse(args); err != nil {
		return usageErr(err)
	}
	if fs.NArg() > 0 {
		return usageErr(fmt.Errorf("trust export-tsl: unexpected arguments %v", fs.Args()))
	}
	if *dir == "" || *signer == "" {
		if *cfgPath != "" {
			cfg, err := loadConfig(*cfgPath)
			if err != nil {
				return err
			}
			if *dir == "" {
				*dir = cfg.Trust.BundlePath
			}
			if *signer == "" {
				*signer = cfg.Trust.BundleSigner
			}
		}
		if *dir == "" {
			*dir = filepath.Join("trust", "vn")
		}
		if *signer == "" {
			*signer = filepath.Join("trust", "bundle-signer.crt")
		}
	}
	signers, err := readCertsFile(*signer)
	if err != nil {
		return err
	}
	b, err := truststore.LoadBundle(ctx, truststore.BundleDir(*dir), signers)
	if err != nil {
		return err
	}
	if *operator == "" {
		*operator = b.Manifest.Name
	}
	now := time.Now()
	doc, err := truststore.ExportTSL(b.Certs, truststore.TSLExport{Operator: *operator, OperatorURI: *uri, Territory: *territory,
		Sequence: b.Manifest.Version, Issued: now, NextUpdate: now.Add(*next)})
	if err != nil {
		return err
	}
	if *out == "" {
		_, err = w.Write(doc)
		return err
	}
	if err := os.WriteFile(*out, doc, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s: trusted list of bundle %q version %d, %d certificate(s) (unsigned: sign it with the scheme operator's key, e.g. xmlsec1)\n",
		*out, b.Manifest.Name, b.Manifest.Version, len(b.Certs))
	return nil
}

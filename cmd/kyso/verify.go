package main

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/verifier"
)

// trust is what kyso's verifier trusts, and nothing else: the roots of
// the configured trust directories, the external root pinned in the
// configuration (ca.external_root), and, when kyso runs its own CA
// (ca.mode own), kyso's own root read from the store. A root that only
// arrived in an imported chain is never trusted: what kyso trusts comes
// from configuration, not from an admin's upload, and a root that leaves
// the configuration (a retired external root) is no longer trusted unless
// a trust directory holds it. kyso's CA certificates below the roots
// (every generation, so documents signed before a CA rotation keep
// validating) are offered as intermediates. trust is also kyso's
// certificate registry for revocation.
type trust struct {
	st      store.Store // nil: no kyso CA (kyso verify without a database)
	anchors trustAnchors
	extra   []verifier.TrustCert
	// skipped names the certificates of the trust directories that could
	// not be read and were left out: kyso verify prints them, kyso serve
	// logs them.
	skipped []string
	online  bool
	ttl     time.Duration

	mu    sync.Mutex
	at    time.Time
	kyso  []kysoIssuer
	roots *x509.CertPool
	inter *x509.CertPool
	certs []*x509.Certificate // those of roots and inter, as a list
}

// trustAnchors are the roots configuration makes trusted besides the
// trust directories.
type trustAnchors struct {
	external []*x509.Certificate // ca.external_root
	ownRoot  bool                // trust kyso's own root from the store (ca.mode own)
}

// kysoIssuer is one of kyso's CA certificates.
type kysoIssuer struct {
	id   string // store issuer ID; "" for a certificate above it (external chain)
	name string
	cert *x509.Certificate
	root bool // a root: trusted only when it is kyso's own and ownRoot is set
	// answers: kyso knows this CA certificate's status because kyso
	// itself certified it (its own root and the issuing CAs under it). An
	// issuing CA under an external root is the external CA's to answer.
	answers bool
}

// newTrust reads the trust directories; st may be nil.
func newTrust(st store.Store, anchors trustAnchors, dirs []string, online bool) (*trust, error) {
	t := &trust{st: st, anchors: anchors, online: online, ttl: 30 * time.Second}
	for _, d := range dirs {
		certs, skipped, err := verifier.ReadTrustDir(d)
		if err != nil {
			return nil, fmt.Errorf("trust directory %s: %w", d, err)
		}
		t.extra = append(t.extra, certs...)
		for _, s := range skipped {
			t.skipped = append(t.skipped, fmt.Sprintf("trust directory %s: %s", d, s))
		}
	}
	return t, nil
}

// load refreshes kyso's own issuers from the store at most every ttl: a CA
// rotation on another node is seen within that time.
func (t *trust) load(ctx context.Context) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.roots != nil && time.Since(t.at) < t.ttl {
		return nil
	}
	var kyso []kysoIssuer
	if t.st != nil {
		list, err := t.st.ListIssuers(ctx)
		if err != nil {
			if t.roots != nil {
				return nil // keep the last good set while the database is away
			}
			return fmt.Errorf("read kyso's CA certificates: %w", err)
		}
		for _, is := range list {
			if is.CertPEM == "" {
				continue // pending or cancelled external issuer
			}
			certs := parsePEMCerts(is.CertPEM)
			if len(certs) == 0 {
				continue
			}
			kyso = append(kyso, kysoIssuer{id: is.ID, name: is.Name, cert: certs[0], root: is.Kind == store.IssuerRoot, answers: !is.External})
			for _, c := range parsePEMCerts(is.ChainPEM) {
				kyso = append(kyso, kysoIssuer{name: c.Subject.CommonName, cert: c, root: verifier.IsSelfSigned(c)})
			}
		}
	}
	roots, inter := x509.NewCertPool(), x509.NewCertPool()
	var certs []*x509.Certificate
	for _, k := range kyso {
		switch {
		case !k.root:
			certs = append(certs, k.cert)
			inter.AddCert(k.cert)
		case k.id != "" && t.anchors.ownRoot:
			certs = append(certs, k.cert)
			roots.AddCert(k.cert) // kyso's own root, made by kyso itself
		}
		// Any other root came with an imported chain: not an anchor.
	}
	for _, c := range t.anchors.external {
		certs = append(certs, c)
		roots.AddCert(c)
	}
	for _, c := range t.extra {
		certs = append(certs, c.Cert)
		if c.Root {
			roots.AddCert(c.Cert)
		} else {
			inter.AddCert(c.Cert)
		}
	}
	t.kyso, t.roots, t.inter, t.certs, t.at = kyso, roots, inter, certs, time.Now()
	return nil
}

func (t *trust) options(ctx context.Context) (verifier.Options, error) {
	if err := t.load(ctx); err != nil {
		return verifier.Options{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	o := verifier.Options{Roots: t.roots, Intermediates: t.inter, TrustCerts: t.certs, Online: t.online}
	if t.st != nil {
		o.Revocation = t
	}
	return o, nil
}

// VerifyPDF implements api.Verifier.
func (t *trust) VerifyPDF(ctx context.Context, r io.ReaderAt, size int64) (*verifier.Report, error) {
	o, err := t.options(ctx)
	if err != nil {
		return nil, err
	}
	return verifier.VerifyPDF(ctx, r, size, o)
}

// VerifyCMS implements api.Verifier.
func (t *trust) VerifyCMS(ctx context.Context, content io.Reader, sig []byte) (*verifier.Report, error) {
	o, err := t.options(ctx)
	if err != nil {
		return nil, err
	}
	return verifier.VerifyCMS(ctx, content, sig, o)
}

// CertificateStatus implements verifier.RevocationChecker from kyso's
// database: a certificate kyso issued is found by its issuer and serial
// number and must be byte-for-byte the one on record. The CA certificates
// kyso made itself (its own root and the issuing CAs under it) are known
// and never revoked (a retired CA stays valid for what it signed). An
// issuing CA certified by an external root is not kyso's to answer: its
// status comes from the external CA (the document's validation data, or
// online), and without it the report says it was not checked. Anything
// else is not kyso's to answer either.
func (t *trust) CertificateStatus(ctx context.Context, cert, issuer *x509.Certificate) (verifier.CertificateStatus, error) {
	t.mu.Lock()
	kyso := t.kyso
	t.mu.Unlock()
	for _, k := range kyso {
		if k.id != "" && k.cert.Equal(cert) {
			return verifier.CertificateStatus{Known: k.answers}, nil
		}
	}
	for _, k := range kyso {
		if k.id == "" || !k.cert.Equal(issuer) {
			continue
		}
		rec, err := t.st.GetCertificateBySerial(ctx, k.id, hex.EncodeToString(cert.SerialNumber.Bytes()))
		if errors.Is(err, store.ErrNotFound) {
			return verifier.CertificateStatus{}, nil
		}
		if err != nil {
			return verifier.CertificateStatus{}, err
		}
		if c := parsePEMCerts(rec.CertPEM); len(c) == 0 || !c[0].Equal(cert) {
			return verifier.CertificateStatus{}, nil
		}
		st := verifier.CertificateStatus{Known: true}
		if rec.Status == store.CertRevoked && rec.RevokedAt != nil {
			st.Revoked, st.RevokedAt, st.Reason = true, *rec.RevokedAt, rec.RevocationReason
		}
		return st, nil
	}
	return verifier.CertificateStatus{}, nil
}

func parsePEMCerts(s string) []*x509.Certificate {
	var out []*x509.Certificate
	for rest := []byte(s); ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return out
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if c, err := x509.ParseCertificate(b.Bytes); err == nil {
			out = append(out, c)
		}
	}
}

// Exit codes of kyso verify.
const (
	exitPassed        = 0
	exitFailed        = 1
	exitIndeterminate = 2
	exitUnreadable    = 3
)

// exitError carries a process exit code out of a command.
type exitError struct {
	code int
	err  error // printed unless nil
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

const verifyUsage = `Usage: kyso verify [flags] FILE.pdf|FILE.xml [FILE...]
       kyso verify [flags] --cms SIGNATURE.p7s DATA

Checks every signature and document time-stamp of each FILE (of a .xml
file, its XML signatures) and prints the report (--json: the API's JSON
report; with several files, one line {"file","report"} or {"file","error"}
per file). Offline unless --online.

Trusted: the roots of the trust directories (--trust, repeatable, or
verify.trust_dirs of --config), the external root pinned in ca.external_root
of --config, and kyso's own root (ca.mode own, or no --config) read from the
database of --config or of --data (default: data/kyso.db when it exists),
with kyso's CA certificates and revocation registry. A root that only came
with an imported chain is never trusted.

Exit status: 0 all signatures passed, 1 a signature failed (or there is
none), 2 indeterminate, 3 a file could not be read; with several files, the
worst of them (3, then 1, then 2).

Flags:
`

// cmdVerify is kyso verify.
func cmdVerify(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), verifyUsage); fs.PrintDefaults() }
	var dirs stringList
	fs.Var(&dirs, "trust", "directory of trusted roots and intermediates (PEM/DER); repeatable")
	asJSON := fs.Bool("json", false, "print the JSON report")
	online := fs.Bool("online", false, "fetch OCSP/CRL over the network when the document has none")
	cfgPath := fs.String("config", os.Getenv("KYSO_CONFIG"), "kyso serve's config file: its database and verify.trust_dirs")
	dataDir := fs.String("data", "", "a kyso dev data directory: trust the CA in DIR/kyso.db (default data/ when it exists)")
	noKyso := fs.Bool("no-kyso", false, "do not read kyso's own CA from a database")
	cmsSig := fs.String("cms", "", "verify a detached CMS signature file over DATA instead of a PDF")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{exitUnreadable, fmt.Errorf("verify: %w", err)}
	}
	files := fs.Args()
	if len(files) == 0 || *cmsSig != "" && len(files) != 1 {
		fs.Usage()
		return &exitError{exitUnreadable, errors.New("verify: want a file (or, with --cms, exactly one data file)")}
	}

	t, closeTrust, err := cliTrust(ctx, *cfgPath, isSet(fs, "config"), *dataDir, *noKyso, dirs, *online)
	if err != nil {
		return &exitError{exitUnreadable, fmt.Errorf("verify: %w", err)}
	}
	defer closeTrust()
	for _, s := range t.skipped {
		fmt.Fprintf(os.Stderr, "kyso verify: warning: %s\n", s)
	}

	// Several files are verified in one process (a folder of decisions);
	// the exit status is the worst: 3 if any file could not be read, else
	// 1 if any failed, else 2 if any is indeterminate.
	worst := exitPassed
	var firstErr error
	for i, file := range files {
		rep, err := verifyFile(ctx, t, file, *cmsSig)
		switch {
		case *asJSON && len(files) == 1 && err == nil:
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			if err := enc.Encode(rep); err != nil {
				return err
			}
		case *asJSON:
			// One JSON object per line and file.
			line := map[string]any{"file": file, "report": rep}
			if err != nil {
				line = map[string]any{"file": file, "error": err.Error()}
			}
			enc := json.NewEncoder(w)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(line); err != nil {
				return err
			}
		case err != nil:
			fmt.Fprintf(w, "%s: CANNOT READ — %v\n", file, err)
		default:
			if i > 0 {
				fmt.Fprintln(w)
			}
			printReport(w, file, rep)
		}
		code := exitUnreadable
		if err == nil {
			code = reportExit(rep)
		} else if firstErr == nil {
			firstErr = fmt.Errorf("verify %s: %w", file, err)
		}
		worst = worseExit(worst, code)
	}
	if worst == exitPassed {
		return nil
	}
	if worst == exitUnreadable && len(files) == 1 {
		return &exitError{exitUnreadable, firstErr}
	}
	return &exitError{code: worst}
}

// worseExit orders exit statuses: unreadable, failed, indeterminate,
// passed.
func worseExit(a, b int) int {
	rank := map[int]int{exitPassed: 0, exitIndeterminate: 1, exitFailed: 2, exitUnreadable: 3}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

// verifyFile verifies one PDF, or with cmsSig a detached CMS over file.
func verifyFile(ctx context.Context, t *trust, file, cmsSig string) (*verifier.Report, error) {
	if cmsSig == "" && isXMLFile(file) {
		return verifyXMLFile(ctx, t, file)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if cmsSig != "" {
		sig, err := readSmallFile(cmsSig, 16<<20)
		if err != nil {
			return nil, err
		}
		return t.VerifyCMS(ctx, f, verifier.SignatureDER(sig))
	}
	return t.VerifyPDF(ctx, f, st.Size())
}

// reportExit maps a report to kyso verify's exit status.
func reportExit(rep *verifier.Report) int {
	if rep.Valid {
		return exitPassed
	}
	if len(rep.Signatures) == 0 {
		return exitFailed
	}
	code := exitPassed
	for _, s := range rep.Signatures {
		switch s.Indication {
		case verifier.TotalFailed:
			return exitFailed
		case verifier.Indeterminate:
			code = exitIndeterminate
		}
	}
	if code == exitPassed {
		code = exitIndeterminate // not valid, yet nothing failed
	}
	return code
}

// configured reports whether c is a root the configuration trusts: the
// pinned external root or a root of a trust directory.
func (t *trust) configured(c *x509.Certificate) bool {
	for _, r := range t.anchors.external {
		if r.Equal(c) {
			return true
		}
	}
	for _, e := range t.extra {
		if e.Root && e.Cert.Equal(c) {
			return true
		}
	}
	return false
}

// cliTrust builds kyso verify's trust: the directories given, and kyso's
// own CA from a database when one is named or data/kyso.db exists.
func cliTrust(ctx context.Context, cfgPath string, cfgSet bool, dataDir string, noKyso bool, dirs []string, online bool) (*trust, func(), error) {
	nop := func() {}
	var st store.Store
	// Without a config, kyso's own root (kyso dev, ca.mode own) is
	// trusted; an external root must then be given with --trust.
	anchors := trustAnchors{ownRoot: true}
	if cfgSet || cfgPath != "" {
		cfg, err := loadConfig(cfgPath)
		if err != nil {
			return nil, nop, err
		}
		if len(dirs) == 0 {
			dirs = cfg.Verify.TrustDirs
		}
		online = online || cfg.Verify.Online
		if anchors.external, err = cfg.externalRoots(); err != nil {
			return nil, nop, err
		}
		anchors.ownRoot = cfg.CA.Mode == "own"
		if !noKyso {
			if st, err = openStore(ctx, cfg); err != nil {
				return nil, nop, fmt.Errorf("kyso's database: %w (use --no-kyso to verify without it)", err)
			}
		}
	} else if !noKyso {
		dbPath := filepath.Join("data", "kyso.db")
		if dataDir != "" {
			dbPath = filepath.Join(dataDir, "kyso.db")
		}
		if _, err := os.Stat(dbPath); err == nil {
			s, err := store.OpenSQLite(ctx, dbPath)
			if err != nil {
				return nil, nop, fmt.Errorf("kyso's database %s: %w (use --no-kyso to verify without it)", dbPath, err)
			}
			st = s
		} else if dataDir != "" {
			return nil, nop, fmt.Errorf("no kyso database at %s", dbPath)
		}
	}
	closeFn := nop
	if st != nil {
		closeFn = func() { st.Close() }
	}
	t, err := newTrust(st, anchors, dirs, online)
	if err != nil {
		closeFn()
		return nil, nop, err
	}
	return t, closeFn, nil
}

// printReport writes the report for people.
func printReport(w io.Writer, file string, rep *verifier.Report) {
	verdict := "VALID"
	switch reportExit(rep) {
	case exitFailed:
		verdict = "NOT VALID"
	case exitIndeterminate:
		verdict = "INDETERMINATE"
	}
	fmt.Fprintf(w, "%s: %s — %d signature(s) and document time-stamp(s)\n", file, verdict, rep.SignatureCount)
	for _, warn := range rep.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	for i, s := range rep.Signatures {
		ind := string(s.Indication)
		if s.SubIndication != "" {
			ind += "/" + string(s.SubIndication)
		}
		what := "signature"
		if s.Type == verifier.TypeDocumentTimestamp {
			what = "document time-stamp"
		}
		fmt.Fprintf(w, "\n[%d] %s %q: %s\n", i+1, what, s.Field, ind)
		if s.Detail != "" {
			fmt.Fprintf(w, "    detail:       %s\n", s.Detail)
		}
		signer := s.Signer.Name
		if s.Signer.Organization != "" && s.Signer.Organization != s.Signer.Name {
			signer += " — " + s.Signer.Organization
		}
		if len(s.Signer.Identifiers) > 0 {
			signer += " (" + strings.Join(s.Signer.Identifiers, ", ") + ")"
		}
		fmt.Fprintf(w, "    signer:       %s\n", signer)
		if s.ProvenTime != "" {
			fmt.Fprintf(w, "    proven time:  %s by %s\n", s.ProvenTime, s.TimestampAuthority)
		}
		if s.ClaimedTime != "" {
			note := ""
			if s.ProvenTime == "" {
				note = " (claimed, not proven)"
			}
			fmt.Fprintf(w, "    claimed time: %s%s\n", s.ClaimedTime, note)
		}
		if s.Level != "" {
			fmt.Fprintf(w, "    level:        %s\n", s.Level)
		}
		if s.Revisions > 0 {
			fmt.Fprintf(w, "    covers:       revision %d of %d\n", s.Revision, s.Revisions)
		}
		for _, c := range s.ChangesAfter {
			allowed := "allowed"
			if !c.Allowed {
				allowed = "NOT ALLOWED"
			}
			fmt.Fprintf(w, "    changed after: %s (%s) %s\n", c.Kind, allowed, c.Detail)
		}
		printXML(w, s)
		for j, c := range s.Chain {
			fmt.Fprintf(w, "    chain[%d]:     %s (until %s)\n", j, c.Subject, c.NotAfter)
		}
		for _, warn := range s.Warnings {
			fmt.Fprintf(w, "    warning:      %s\n", warn)
		}
	}
}

// cmdTrust is kyso trust list.
func cmdTrust(ctx context.Context, w io.Writer, args []string) error {
	if len(args) == 0 || args[0] != "list" {
		return errors.New("trust: want a subcommand: list")
	}
	fs := flag.NewFlagSet("trust list", flag.ContinueOnError)
	var dirs stringList
	fs.Var(&dirs, "trust", "trust directory to list; repeatable (default: verify.trust_dirs of --config)")
	cfgPath := fs.String("config", os.Getenv("KYSO_CONFIG"), "kyso serve's config file")
	dataDir := fs.String("data", "", "also list kyso's own CA from DIR/kyso.db (default data/ when it exists)")
	noKyso := fs.Bool("no-kyso", false, "do not read kyso's own CA from a database")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	t, closeTrust, err := cliTrust(ctx, *cfgPath, isSet(fs, "config"), *dataDir, *noKyso, dirs, false)
	if err != nil {
		return err
	}
	defer closeTrust()
	if err := t.load(ctx); err != nil {
		return err
	}
	line := func(source, kind string, c *x509.Certificate) {
		fmt.Fprintf(w, "%-8s %-12s %s\n         subject %s\n         issuer  %s\n         valid   %s → %s\n         sha256  %s\n",
			kind, source, c.Subject.CommonName, c.Subject, c.Issuer,
			c.NotBefore.UTC().Format(time.DateOnly), c.NotAfter.UTC().Format(time.DateOnly), certFingerprint(c))
	}
	for _, k := range t.kyso {
		kind := "inter"
		switch {
		case k.root && (k.id != "" && t.anchors.ownRoot || t.configured(k.cert)):
			kind = "root"
		case k.root:
			// A root that came with an imported chain, or kyso's own
			// root outside ca.mode own: listed, not trusted.
			kind = "untrusted"
		}
		line("kyso", kind, k.cert)
	}
	for _, c := range t.anchors.external {
		line("ca.external_root", "root", c)
	}
	for _, c := range t.extra {
		kind := "inter"
		if c.Root {
			kind = "root"
		}
		line(c.File, kind, c.Cert)
	}
	for _, s := range t.skipped {
		fmt.Fprintf(w, "skipped  %s\n", s)
	}
	pinned := ""
	if n := len(t.anchors.external); n > 0 {
		pinned = fmt.Sprintf(", %d pinned in ca.external_root", n)
	}
	fmt.Fprintf(w, "%d kyso CA certificate(s), %d from trust directories%s\n", len(t.kyso), len(t.extra), pinned)
	return nil
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func readSmallFile(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, max)
	}
	return b, nil
}

func certFingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

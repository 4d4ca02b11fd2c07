package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/store"
	"github.com/kyso-vn/kyso/truststore"
	"github.com/kyso-vn/kyso/verifier"
)

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

--etsi prints, for one FILE, the ETSI TS 119 102-2 validation report (XML,
with the validated chain and the revocation data used) instead;
--etsi-out PATH writes it to PATH beside the usual report.

--report PATH writes, for one FILE, the printed report ("Biên bản kiểm tra
chữ ký số", a PDF in Vietnamese). Made here, offline, it is NOT signed and
says so in print; with --server URL the kyso at URL verifies FILE with its
own trust anchors and returns the report signed by its seal at PAdES B-LT
(POST URL/v1/verify/pdf?format=report, or /v1/verify/xml for .xml). The
exit status is always this command's own, offline verdict.

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
	etsi := fs.Bool("etsi", false, "print the ETSI TS 119 102-2 validation report (XML) of one FILE instead of the report")
	etsiOut := fs.String("etsi-out", "", "also write the ETSI TS 119 102-2 validation report (XML) of one FILE to this `path`")
	reportOut := fs.String("report", "", "write the printed report (Biên bản kiểm tra chữ ký số, PDF) of one FILE to this `path`; unsigned unless --server")
	server := fs.String("server", "", "with --report: the kyso `URL` that verifies FILE and signs the printed report")
	langFlag := fs.String("lang", "vi", "language of the verdicts, warnings and summary: vi or en")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return usageErr(fmt.Errorf("verify: %w", err))
	}
	lang, err := parseLang(*langFlag)
	if err != nil {
		return usageErr(fmt.Errorf("verify: %w", err))
	}
	files := fs.Args()
	if len(files) == 0 || *cmsSig != "" && len(files) != 1 {
		fs.Usage()
		return usageErr(errors.New("verify: want a file (or, with --cms, exactly one data file)"))
	}
	if (*etsi || *etsiOut != "" || *reportOut != "") && len(files) != 1 || *etsi && *asJSON {
		return &exitError{exitUnreadable, errors.New("verify: --etsi, --etsi-out and --report take exactly one file, and --etsi no --json")}
	}
	if *server != "" && (*reportOut == "" || *cmsSig != "") {
		return &exitError{exitUnreadable, errors.New("verify: --server goes with --report, for a PDF or XML file")}
	}

	ts, closeTrust, err := cliTrust(ctx, *cfgPath, isSet(fs, "config"), *dataDir, *noKyso, dirs, *online)
	if err != nil {
		return &exitError{exitUnreadable, fmt.Errorf("verify: %w", err)}
	}
	defer closeTrust()
	v := kapp.Verify{Trust: ts}
	for _, s := range ts.Skipped() {
		fmt.Fprintf(os.Stderr, "kyso verify: warning: %s\n", s)
	}

	// Several files are verified in one process (a folder of decisions);
	// the exit status is the worst: 3 if any file could not be read, else
	// 1 if any failed, else 2 if any is indeterminate.
	worst := exitPassed
	var firstErr error
	var tally verifyTally
	for i, file := range files {
		checked := time.Now()
		res, err := verifyFile(ctx, v, file, *cmsSig)
		rep := res.Detail()
		var etsiXML []byte
		if err == nil && (*etsi || *etsiOut != "") {
			if etsiXML, err = etsiReport(v, file, *cmsSig != "", res, checked); err != nil {
				return &exitError{reportExit(rep), fmt.Errorf("verify %s: %w", file, err)}
			}
			if *etsiOut != "" {
				if err := os.WriteFile(*etsiOut, etsiXML, 0o644); err != nil {
					return &exitError{exitUnreadable, fmt.Errorf("verify: %w", err)}
				}
			}
		}
		if err == nil && *reportOut != "" {
			if err := writePrintedReport(ctx, v, file, *server, res, checked, *reportOut); err != nil {
				return &exitError{exitUnreadable, fmt.Errorf("verify %s: %w", file, err)}
			}
		}
		switch {
		case *etsi && err == nil:
			if _, err := w.Write(etsiXML); err != nil {
				return err
			}
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
			fmt.Fprintf(w, "%s: %s — %v\n", file, lang.verdict(exitUnreadable), err)
		default:
			if i > 0 {
				fmt.Fprintln(w)
			}
			printReport(w, file, rep, lang)
		}
		code := exitUnreadable
		if err == nil {
			code = reportExit(rep)
		} else if firstErr == nil {
			firstErr = fmt.Errorf("verify %s: %w", file, err)
		}
		tally.add(code)
		worst = worseExit(worst, code)
	}
	if len(files) > 1 && !*asJSON {
		fmt.Fprintf(w, "\n%s\n", tally.line(lang))
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
func verifyFile(ctx context.Context, v kapp.Verify, file, cmsSig string) (*kapp.Report, error) {
	if cmsSig == "" && isXMLFile(file) {
		return verifyXMLFile(ctx, v, file)
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
		return v.VerifyCMS(ctx, f, sig)
	}
	return v.VerifyPDF(ctx, f, st.Size())
}

// etsiReport writes rep, the verification of file, as an ETSI TS 119
// 102-2 validation report.
func etsiReport(v kapp.Verify, file string, detached bool, rep *kapp.Report, checked time.Time) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	mediaType := "application/pdf"
	switch {
	case detached:
		mediaType = "application/octet-stream"
	case isXMLFile(file):
		mediaType = "application/xml"
	}
	return v.ETSIReport(kapp.Record{Report: rep, Document: f, Size: st.Size(), Name: filepath.Base(file), MediaType: mediaType, CheckedAt: checked})
}

// writePrintedReport writes the printed report of file to path: from the
// kyso at server (verified and signed there), or made here unsigned.
func writePrintedReport(ctx context.Context, v kapp.Verify, file, server string, rep *kapp.Report, checked time.Time, path string) error {
	var out []byte
	if server != "" {
		var err error
		if out, err = serverReport(ctx, server, file); err != nil {
			return err
		}
	} else {
		f, err := os.Open(file)
		if err != nil {
			return err
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return err
		}
		if out, err = v.PrintReport(ctx, kapp.Record{Report: rep, Document: f, Size: st.Size(), Name: filepath.Base(file), CheckedAt: checked}, kapp.PrintOptions{Unsigned: true}); err != nil {
			return err
		}
	}
	return os.WriteFile(path, out, 0o644)
}

// serverReport asks the kyso at server to verify file and return the
// printed report it signs.
func serverReport(ctx context.Context, server, file string) ([]byte, error) {
	doc, err := readSmallFile(file, 512<<20)
	if err != nil {
		return nil, err
	}
	path, mediaType := "/v1/verify/pdf", "application/pdf"
	if isXMLFile(file) {
		path, mediaType = "/v1/verify/xml", "application/xml"
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(server, "/")+path+"?format=report", bytes.NewReader(doc))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", mediaType)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the kyso at %s: %w", server, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("the kyso at %s: %w", server, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/pdf") {
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
			return nil, fmt.Errorf("the kyso at %s: %s: %s", server, e.Error.Code, e.Error.Message)
		}
		return nil, fmt.Errorf("the kyso at %s answered %s", server, resp.Status)
	}
	return body, nil
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

// cliTrust builds kyso verify's trust: the directories given, and kyso's
// own CA from a database when one is named or data/kyso.db exists.
func cliTrust(ctx context.Context, cfgPath string, cfgSet bool, dataDir string, noKyso bool, dirs []string, online bool) (*truststore.Store, func(), error) {
	nop := func() {}
	var st store.Store
	var bundle []truststore.Location
	var signers []*x509.Certificate
	// Without a config, kyso's own root (kyso dev, ca.mode own) is
	// trusted; an external root must then be given with --trust.
	anchors := truststore.Anchors{OwnRoot: true}
	if cfgSet || cfgPath != "" {
		cfg, err := loadConfig(cfgPath)
		if err != nil {
			return nil, nop, err
		}
		if len(dirs) == 0 {
			dirs = cfg.Verify.TrustDirs
		}
		online = online || cfg.Verify.Online
		if anchors.External, err = cfg.externalRoots(); err != nil {
			return nil, nop, err
		}
		anchors.OwnRoot = cfg.CA.Mode == "own"
		// The signed trust bundle kyso serve loads at start (trust.bundle_path,
		// else trust.bundle_url).
		if locs := cfg.Trust.Locations(); len(locs) > 0 {
			bundle = locs[:1]
			if signers, err = bundleSigners(cfg.Trust); err != nil {
				return nil, nop, err
			}
		}
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
	var reg truststore.Registry
	if st != nil {
		reg = st
	}
	t, err := truststore.New(ctx, reg, truststore.Config{Anchors: anchors, Sources: trustDirs(dirs), Online: online, Bundle: bundle, BundleSigners: signers})
	if err != nil {
		closeFn()
		return nil, nop, err
	}
	return t, closeFn, nil
}

// printReport writes the report for people: its labels, verdict and
// warnings in lang. The indications are ETSI's names in both languages;
// the detail is the verifier's own (English) text.
func printReport(w io.Writer, file string, rep *verifier.Report, lang cliLang) {
	vi := lang == langVI
	fmt.Fprintf(w, "%s: %s — %s\n", file, lang.verdict(reportExit(rep)),
		pick(vi, fmt.Sprintf("%d chữ ký và dấu thời gian tài liệu", rep.SignatureCount),
			fmt.Sprintf("%d signature(s) and document time-stamp(s)", rep.SignatureCount)))
	for _, warn := range lang.warnings(rep.Warnings, rep.WarningCodes) {
		fmt.Fprintf(w, "  %s: %s\n", lang.warningLabel(), warn)
	}
	for i, s := range rep.Signatures {
		ind := string(s.Indication)
		if s.SubIndication != "" {
			ind += "/" + string(s.SubIndication)
		}
		what := pick(vi, "chữ ký", "signature")
		if s.Type == verifier.TypeDocumentTimestamp {
			what = pick(vi, "dấu thời gian tài liệu", "document time-stamp")
		}
		fmt.Fprintf(w, "\n[%d] %s %q: %s\n", i+1, what, s.Field, ind)
		if s.Detail != "" {
			lang.field(w, "chi tiết", "detail", s.Detail)
		}
		signer := s.Signer.Name
		if s.Signer.Organization != "" && s.Signer.Organization != s.Signer.Name {
			signer += " — " + s.Signer.Organization
		}
		if len(s.Signer.Identifiers) > 0 {
			signer += " (" + strings.Join(s.Signer.Identifiers, ", ") + ")"
		}
		lang.field(w, "người ký", "signer", signer)
		if s.ProvenTime != "" {
			lang.field(w, "thời điểm ký", "proven time", s.ProvenTime+pick(vi, " (chứng minh bởi ", " by ")+s.TimestampAuthority+pick(vi, ")", ""))
		}
		if s.ClaimedTime != "" {
			note := ""
			if s.ProvenTime == "" {
				note = pick(vi, " (tự khai, chưa được chứng minh)", " (claimed, not proven)")
			}
			lang.field(w, "giờ tự khai", "claimed time", s.ClaimedTime+note)
		}
		if s.Level != "" {
			lang.field(w, "mức", "level", s.Level)
		}
		if s.Revisions > 0 {
			lang.field(w, "phạm vi", "covers", fmt.Sprintf(pick(vi, "phiên bản %d trên %d", "revision %d of %d"), s.Revision, s.Revisions))
		}
		for _, c := range s.ChangesAfter {
			allowed := pick(vi, "được phép", "allowed")
			if !c.Allowed {
				allowed = pick(vi, "KHÔNG ĐƯỢC PHÉP", "NOT ALLOWED")
			}
			lang.field(w, "sửa sau ký", "changed after", fmt.Sprintf("%s (%s) %s", c.Kind, allowed, c.Detail))
		}
		printXML(w, s, lang)
		for j, c := range s.Chain {
			lang.field(w, fmt.Sprintf("chuỗi[%d]", j), fmt.Sprintf("chain[%d]", j),
				fmt.Sprintf(pick(vi, "%s (hiệu lực đến %s)", "%s (until %s)"), c.Subject, c.NotAfter))
		}
		for _, warn := range lang.warnings(s.Warnings, s.WarningCodes) {
			lang.field(w, lang.warningLabel(), lang.warningLabel(), warn)
		}
	}
}

// cmdTrust is kyso trust list, bundle, refresh, import-tsl and
// export-tsl.
func cmdTrust(ctx context.Context, w io.Writer, args []string) error {
	if len(args) > 0 && args[0] != "list" {
		return cmdTrustMore(ctx, w, args)
	}
	if len(args) == 0 {
		return usageErr(errors.New("trust: want a subcommand: list, bundle, refresh, import-tsl or export-tsl"))
	}
	fs := flag.NewFlagSet("trust list", flag.ContinueOnError)
	var dirs stringList
	fs.Var(&dirs, "trust", "trust directory to list; repeatable (default: verify.trust_dirs of --config)")
	cfgPath := fs.String("config", os.Getenv("KYSO_CONFIG"), "kyso serve's config file")
	dataDir := fs.String("data", "", "also list kyso's own CA from DIR/kyso.db (default data/ when it exists)")
	noKyso := fs.Bool("no-kyso", false, "do not read kyso's own CA from a database")
	asJSON := fs.Bool("json", false, "print one JSON object per certificate, for machines")
	if err := fs.Parse(args[1:]); err != nil {
		return usageErr(err)
	}
	if fs.NArg() > 0 {
		return usageErr(fmt.Errorf("trust list: unexpected arguments %v", fs.Args()))
	}
	t, closeTrust, err := cliTrust(ctx, *cfgPath, isSet(fs, "config"), *dataDir, *noKyso, dirs, false)
	if err != nil {
		return err
	}
	defer closeTrust()
	entries, err := t.List(ctx)
	if err != nil {
		return err
	}
	return printTrustList(w, entries, t.Skipped(), *asJSON)
}

// trustDirs are the trust directories as sources of the trust store.
func trustDirs(dirs []string) []truststore.Source {
	var out []truststore.Source
	for _, d := range dirs {
		out = append(out, truststore.Dir(d))
	}
	return out
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

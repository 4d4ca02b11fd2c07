package main

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/signer/pades"
	ktsa "github.com/kyso-vn/kyso/signer/tsa"
	"github.com/kyso-vn/kyso/truststore"
)

// Exit codes of kyso extend.
const (
	exitExtendFailed = 1         // a document could not be extended or renewed
	exitExtendUsage  = exitUsage // bad flags or arguments, as for every command
)

const extendUsage = `Usage: kyso extend [flags] IN.pdf OUT.pdf
       kyso extend [flags] --renew-before 1y DIR

Raises every signature of a signed PDF, from any signer, to PAdES B-LT (the
certificates, OCSP responses and CRLs that validate it, in a Document
Security Store) or B-LTA (then a document time-stamp), without touching a
byte of the original. OUT may be IN: it is replaced atomically.

With --renew-before, walks DIR for *.pdf and renews the archive time-stamp
of each document whose last document time-stamp needs it: its TSA
certificate expires within the window, or it uses SHA-1 or an RSA key
under 2048 bits. The validation data of that time-stamp is added, then a
new document time-stamp. Each renewed file replaces the original
atomically (a temporary file then a rename), or goes to --out DIR under
the same relative path. A summary ends the run.

Where the work is done:
  --url and --api-key (or $KYSO_URL and $KYSO_API_KEY): by a running kyso
      (POST /v1/extend/pdf), with its TSA, its CA and its trust store.
  otherwise in this process: anchors from --trust, --config or --data (as
      kyso verify), validation data from the document, --validation-data
      files and, with --online, the URLs the certificates name; B-LTA needs
      --tsa-url, an RFC 3161 time-stamp authority (kyso's is /pki/tsa).

Exit status: 0 all done (or nothing to renew), 1 a document failed,
2 usage.

Flags:
`

// cmdExtend is kyso extend.
func cmdExtend(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("extend", flag.ContinueOnError)
	fs.Usage = func() { fmt.Fprint(fs.Output(), extendUsage); fs.PrintDefaults() }
	level := fs.String("level", "B-LTA", "B-LT or B-LTA")
	renew := fs.String("renew-before", "", "renew the archive time-stamps of DIR's documents that expire within this window (1y, 6m, 90d, 720h)")
	outDir := fs.String("out", "", "with --renew-before: write renewed documents under this directory instead of replacing them")
	serverURL := fs.String("url", os.Getenv("KYSO_URL"), "a running kyso to extend with")
	apiKey := fs.String("api-key", os.Getenv("KYSO_API_KEY"), "a client API key of that kyso")
	tsaURL := fs.String("tsa-url", "", "in process: RFC 3161 time-stamp authority for B-LTA")
	var dirs, data stringList
	fs.Var(&dirs, "trust", "in process: directory of trusted roots and intermediates; repeatable")
	fs.Var(&data, "validation-data", "in process: a file of certificates, OCSP responses or CRLs (DER or PEM) to use; repeatable")
	online := fs.Bool("online", false, "in process: fetch OCSP responses and CRLs from the URLs in the certificates")
	cfgPath := fs.String("config", "", "in process: kyso serve's config file (its database and verify.trust_dirs)")
	dataDir := fs.String("data", "", "in process: a kyso dev data directory: trust the CA in DIR/kyso.db")
	noKyso := fs.Bool("no-kyso", false, "in process: do not read kyso's own CA from a database")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &exitError{exitExtendUsage, fmt.Errorf("extend: %w", err)}
	}
	usage := func(format string, a ...any) error {
		fs.Usage()
		return &exitError{exitExtendUsage, fmt.Errorf("extend: "+format, a...)}
	}
	if *level != "B-LT" && *level != "B-LTA" {
		return usage("--level %q: want B-LT or B-LTA", *level)
	}
	var window time.Duration
	if *renew != "" {
		d, err := parseWindow(*renew)
		if err != nil {
			return usage("--renew-before: %v", err)
		}
		window = d
		if fs.NArg() != 1 {
			return usage("--renew-before wants one directory")
		}
	} else if fs.NArg() != 2 || *outDir != "" {
		return usage("want IN.pdf OUT.pdf (--out only with --renew-before)")
	}

	var ext extender
	if *serverURL != "" && *apiKey != "" {
		ext = &remoteExtender{base: strings.TrimRight(*serverURL, "/"), key: *apiKey, http: &http.Client{Timeout: 5 * time.Minute}}
	} else {
		ts, closeTrust, err := cliTrust(ctx, *cfgPath, isSet(fs, "config"), *dataDir, *noKyso, dirs, false)
		if err != nil {
			return &exitError{exitExtendFailed, fmt.Errorf("extend: %w", err)}
		}
		defer closeTrust()
		var req kapp.ExtendRequest
		for _, name := range data {
			b, err := readSmallFile(name, 64<<20)
			if err == nil {
				err = req.Data.Add(name, b)
			}
			if err != nil {
				return &exitError{exitExtendFailed, fmt.Errorf("extend: --validation-data: %w", err)}
			}
		}
		var tsa pades.Timestamper
		if *tsaURL != "" {
			tsa = ktsa.Remote{URL: *tsaURL, Client: &http.Client{Timeout: 30 * time.Second}}
		} else if *level == "B-LTA" || *renew != "" {
			return usage("B-LTA and renewal in process need --tsa-url (or --url and --api-key of a running kyso)")
		}
		// No local source in process: the document's data, the
		// --validation-data files and, with --online, what the
		// certificates name.
		rev := truststore.RevocationSources{}
		if *online {
			rev.Client = http.DefaultClient
		}
		ext = &localExtender{x: kapp.NewExtend(kapp.ExtendDeps{Trust: ts, PDF: pades.New(tsa, rev)}), data: req.Data}
	}

	if *renew == "" {
		in, out := fs.Arg(0), fs.Arg(1)
		if err := extendFile(ctx, ext, in, out, *level); err != nil {
			return &exitError{exitExtendFailed, fmt.Errorf("extend %s: %w", in, err)}
		}
		fmt.Fprintf(w, "%s: %s written to %s\n", in, *level, out)
		return nil
	}
	return renewDir(ctx, w, os.Stderr, ext, fs.Arg(0), *outDir, window, time.Now())
}

// parseWindow parses a renewal window: Ny (years of 365 days), Nm (months
// of 30 days), Nd (days), or a Go duration.
func parseWindow(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"y": 365 * 24 * time.Hour, "m": 30 * 24 * time.Hour, "d": 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			v, err := strconv.Atoi(n)
			if err != nil || v < 0 || v > 100*365 {
				break
			}
			return time.Duration(v) * unit, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q: want 1y, 6m, 90d or a duration such as 720h", s)
	}
	return d, nil
}

// extender extends one document.
type extender interface {
	extend(ctx context.Context, in *os.File, size int64, level string, out io.Writer) error
}

// localExtender extends in this process.
type localExtender struct {
	x    *kapp.Extend
	data kapp.ValidationData
}

func (l *localExtender) extend(ctx context.Context, in *os.File, size int64, level string, out io.Writer) error {
	dir := os.TempDir()
	if f, ok := out.(*os.File); ok {
		dir = filepath.Dir(f.Name())
	}
	o := &spooledOutput{Writer: out, dir: dir}
	defer o.close()
	_, err := l.x.ExtendPDF(ctx, "cli:"+osUser(), kapp.ExtendRequest{Level: level, Data: l.data}, in, size, o)
	return err
}

// spooledOutput is the output of an extension in process. It gives
// app.Extend a spool of its own (app.Spooler) for the check of the
// extended PDF: a temporary file in dir (beside the output, on the same
// disk, rather than a /tmp that may be memory), unlinked as soon as it
// is made, so that an archive is not held in memory and nothing is left
// behind if the process dies.
type spooledOutput struct {
	io.Writer
	dir   string
	spool *os.File
}

// Spool implements app.Spooler.
func (o *spooledOutput) Spool() (kapp.ExtendSpool, error) {
	if o.spool != nil {
		return nil, errors.New("extend: the output was spooled twice")
	}
	f, err := os.CreateTemp(o.dir, ".kyso-extend-spool-*")
	if err != nil {
		return nil, err
	}
	o.spool = f
	if err := os.Remove(f.Name()); err != nil {
		return nil, err
	}
	return fileSpool{f}, nil
}

func (o *spooledOutput) close() {
	if o.spool != nil {
		o.spool.Close()
	}
}

// fileSpool is an app.ExtendSpool in an open file.
type fileSpool struct{ *os.File }

func (f fileSpool) ReadBack() (io.ReaderAt, int64, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	return f.File, st.Size(), nil
}

func osUser() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	return "unknown"
}

// remoteExtender asks a running kyso (POST /v1/extend/pdf).
type remoteExtender struct {
	base, key string
	http      *http.Client
}

func (r *remoteExtender) extend(ctx context.Context, in *os.File, size int64, level string, out io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+"/v1/extend/pdf?level="+url.QueryEscape(level), io.NewSectionReader(in, 0, size))
	if err != nil {
		return err
	}
	req.ContentLength = size
	req.Header.Set("Content-Type", "application/pdf")
	req.Header.Set("Authorization", "Bearer "+r.key)
	resp, err := r.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		var e struct {
			Error struct{ Code, Message string } `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error.Code != "" {
			return fmt.Errorf("%s (%d): %s", e.Error.Code, resp.StatusCode, e.Error.Message)
		}
		return fmt.Errorf("POST /v1/extend/pdf: HTTP %d", resp.StatusCode)
	}
	n, err := io.Copy(out, resp.Body)
	if err != nil {
		return err
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		return fmt.Errorf("the answer was cut short: %d of %d bytes", n, resp.ContentLength)
	}
	return nil
}

// extendFile extends in into out, atomically: a temporary file in out's
// directory, renamed over out only once complete and synced.
func extendFile(ctx context.Context, ext extender, in, out, level string) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("not a regular file")
	}
	return writeAtomically(out, st.Mode().Perm(), func(w io.Writer) error {
		return ext.extend(ctx, f, st.Size(), level, w)
	})
}

// writeAtomically writes a file through write into a temporary file beside
// path and renames it over path once complete; on any error the
// temporary file is removed and path is untouched.
func writeAtomically(path string, perm fs.FileMode, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".kyso-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	if err := tmp.Chmod(perm); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// renewalRule is one line of the archive renewal policy: a reason to
// renew the last document time-stamp now.
type renewalRule struct {
	name  string
	match func(ts *pades.TimestampInfo, deadline time.Time) bool
}

// renewalPolicy is the policy table: a time-stamp is renewed before its
// TSA certificate expires (then it can no longer be validated as it was)
// or while its algorithms are still trusted (ETSI TS 119 312 retires SHA-1
// and RSA keys under 2048 bits).
var renewalPolicy = []renewalRule{
	{"the TSA certificate expires", func(ts *pades.TimestampInfo, deadline time.Time) bool { return ts.TSA.NotAfter.Before(deadline) }},
	{"its imprint uses SHA-1", func(ts *pades.TimestampInfo, _ time.Time) bool {
		return ts.ImprintHash == crypto.SHA1 || ts.ImprintHash == crypto.MD5
	}},
	{"its signature uses SHA-1", func(ts *pades.TimestampInfo, _ time.Time) bool {
		return ts.SignerHash == crypto.SHA1 || ts.SignerHash == crypto.MD5
	}},
	{"its TSA key is RSA under 2048 bits", func(ts *pades.TimestampInfo, _ time.Time) bool {
		return ts.TSA.PublicKeyAlgorithm.String() == "RSA" && ts.KeyBits < 2048
	}},
}

// renewReason returns why the last time-stamp of the document at path
// must be renewed before deadline, "" if it need not.
func renewReason(path string, deadline time.Time) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	ts, err := pades.LastTimestamp(f, st.Size())
	if err != nil {
		return "", err
	}
	if ts == nil {
		return "", errors.New("no document time-stamp to renew (not B-LTA: extend it with --level B-LTA first)")
	}
	var reasons []string
	for _, r := range renewalPolicy {
		if r.match(ts, deadline) {
			reason := r.name
			if r.name == renewalPolicy[0].name {
				reason += " on " + ts.TSA.NotAfter.UTC().Format("2006-01-02")
			}
			reasons = append(reasons, reason)
		}
	}
	return strings.Join(reasons, ", "), nil
}

// renewDir renews the documents of dir that need it and prints a summary
// to w; progress goes to status, as a bar when it is a terminal.
func renewDir(ctx context.Context, w io.Writer, status *os.File, ext extender, dir, outDir string, window time.Duration, now time.Time) error {
	var files []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.EqualFold(filepath.Ext(path), ".pdf") && !strings.HasPrefix(d.Name(), ".") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return &exitError{exitExtendFailed, fmt.Errorf("extend: %w", err)}
	}
	p := newProgress(status, len(files))
	deadline := now.Add(window)
	var renewed, fine []string
	var failed []string
	for i, path := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		p.step(i, rel)
		reason, err := renewReason(path, deadline)
		if err == nil && reason == "" {
			fine = append(fine, rel)
			p.line("fine     %s", rel)
			continue
		}
		if err == nil {
			out := path
			if outDir != "" {
				out = filepath.Join(outDir, rel)
			}
			err = extendFile(ctx, ext, path, out, "B-LTA")
		}
		if err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", rel, err))
			p.line("FAILED   %s: %v", rel, err)
			continue
		}
		renewed = append(renewed, fmt.Sprintf("%s (%s)", rel, reason))
		p.line("renewed  %s (%s)", rel, reason)
	}
	p.done()
	fmt.Fprintf(w, "Renewal of %s, time-stamps expiring before %s: %d renewed, %d already fine, %d failed\n",
		dir, deadline.UTC().Format("2006-01-02"), len(renewed), len(fine), len(failed))
	for _, r := range renewed {
		fmt.Fprintf(w, "  renewed  %s\n", r)
	}
	for _, f := range failed {
		fmt.Fprintf(w, "  FAILED   %s\n", f)
	}
	if len(failed) > 0 {
		return &exitError{code: exitExtendFailed}
	}
	return nil
}

// progress shows a renewal's progress: a bar redrawn in place on a
// terminal, one plain line per document otherwise.
type progress struct {
	out   *os.File
	tty   bool
	total int
}

func newProgress(out *os.File, total int) *progress {
	st, err := out.Stat()
	return &progress{out: out, tty: err == nil && st.Mode()&os.ModeCharDevice != 0, total: total}
}

func (p *progress) step(i int, name string) {
	if !p.tty {
		return
	}
	const width = 30
	filled := 0
	if p.total > 0 {
		filled = width * i / p.total
	}
	if len(name) > 40 {
		name = "…" + name[len(name)-39:]
	}
	fmt.Fprintf(p.out, "\r\x1b[K[%s%s] %d/%d %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), i+1, p.total, name)
}

func (p *progress) line(format string, a ...any) {
	if p.tty {
		return // the summary lists what matters; the bar shows the rest
	}
	fmt.Fprintf(p.out, format+"\n", a...)
}

func (p *progress) done() {
	if p.tty {
		fmt.Fprintf(p.out, "\r\x1b[K[%s] %d/%d\n", strings.Repeat("#", 30), p.total, p.total)
	}
}

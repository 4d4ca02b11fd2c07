// Command bench is `make bench`: it measures kyso's PDF signing and
// verification on this machine against its peers and writes the results to
// docs/benchmarks.md.
//
// It starts `bin/kyso dev` (which starts bin/vault) with its data in a
// temporary directory, registers a client system and issues an RSA-2048
// seal credential through the admin API, generates multi-page PDFs of about
// 200 KB, 2 MB and 20 MB, and measures, each at 16 concurrent keep-alive
// clients unless said otherwise:
//
//   - kyso over HTTP: POST /v1/sign/pdf (raw body, Kyso-Options header,
//     PAdES B-B): throughput, latency percentiles, CPU of kyso and its Vault
//     per signature, kyso's peak RSS during the phase; and the mean latency
//     at one client, for size scaling.
//   - kyso batch: POST /v1/sign/pdf/batch, 100 documents a request (fewer
//     for 20 MB: as many as fit in http.max_batch_bytes).
//   - pdfsign in process (github.com/digitorus/pdfsign, PAdES B-B with an
//     in-memory RSA-2048 key; no Vault, no HTTP): the ceiling.
//   - pdfsign's command line (tools/bench/pdfsign-cli), one process a document.
//   - raw Vault Transit: single sign requests and batch_input of 100
//     prehashed SHA-256 digests (PKCS#1 v1.5): the floor of a Vault-backed
//     signer.
//   - physics: SHA-256 of each document and one RSA-2048 PKCS#1 v1.5
//     signature in process.
//   - verification: POST /v1/verify/pdf, `kyso verify --no-kyso --trust DIR`
//     and poppler's pdfsig, one process a document, on kyso's own B-T output
//     and on each PDF under ../shared/testdata/realworld.
//   - kyso at half its measured peak (open loop, 200 KB): p99 latency.
//
// Every figure is the median of -rounds rounds. Sizes go from small to
// large, all rounds of one size before the next, and before each phase whose
// peak RSS is judged the bench restarts kyso dev (same data directory) if it
// still holds memory from earlier phases, so that each peak is the phase's
// own. Batches run 4 at a time (-batch-concurrency): 16 batches of 100
// documents would each exceed kyso's 30 s request budget on 2 cores. The results are one table, printed and written between the
// markers <!-- bench:begin --> and <!-- bench:end --> of -out; text outside
// the markers is kept.
//
// It lives in the tools module (tools/go.mod), so that pdfsign and Vault's
// client are not dependencies of kyso's. make bench builds it as bin/bench;
// run it from the repository root:
//
//	make bench                      # full run, about 9 minutes on 2 cores
//	make bench BENCHFLAGS=-quick    # about 2 minutes, one short round
//	bin/bench -h                    # the flags
//
// It needs bin/kyso, bin/vault, the go command (to build pdfsign's command
// line), pdfsig (apt-get install poppler-utils) and xmlsec1 (apt-get install
// xmlsec1), which the XML rows compare kyso with.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// config is the bench's settings, from its flags.
type config struct {
	rounds        int
	duration      time.Duration
	concurrency   int
	batchConc     int
	batchDocs     int
	verifyOps     int
	kysoBin       string
	vaultBin      string
	goCmd         string
	pdfsig        string
	realworld     string
	out           string
	transitMount  string
	keep          bool
	quick         bool
	signOnly      bool
	xmlOnly       bool
	profile       string
	flagsAsPassed []string
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "soak" {
		soakMain(os.Args[2:])
		return
	}
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = runBench(ctx, cfg)
	interrupted := ctx.Err() != nil
	stop()
	if err != nil {
		if interrupted {
			fmt.Fprintln(os.Stderr, "bench: interrupted")
		} else {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}

// soakMain is `bench soak` (make soak); see soak.go.
func soakMain(args []string) {
	cfg, err := parseSoakFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(os.Stderr, "bench soak:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = runSoak(ctx, cfg)
	interrupted := ctx.Err() != nil
	stop()
	if err != nil {
		if interrupted {
			fmt.Fprintln(os.Stderr, "bench soak: interrupted")
		} else {
			fmt.Fprintln(os.Stderr, "bench soak:", err)
		}
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: bin/bench [flags]   (from the repository root; make bench builds it from tools/bench)\n\nFlags:\n")
		fs.PrintDefaults()
	}
	fs.IntVar(&c.rounds, "rounds", 3, "rounds of each measurement; each figure is the median over the rounds")
	fs.DurationVar(&c.duration, "duration", 6*time.Second, "length of each timed measurement in each round")
	fs.IntVar(&c.concurrency, "concurrency", 16, "concurrent clients (HTTP requests, goroutines or processes)")
	fs.IntVar(&c.batchConc, "batch-concurrency", 4, "concurrent batch requests (16 batches of 100 documents at once would exceed kyso's 30 s request budget on 2 cores)")
	fs.IntVar(&c.batchDocs, "batch-docs", 100, "documents per batch request (fewer when they would exceed http.max_batch_bytes)")
	fs.IntVar(&c.verifyOps, "verify-ops", 32, "verifications per real-world file, per verifier, per round")
	fs.StringVar(&c.kysoBin, "kyso", "bin/kyso", "kyso binary")
	fs.StringVar(&c.vaultBin, "vault", "bin/vault", "vault binary")
	fs.StringVar(&c.goCmd, "go", "go", "go command, to build tools/bench/pdfsign-cli")
	fs.StringVar(&c.pdfsig, "pdfsig", "pdfsig", "poppler's pdfsig")
	fs.StringVar(&c.realworld, "realworld", "../shared/testdata/realworld", "directory tree of real-world signed PDFs to verify")
	fs.StringVar(&c.out, "out", "docs/benchmarks.md", "markdown file whose generated section is rewritten (empty: none)")
	fs.StringVar(&c.transitMount, "transit-mount", "transit", "Transit mount of kyso dev's Vault")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary directory (kyso's data and log, the documents)")
	fs.BoolVar(&c.quick, "quick", false, "a quick run: -rounds 1 -duration 2s -verify-ops 16 unless set")
	fs.BoolVar(&c.xmlOnly, "xml-only", false, "measure only the XML rows (kyso's XML signing and verification against xmlsec1)")
	fs.BoolVar(&c.signOnly, "sign-only", false, "measure only kyso's PDF signing rows and in-process pdfsign (no pdfsign command line, open loop, raw Vault, verification or XML), e.g. to profile the sign path")
	fs.StringVar(&c.profile, "profile", "", "directory to write CPU profiles of kyso and of its Vault into, one pair per timed kyso phase and round (kyso dev's --debug-listen, Vault's sys/pprof); profiling costs a few per cent of the CPU figures; empty: none")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if c.quick {
		if !set["rounds"] {
			c.rounds = 1
		}
		if !set["duration"] {
			c.duration = 2 * time.Second
		}
		if !set["verify-ops"] {
			c.verifyOps = 16
		}
	}
	switch {
	case c.rounds < 1:
		return c, errors.New("-rounds must be at least 1")
	case c.duration < 100*time.Millisecond:
		return c, errors.New("-duration must be at least 100ms")
	case c.concurrency < 1 || c.batchConc < 1:
		return c, errors.New("-concurrency and -batch-concurrency must be at least 1")
	case c.batchDocs < 1 || c.batchDocs > 100:
		return c, errors.New("-batch-docs must be between 1 and 100 (kyso's limit)")
	case c.verifyOps < 1:
		return c, errors.New("-verify-ops must be at least 1")
	}
	c.flagsAsPassed = args
	return c, nil
}

// runBench is the whole bench; every exit path stops kyso and removes the
// temporary directory.
func runBench(ctx context.Context, cfg config) (err error) {
	if _, err := os.Stat("go.mod"); err != nil {
		return errors.New("run from the repository root (make bench): go.mod not found")
	}
	if err := absBinaries(&cfg.kysoBin, &cfg.vaultBin); err != nil {
		return err
	}
	pdfsig, err := lookTool(cfg.pdfsig)
	if err != nil {
		return fmt.Errorf("pdfsig not found (%v): install poppler-utils (apt-get install -y poppler-utils)", err)
	}
	cfg.pdfsig = pdfsig
	if _, err := lookTool("xmlsec1"); err != nil {
		return errNoXMLSec
	}
	realworld, err := findPDFs(cfg.realworld)
	if err != nil {
		return fmt.Errorf("real-world PDFs: %w", err)
	}

	tmp, err := os.MkdirTemp("", "kyso-bench-")
	if err != nil {
		return err
	}
	if cfg.keep {
		defer fmt.Fprintln(os.Stderr, "bench: kept", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	b := &bench{cfg: cfg, tmp: tmp, realworld: realworld, results: map[string][]figure{}, problems: map[string]map[string]int{}}
	b.machine = describeMachine(ctx, cfg)
	start := time.Now()

	logf("building pdfsign's command line")
	if b.cliPath, err = buildPdfsignCLI(ctx, cfg.goCmd, tmp); err != nil {
		return err
	}
	if b.peer, err = newPeerPKI(tmp); err != nil {
		return err
	}
	b.makeDocuments()
	if err := b.writeDocuments(); err != nil {
		return err
	}

	logf("starting kyso dev")
	b.dataDir = filepath.Join(tmp, "data")
	if b.kyso, err = startKyso(ctx, cfg.kysoBin, cfg.vaultBin, b.dataDir, b.kysoFlags()...); err != nil {
		return err
	}
	defer func() {
		if b.kyso == nil {
			return
		}
		if serr := b.kyso.stop(); serr != nil {
			logf("stopping kyso: %v", serr)
		}
		if err != nil && ctx.Err() == nil {
			logf("kyso's log ends:\n%s", tail(b.kyso.logPath, 15))
		}
	}()
	b.http = newHTTPClient(cfg.concurrency)
	if err := b.setup(ctx); err != nil {
		return err
	}
	if err := b.measureAll(ctx); err != nil {
		return err
	}
	b.elapsed = time.Since(start)
	if err := b.kyso.stop(); err != nil {
		logf("stopping kyso: %v", err)
	}
	b.problemsFromLog(b.kyso.logPath)

	rep := b.report()
	fmt.Println()
	fmt.Print(rep.text())
	if cfg.out != "" {
		if err := writeMarkdown(cfg.out, benchSection, rep.markdown()); err != nil {
			return err
		}
		logf("wrote %s", cfg.out)
	}
	return nil
}

// logf prints progress to stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s bench: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// absBinaries makes the paths of the built binaries absolute, after
// checking they exist: kyso dev runs Vault in its data directory, where a
// relative --vault-bin would not be found.
func absBinaries(paths ...*string) error {
	for _, p := range paths {
		abs, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		if st, err := os.Stat(abs); err != nil || st.IsDir() {
			return fmt.Errorf("%s not found: build it with `make build`", *p)
		}
		*p = abs
	}
	return nil
}

// lookTool finds a command by path or in $PATH.
func lookTool(name string) (string, error) {
	if strings.ContainsRune(name, filepath.Separator) {
		if _, err := os.Stat(name); err != nil {
			return "", err
		}
		return filepath.Abs(name)
	}
	return exec.LookPath(name)
}

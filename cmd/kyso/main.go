// Command kyso is the one binary of the kyso signing service: serve, dev,
// ca and cert subcommands. It is the only place that reads environment
// variables and files, wires keys to the CA, and may exit the process.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/kyso-vn/kyso/api"
)

const usage = `kyso — ký số: certificates, signing and verification for Vietnamese e-government

Usage:
  kyso dev   [--data DIR] [--listen ADDR] [--vault-listen ADDR] [--tls]
                                                                 embedded default (real Vault + SQLite)
  kyso dev   --external-root ROOT.pem [--external-crl FILE|URL]  the same, issuing CA under an external root
  kyso dev   --trust-bundle DIR|URL [--bundle-signer CERT.pem]    the same, with a signed trust bundle (refreshed)
  kyso serve [--config FILE]                                     production server (external Vault)
  kyso admin create-token --name NAME [--config FILE]            first admin token (printed once, stored hashed)
  kyso admin token create|list|revoke ID|rotate ID [--ttl D]     admin tokens, on the database (audited as cli:admin)
  kyso ca init [--config FILE]                                   create kyso's own root and issuing CA
  kyso ca init --external --cn NAME --org ORG [--csr FILE]       key in Vault + CSR for an external root
  kyso ca import-chain FILE                                      install the chain the external root returned
  kyso ca cancel | kyso ca rotate | kyso ca issuers              (kyso ca --help: details)
  kyso cert issue --profile P [--key-type T] [subject flags] | --json FILE
  kyso cert get ID [--pem] | list [--expiring-within 720h] [--status S]
  kyso cert rotate ID | renew ID | revoke ID --reason keyCompromise
  kyso client cert CLIENT-ID --csr FILE [--out FILE]              a client system's TLS certificate (mutual TLS)
  kyso client create --name N --org O [--ttl D|--expires-at T]    register a client system (key printed once)
  kyso client list | disable ID | enable ID | delete ID | rotate ID [--ttl D]
                                                                 manage client systems and their API keys
  kyso audit verify [--data DIR | --config FILE] [--json]         check the audit log's hash chain
  kyso doctor [--data DIR | --config FILE] [--repair] [--json]    reconcile records with Vault's keys after a crash
  kyso verify FILE.pdf... [--json] [--trust DIR] [--online] [--lang vi|en]
                                                                 validate signatures; several files end with a
                                                                 summary line (exit status: below)
  kyso trust list [--trust DIR] [--config FILE] [--json]         the certificates kyso verify trusts
  kyso trust refresh                                             the running kyso reads its trust bundle now
  kyso trust bundle make|sign|check DIR                          a signed trust bundle (kyso trust bundle help)
  kyso trust import-tsl FILE.xml --out DIR | export-tsl          ETSI TS 119 612 trusted lists
  kyso pin set|unlock CREDENTIAL-ID --evidence M --reference R --officer O
                                                                 a citizen's PIN (read from stdin), an enrolment event
  kyso seal set ORGANIZATION IMAGE.png                           an agency's seal image
  kyso extend [--level B-LT|B-LTA] IN.pdf OUT.pdf                 raise any signed PDF to B-LT/B-LTA
  kyso extend --renew-before 1y [--out DIR] DIR                  renew the archive time-stamps of a folder
  kyso version | kyso --version                                  release, source revision and Go version

Client commands talk to KYSO_URL with KYSO_ADMIN_TOKEN (read from data/dev.env
when unset, or from --env FILE), trusting KYSO_CA_CERT (or --ca-cert) for an
https URL. See README.md.

Exit status: 0 success; 1 failure (of kyso verify: a signature failed); 2
kyso verify: indeterminate; 3 kyso verify: a file could not be read; 64 the
command line is wrong (unknown command or flag, missing argument).
`

// commands are kyso's commands, as "unknown command" lists them.
const commands = "dev, serve, admin, ca, cert, client, pin, seal, audit, doctor, verify, extend, trust, version, help"

// memoryLimitBase is what the Go runtime may hold beyond the documents
// in memory (http.memory_bytes) before the soft memory limit makes it
// collect: the rest of the live heap of a busy kyso (connections,
// parsed certificates, the store's caches, PDF parsing) with room to spare.
// 4 batches of 100 × 200 KB hold about 120 MB live; at 128 MiB their peak
// RSS was 403–415 MB, over the bench's 399 MB target; at 96 MiB 386 MB,
// with the batch's CPU a document within the noise between runs
// (docs/benchmarks.md, 2026-12-07).
const memoryLimitBase = 96 << 20

// defaultMemoryBytes is http.memory_bytes's default (api.Section), taken
// when it is 0.
const defaultMemoryBytes = api.DefaultMemoryBytes

// setMemoryLimit sets the Go runtime's soft memory limit to the documents
// kyso may hold in memory plus memoryLimitBase. At GOGC=200 the heap may
// grow to three times what is live before a collection; under a burst of
// batches that is several hundred megabytes of garbage. The limit makes
// the collector run earlier only when the process nears it, so the
// steady sign path keeps GOGC's lower CPU. GOMEMLIMIT in the environment
// still decides.
func setMemoryLimit(memoryBytes int64) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if memoryBytes <= 0 {
		memoryBytes = defaultMemoryBytes
	}
	debug.SetMemoryLimit(memoryBytes + memoryLimitBase)
}

func main() {
	// kyso's garbage is short-lived per-request buffers; collecting at
	// twice the live heap instead of once halves the GC's share of the
	// sign path's CPU (about 10% at GOGC=100) for a bounded larger heap.
	// GOGC in the environment still decides.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(200)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Stdout, os.Args[1:])
	stop()
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.err != nil {
				fmt.Fprintln(os.Stderr, "kyso:", ee.err)
			}
			os.Exit(ee.code)
		}
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0) // -h: the usage was asked for and printed
		}
		fmt.Fprintln(os.Stderr, "kyso:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, w io.Writer, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return usageErr(errors.New("a command is required"))
	}
	switch args[0] {
	case "dev":
		return cmdDev(ctx, args[1:])
	case "serve":
		return cmdServe(ctx, args[1:])
	case "ca":
		return cmdCA(ctx, w, args[1:])
	case "cert":
		return cmdCert(ctx, w, args[1:])
	case "client":
		return cmdClient(ctx, w, args[1:])
	case "audit":
		return cmdAudit(ctx, w, args[1:])
	case "doctor":
		return cmdDoctor(ctx, w, args[1:])
	case "admin":
		return cmdAdmin(ctx, w, args[1:])
	case "verify":
		return cmdVerify(ctx, w, args[1:])
	case "extend":
		return cmdExtend(ctx, w, args[1:])
	case "trust":
		return cmdTrust(ctx, w, args[1:])
	case "pin":
		return cmdPIN(ctx, w, args[1:])
	case "seal":
		return cmdSeal(ctx, w, args[1:])
	case "version", "--version", "-version":
		return cmdVersion(w)
	case "help", "-h", "--help":
		fmt.Fprint(w, usage)
		return nil
	}
	return usageErr(fmt.Errorf("unknown command %q (commands: %s; kyso help for their use)", args[0], commands))
}

func lookPath(name string) (string, error) { return exec.LookPath(name) }

package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kyso-vn/kyso/audit"
)

// cmdAudit runs the audit subcommands:
//
//	kyso audit verify [--config FILE | --data DIR] [--json]
//
// verify opens the database directly — no server, no Vault — walks the
// whole audit log and prints the report: the number of records, the last
// seq and head hash (keep them elsewhere to detect a log cut short or
// rewritten later), or the first broken link, in which case it fails.
func cmdAudit(ctx context.Context, w io.Writer, args []string) error {
	if len(args) == 0 {
		return usageErr(errors.New("audit: want a subcommand: verify"))
	}
	switch sub, args := args[0], args[1:]; sub {
	case "verify":
		return auditVerify(ctx, w, args)
	default:
		return usageErr(fmt.Errorf("audit: unknown subcommand %q; want verify", sub))
	}
}

func auditVerify(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	cfgPath := fs.String("config", os.Getenv("KYSO_CONFIG"), "kyso serve's config file (JSON): its database section says which database")
	dir := fs.String("data", "", "a kyso dev data directory: verify DIR/kyso.db")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return usageErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("audit verify: unexpected argument %q", fs.Arg(0))
	}
	if *dir != "" && isSet(fs, "config") {
		return errors.New("audit verify: give --config or --data, not both")
	}

	cfg, err := loadConfig("")
	if *dir == "" {
		cfg, err = loadConfig(*cfgPath)
	}
	if err != nil {
		return err
	}
	if *dir != "" {
		cfg.Database.Driver = "sqlite"
		cfg.Database.Path = filepath.Join(*dir, "kyso.db")
	}
	if cfg.Database.Driver == "sqlite" {
		// Opening creates a missing database; verifying must not.
		if _, err := os.Stat(cfg.Database.Path); err != nil {
			return fmt.Errorf("audit verify: database %s: %w", cfg.Database.Path, err)
		}
	}
	s, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer s.Close()

	rep, err := audit.New(s).Verify(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		if err := printJSON(w, rep); err != nil {
			return err
		}
	} else {
		if rep.OK {
			fmt.Fprintf(w, "audit log OK: %d records, chain intact\n", rep.Records)
		} else {
			fmt.Fprintf(w, "audit log BROKEN at seq %d: %s\n(%d records read)\n", rep.FirstBroken, rep.Reason, rep.Records)
		}
		fmt.Fprintf(w, "last seq %d, head %s\n", rep.LastSeq, hex.EncodeToString(rep.Head))
	}
	if !rep.OK {
		return fmt.Errorf("audit log broken at seq %d: %s", rep.FirstBroken, rep.Reason)
	}
	return nil
}

// isSet reports whether the flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

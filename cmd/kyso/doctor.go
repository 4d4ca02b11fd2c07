package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/ca"
	"github.com/kyso-vn/kyso/internal/config"
	"github.com/kyso-vn/kyso/internal/devvault"
	"github.com/kyso-vn/kyso/keys"
)

// actionDoctorRepair is the audit action of a repair by kyso doctor.
const actionDoctorRepair = "doctor.repair"

// doctorResult is kyso doctor's JSON output.
type doctorResult struct {
	*ca.DoctorReport
	Audit    *audit.Report `json:"audit"`
	Problems int           `json:"problems"`
}

// cmdDoctor checks kyso's records against Vault's keys and the audit
// chain, after a crash or a restore from backup:
//
//	kyso doctor [--config FILE | --data DIR] [--repair] [--grace 10m] [--json]
//
// It exits 0 when nothing needs attention, 1 otherwise. With --data it uses
// the running kyso dev's Vault, or starts the dev Vault of DIR for the
// time of the check.
func cmdDoctor(ctx context.Context, w io.Writer, args []string) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	cfgPath := fs.String("config", os.Getenv("KYSO_CONFIG"), "kyso serve's config file (JSON): its database and vault sections")
	dir := fs.String("data", "", "a kyso dev data directory")
	repair := fs.Bool("repair", false, "repair what can be repaired: mark cut-short certificates failed, retire credentials that never got a certificate, quarantine keys no record names")
	grace := fs.Duration("grace", 10*time.Minute, "how old a pending certificate or a credential without certificate must be to count as cut short (an issuance in progress on another node is younger)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	vaultBin := fs.String("vault-bin", "", "with --data: the vault binary, if the dev Vault must be started")
	if err := fs.Parse(args); err != nil {
		return usageErr(err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("doctor: unexpected argument %q", fs.Arg(0))
	}
	if *dir != "" && isSet(fs, "config") {
		return errors.New("doctor: give --config or --data, not both")
	}
	if *grace < 0 {
		return errors.New("doctor: --grace must not be negative")
	}
	cfg, err := loadConfig("")
	if *dir == "" {
		cfg, err = loadConfig(*cfgPath)
	}
	if err != nil {
		return err
	}
	log := newLogger("warn", false)

	var km *keys.Manager
	if *dir != "" {
		cfg.Database.Driver = "sqlite"
		cfg.Database.Path = filepath.Join(*dir, "kyso.db")
		if _, err := os.Stat(cfg.Database.Path); err != nil {
			return fmt.Errorf("doctor: database %s: %w", cfg.Database.Path, err)
		}
		var stop func()
		if km, stop, err = devVaultKeys(ctx, cfg, *dir, *vaultBin, log); err != nil {
			return err
		}
		defer stop()
	} else if km, _, err = openVault(ctx, cfg, log); err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	authority, err := ca.New(cfg.caConfig(), st, keys.Named{M: km})
	if err != nil {
		return err
	}
	names, err := km.List(ctx)
	if err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	rep, err := authority.Doctor(ctx, ca.DoctorOptions{Keys: names, Grace: *grace, Repair: *repair})
	if err != nil {
		return fmt.Errorf("doctor: %w", err)
	}
	auditLog := audit.New(st)
	for _, f := range rep.Findings {
		if f.Repaired {
			if err := auditLog.Record(ctx, audit.Event{Actor: "system:doctor", Action: actionDoctorRepair, Target: f.Subject,
				Details: map[string]any{"kind": f.Kind, "repair": f.Repair}}); err != nil {
				return fmt.Errorf("doctor: record the repair of %s: %w", f.Subject, err)
			}
		}
	}
	arep, err := auditLog.Verify(ctx)
	if err != nil {
		return fmt.Errorf("doctor: audit log: %w", err)
	}
	res := doctorResult{DoctorReport: rep, Audit: arep, Problems: rep.Problems()}
	if !arep.OK {
		res.Problems++
	}
	if *asJSON {
		if err := printJSON(w, res); err != nil {
			return err
		}
	} else {
		printDoctor(w, res, *repair)
	}
	if res.Problems > 0 {
		return &exitError{code: 1}
	}
	return nil
}

func printDoctor(w io.Writer, res doctorResult, repair bool) {
	fmt.Fprintf(w, "kyso doctor: %d keys in Vault; %d issuers, %d credentials, %d certificates recorded\n",
		res.Keys, res.Issuers, res.Credentials, res.Certificates)
	if res.OtherKeys > 0 {
		fmt.Fprintf(w, "%d keys on the mount are not named as this deployment names keys (ca.key_prefix): another deployment's or an operator's, left alone\n", res.OtherKeys)
	}
	if res.Audit.OK {
		fmt.Fprintf(w, "audit log: %d records, chain intact\n", res.Audit.Records)
	} else {
		fmt.Fprintf(w, "audit log: BROKEN at seq %d: %s (%d records)\n", res.Audit.FirstBroken, res.Audit.Reason, res.Audit.Records)
	}
	for _, f := range res.Findings {
		line := fmt.Sprintf("%-7s %-20s %s", f.Severity, f.Kind, f.Detail)
		switch {
		case f.Repaired:
			line += " — repaired: " + f.Repair
		case f.Repair != "":
			line += " — --repair would " + f.Repair
		}
		fmt.Fprintln(w, line)
	}
	switch {
	case res.Problems == 0:
		fmt.Fprintln(w, "no problems")
	case repair:
		fmt.Fprintf(w, "%d problems kyso cannot repair (see above)\n", res.Problems)
	default:
		fmt.Fprintf(w, "%d problems; kyso doctor --repair repairs those it can\n", res.Problems)
	}
}

// devVaultKeys returns keys on the dev Vault of dir, with its root token:
// the running one named in dir/dev.env if it answers, else one started now
// (stop stops it).
func devVaultKeys(ctx context.Context, cfg *Config, dir, bin string, log *slog.Logger) (*keys.Manager, func(), error) {
	sec := keys.Section(cfg.Vault)
	sec.Mount = devvault.DefaultMount
	env, _ := readEnvFile(filepath.Join(dir, "dev.env"))
	if addr, tok := env["VAULT_ADDR"], env["VAULT_TOKEN"]; addr != "" && tok != "" {
		running := sec
		running.Addr = addr
		running.Timeout = config.Duration(3 * time.Second)
		if km, _, err := keys.Open(ctx, running, tok, log); err == nil {
			if err := km.Health(ctx); err == nil {
				return km, func() {}, nil
			}
		}
	}
	path, err := findVault(bin)
	if err != nil {
		return nil, nil, err
	}
	v, err := devvault.Start(ctx, devvault.Config{Bin: path, Dir: filepath.Join(dir, "vault")})
	if err != nil {
		return nil, nil, fmt.Errorf("doctor: start the dev Vault of %s: %w", dir, err)
	}
	sec.Addr = v.Addr
	km, _, err := keys.Open(ctx, sec, v.RootToken, log)
	if err != nil {
		v.Stop()
		return nil, nil, err
	}
	return km, func() { _ = v.Stop() }, nil
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	kapp "github.com/kyso-vn/kyso/app"
	"github.com/kyso-vn/kyso/audit"
	"github.com/kyso-vn/kyso/auth"
	"github.com/kyso-vn/kyso/store"
)

// cliActor is the audit log's actor for admin-token actions taken on the
// database by the kyso command (by whoever can read the config file).
const cliActor = "cli:admin"

// cmdAdmin manages admin tokens directly in the database: the first token
// of a production deployment, before anyone can call the API, and the way
// back in when every token is lost or leaked. create-token is kept for
// scripts; "admin token create|list|revoke|rotate" is the full set.
func cmdAdmin(ctx context.Context, w io.Writer, args []string) error {
	switch {
	case len(args) > 0 && args[0] == "create-token":
		return adminToken(ctx, w, "create", args[1:])
	case len(args) > 1 && args[0] == "token":
		return adminToken(ctx, w, args[1], args[2:])
	}
	return usageErr(fmt.Errorf("admin: want create-token, or token create|list|revoke|rotate"))
}

func adminToken(ctx context.Context, w io.Writer, sub string, args []string) error {
	fs := flag.NewFlagSet("admin token "+sub, flag.ContinueOnError)
	cfgPath := fs.String("config", os.Getenv("KYSO_CONFIG"), "config file (database settings)")
	var name *string
	var ttl *time.Duration
	if sub == "create" || sub == "rotate" {
		ttl = fs.Duration("ttl", 0, `the token stops working after this duration, such as "720h" (default: never)`)
	}
	var id string
	switch sub {
	case "create":
		name = fs.String("name", "", "who the token is for (required)")
		if err := fs.Parse(args); err != nil {
			return usageErr(err)
		}
		if *name == "" {
			return usageErr(fmt.Errorf("admin token create: --name is required"))
		}
	case "list":
		if err := fs.Parse(args); err != nil {
			return usageErr(err)
		}
	case "revoke", "rotate":
		var err error
		if id, err = parseWithID(fs, args); err != nil {
			return err
		}
	default:
		return usageErr(fmt.Errorf("admin token: unknown subcommand %q (want create, list, revoke or rotate)", sub))
	}
	if fs.NArg() > 0 && id == "" {
		return usageErr(fmt.Errorf("admin token %s: unexpected arguments %v", sub, fs.Args()))
	}
	var expiresAt time.Time
	if ttl != nil && *ttl != 0 {
		if *ttl < 0 {
			return usageErr(fmt.Errorf("admin token %s: --ttl must be positive", sub))
		}
		expiresAt = time.Now().Add(*ttl)
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	adm := kapp.NewAdmin(kapp.AdminDeps{Tokens: auth.NewAdmins(st), Audit: appAudit{audit.New(st)}})
	switch sub {
	case "create":
		tok, _, err := adm.CreateAdminToken(ctx, cliActor, *name, expiresAt)
		if err != nil {
			return err
		}
		// The token is printed once and stored only as a hash.
		fmt.Fprintln(w, tok)
	case "list":
		ts, err := adm.ListAdminTokens(ctx)
		if err != nil {
			return err
		}
		printTokens(w, ts)
	case "revoke":
		if err := adm.RevokeAdminToken(ctx, cliActor, id); err != nil {
			return err
		}
		fmt.Fprintf(w, "admin token %s revoked\n", id)
	case "rotate":
		tok, _, err := adm.RotateAdminToken(ctx, cliActor, id, expiresAt)
		if err != nil {
			return err
		}
		fmt.Fprintln(w, tok)
	}
	return nil
}

// printTokens lists admin tokens, one a line: id, created, expiry, name.
func printTokens(w io.Writer, ts []*store.AdminToken) {
	now := time.Now()
	for _, t := range ts {
		exp := "never"
		if !t.ExpiresAt.IsZero() {
			exp = t.ExpiresAt.UTC().Format(time.RFC3339)
			if t.Expired(now) {
				exp += " (expired)"
			}
		}
		fmt.Fprintf(w, "%s\t%s\texpires %s\t%s\n", t.ID, t.CreatedAt.UTC().Format(time.RFC3339), exp, t.Name)
	}
}

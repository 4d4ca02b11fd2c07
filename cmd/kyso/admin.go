package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/kyso-vn/kyso/auth"
)

// cmdAdmin manages admin tokens directly in the database (for the first
// token of a production deployment, before anyone can call the API).
func cmdAdmin(ctx context.Context, w io.Writer, args []string) error {
	if len(args) == 0 || args[0] != "create-token" {
		return fmt.Errorf("admin: want create-token")
	}
	fs := flag.NewFlagSet("admin create-token", flag.ContinueOnError)
	cfgPath := fs.String("config", os.Getenv("KYSO_CONFIG"), "config file (database settings)")
	name := fs.String("name", "", "who the token is for (required)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *name == "" {
		return fmt.Errorf("admin create-token: --name is required")
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
	tok, err := auth.NewAdmins(st).Create(ctx, *name)
	if err != nil {
		return err
	}
	// The token is printed once and stored only as a hash.
	fmt.Fprintln(w, tok)
	return nil
}

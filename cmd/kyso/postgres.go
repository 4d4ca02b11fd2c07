package main

import (
	"context"
	"fmt"
	"os"

	"github.com/kyso-vn/kyso/store"
)

// openPostgres opens the PostgreSQL store; the DSN (with its password) is
// read from the environment variable named by database.dsn_env.
func openPostgres(ctx context.Context, cfg *Config) (store.Store, error) {
	dsn := os.Getenv(cfg.Database.DSNEnv)
	if dsn == "" {
		return nil, fmt.Errorf("database.driver postgres: set %s to the PostgreSQL connection string", cfg.Database.DSNEnv)
	}
	return store.OpenPostgres(ctx, dsn)
}

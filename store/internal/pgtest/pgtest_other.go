//go:build !unix

// Package pgtest provides the PostgreSQL database of package store's tests.
// On this system it can only use an existing one, named by
// KYSO_TEST_POSTGRES_DSN; see pgtest.go for Unix systems, where it starts a
// server of its own.
package pgtest

import (
	"fmt"
	"os"
	"testing"
)

// DSNEnv names the environment variable that points the tests at an
// existing database.
const DSNEnv = "KYSO_TEST_POSTGRES_DSN"

var dsn string

// Main runs the tests against KYSO_TEST_POSTGRES_DSN; without it, it
// prints why and returns 1: starting a server needs a Unix system.
func Main(m *testing.M) int {
	dsn = os.Getenv(DSNEnv)
	if dsn == "" {
		fmt.Fprintf(os.Stderr, "\npgtest: cannot start a PostgreSQL server on this system; set %s to a database's DSN\n\n", DSNEnv)
		return 1
	}
	return m.Run()
}

// DSN returns the pgx connection string of the database provided by Main.
// It panics if the test binary's TestMain does not call Main.
func DSN() string {
	if dsn == "" {
		panic("pgtest: no PostgreSQL database; the package's TestMain must call pgtest.Main")
	}
	return dsn
}

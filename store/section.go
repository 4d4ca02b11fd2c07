package store

import "fmt"

// Section is the "database" section of kyso's config file (see
// docs/configuration.md): which store kyso opens. The PostgreSQL
// connection string is a secret: the section names the environment
// variable that holds it, which cmd/kyso reads.
type Section struct {
	// Driver is "sqlite" (default) or "postgres".
	Driver string `json:"driver"`
	// Path is the SQLite file (default data/kyso.db).
	Path string `json:"path"`
	// DSNEnv names the environment variable holding the PostgreSQL DSN
	// (default KYSO_DATABASE_DSN).
	DSNEnv string `json:"dsn_env"`
}

// Defaults fills the fields left empty with their defaults.
func (s *Section) Defaults() {
	if s.Driver == "" {
		s.Driver = "sqlite"
	}
	if s.Path == "" {
		s.Path = "data/kyso.db"
	}
	if s.DSNEnv == "" {
		s.DSNEnv = "KYSO_DATABASE_DSN"
	}
}

// Validate checks the section after Defaults.
func (s Section) Validate() error {
	switch s.Driver {
	case "sqlite", "postgres":
		return nil
	default:
		return fmt.Errorf("config: database.driver %q: want sqlite or postgres", s.Driver)
	}
}

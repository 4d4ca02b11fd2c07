// Package store is kyso's persistence: issuers, credentials, certificates,
// revocations, CRLs, admin tokens, client systems, citizen PIN state and
// the audit log, behind the Store interface.
//
// The embedded default is SQLite (modernc.org/sqlite, pure Go; OpenSQLite);
// a PostgreSQL implementation (OpenPostgres) satisfies the same interface for
// scale-out deployments. Both share one implementation of the queries and
// the same table design; package storetest is the conformance suite both
// pass. Nobody outside this package writes SQL. It must not import keys, ca,
// signer, verifier or api.
//
// # Schema
//
// The schema is created and upgraded by numbered SQL migrations embedded in
// the binary (migrations/sqlite, migrations/postgres), each applied in its
// own transaction and recorded in the schema_migrations table. Opening a
// database migrated by a newer kyso fails with ErrSchemaTooNew.
//
// Timestamps are stored as TEXT in RFC 3339, UTC, with exactly nine
// fractional digits ("2006-01-02T15:04:05.000000000Z"): readable, exact to
// the nanosecond, ordered as text, and covering RFC 5280's 9999-12-31. A
// zero time.Time is stored as NULL. Booleans are INTEGER 0/1.
package store

-- 0001_init: kyso's first schema (SQLite).
--
-- The PostgreSQL schema in ../postgres/0001_init.sql is the same design; the
-- only differences are the column types (BLOB/BYTEA, INTEGER/BIGINT), STRICT
-- here, COLLATE "C" there, and the foreign key cycle between credentials and
-- certificates, which PostgreSQL must close with ALTER TABLE.
--
-- Conventions:
--   * IDs are chosen by the caller and stored as TEXT.
--   * Timestamps are TEXT in RFC 3339, UTC, with exactly nine fractional
--     digits ("2006-01-02T15:04:05.000000000Z"). The fixed width makes text
--     order equal time order, so comparisons and ORDER BY work on the text;
--     the range (years 0001-9999) covers RFC 5280's 99991231235959Z. NULL
--     means "not set" (Go's zero time.Time).
--   * Booleans are INTEGER 0 or 1.
--   * Enumerations are TEXT with a CHECK listing the values of the Go
--     constants in store.go; adding a value needs a migration.

CREATE TABLE issuers (
    id               TEXT    NOT NULL PRIMARY KEY,
    name             TEXT    NOT NULL,
    kind             TEXT    NOT NULL CHECK (kind IN ('root', 'issuing')),
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'active', 'retired')),
    external         INTEGER NOT NULL DEFAULT 0 CHECK (external IN (0, 1)),
    key_name         TEXT    NOT NULL,
    key_version      INTEGER NOT NULL,
    cert_pem         TEXT    NOT NULL DEFAULT '',
    chain_pem        TEXT    NOT NULL DEFAULT '',
    csr_pem          TEXT    NOT NULL DEFAULT '',
    ocsp_key_name    TEXT    NOT NULL DEFAULT '',
    ocsp_key_version INTEGER NOT NULL DEFAULT 0,
    ocsp_cert_pem    TEXT    NOT NULL DEFAULT '',
    not_before       TEXT,
    not_after        TEXT,
    created_at       TEXT    NOT NULL,
    CONSTRAINT issuers_name_key UNIQUE (name)
) STRICT;

-- A credential is created before its first certificate, so current_cert_id
-- starts NULL and is set when that certificate is activated.
CREATE TABLE credentials (
    id              TEXT NOT NULL PRIMARY KEY,
    profile         TEXT NOT NULL,
    subject_json    TEXT NOT NULL,
    key_name        TEXT NOT NULL,
    key_type        TEXT NOT NULL,
    current_cert_id TEXT REFERENCES certificates (id),
    status          TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    -- One Transit key belongs to one credential.
    CONSTRAINT credentials_key_name_key UNIQUE (key_name)
) STRICT;

CREATE INDEX credentials_status_idx ON credentials (status);

-- credential_id is NULL for infrastructure certificates (OCSP responder,
-- time-stamping). The serial is recorded with the pending intent, before
-- signing, so the unique constraint stops a serial from being issued twice.
CREATE TABLE certificates (
    id                TEXT    NOT NULL PRIMARY KEY,
    credential_id     TEXT    REFERENCES credentials (id),
    issuer_id         TEXT    NOT NULL REFERENCES issuers (id),
    serial            TEXT    NOT NULL CHECK (serial <> ''),
    profile           TEXT    NOT NULL,
    subject           TEXT    NOT NULL,
    key_name          TEXT    NOT NULL,
    key_version       INTEGER NOT NULL,
    status            TEXT    NOT NULL
        CHECK (status IN ('pending', 'active', 'superseded', 'revoked', 'failed')),
    not_before        TEXT,
    not_after         TEXT,
    cert_pem          TEXT    NOT NULL DEFAULT '',
    created_at        TEXT    NOT NULL,
    revoked_at        TEXT,
    revocation_reason INTEGER NOT NULL DEFAULT 0,
    superseded_by     TEXT    REFERENCES certificates (id),
    CONSTRAINT certificates_issuer_serial_key UNIQUE (issuer_id, serial)
) STRICT;

CREATE INDEX certificates_status_not_after_idx ON certificates (status, not_after);
CREATE INDEX certificates_not_after_idx ON certificates (not_after);
CREATE INDEX certificates_credential_id_idx ON certificates (credential_id);
CREATE INDEX certificates_issuer_status_idx ON certificates (issuer_id, status);

-- Only the newest CRL of each issuer is kept; SaveCRL replaces it only with
-- a higher CRL number (RFC 5280, 5.2.3: CRL numbers increase).
CREATE TABLE crls (
    issuer_id   TEXT    NOT NULL PRIMARY KEY REFERENCES issuers (id),
    number      INTEGER NOT NULL CHECK (number >= 0),
    this_update TEXT    NOT NULL,
    next_update TEXT,
    der         BLOB    NOT NULL
) STRICT;

-- Only the SHA-256 hash of an admin token is stored.
CREATE TABLE admin_tokens (
    id         TEXT NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    hash       BLOB NOT NULL,
    created_at TEXT NOT NULL,
    CONSTRAINT admin_tokens_hash_key UNIQUE (hash)
) STRICT;

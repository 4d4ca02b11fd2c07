-- 0001_init: kyso's first schema (PostgreSQL).
--
-- The same design as ../sqlite/0001_init.sql; see the conventions there.
-- Differences: BYTEA for BLOB, BIGINT for the CRL number, COLLATE "C" on
-- the text columns that are ordered or compared by range (IDs and
-- timestamps), so that order is byte order as in SQLite whatever the
-- database locale, and the credentials <-> certificates foreign key cycle
-- closed with ALTER TABLE.

CREATE TABLE issuers (
    id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
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
    not_before       TEXT COLLATE "C",
    not_after        TEXT COLLATE "C",
    created_at       TEXT COLLATE "C" NOT NULL,
    CONSTRAINT issuers_name_key UNIQUE (name)
);

CREATE TABLE credentials (
    id              TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    profile         TEXT NOT NULL,
    subject_json    TEXT NOT NULL,
    key_name        TEXT NOT NULL,
    key_type        TEXT NOT NULL,
    current_cert_id TEXT COLLATE "C",
    status          TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
    created_at      TEXT COLLATE "C" NOT NULL,
    updated_at      TEXT COLLATE "C" NOT NULL,
    CONSTRAINT credentials_key_name_key UNIQUE (key_name)
);

CREATE INDEX credentials_status_idx ON credentials (status);

CREATE TABLE certificates (
    id                TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    credential_id     TEXT COLLATE "C" REFERENCES credentials (id),
    issuer_id         TEXT COLLATE "C" NOT NULL REFERENCES issuers (id),
    serial            TEXT    NOT NULL CHECK (serial <> ''),
    profile           TEXT    NOT NULL,
    subject           TEXT    NOT NULL,
    key_name          TEXT    NOT NULL,
    key_version       INTEGER NOT NULL,
    status            TEXT    NOT NULL
        CHECK (status IN ('pending', 'active', 'superseded', 'revoked', 'failed')),
    not_before        TEXT COLLATE "C",
    not_after         TEXT COLLATE "C",
    cert_pem          TEXT    NOT NULL DEFAULT '',
    created_at        TEXT COLLATE "C" NOT NULL,
    revoked_at        TEXT COLLATE "C",
    revocation_reason INTEGER NOT NULL DEFAULT 0,
    superseded_by     TEXT COLLATE "C" REFERENCES certificates (id),
    CONSTRAINT certificates_issuer_serial_key UNIQUE (issuer_id, serial)
);

ALTER TABLE credentials ADD CONSTRAINT credentials_current_cert_id_fkey
    FOREIGN KEY (current_cert_id) REFERENCES certificates (id);

CREATE INDEX certificates_status_not_after_idx ON certificates (status, not_after);
CREATE INDEX certificates_not_after_idx ON certificates (not_after);
CREATE INDEX certificates_credential_id_idx ON certificates (credential_id);
CREATE INDEX certificates_issuer_status_idx ON certificates (issuer_id, status);

CREATE TABLE crls (
    issuer_id   TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES issuers (id),
    number      BIGINT NOT NULL CHECK (number >= 0),
    this_update TEXT COLLATE "C" NOT NULL,
    next_update TEXT COLLATE "C",
    der         BYTEA  NOT NULL
);

CREATE TABLE admin_tokens (
    id         TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name       TEXT  NOT NULL,
    hash       BYTEA NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL,
    CONSTRAINT admin_tokens_hash_key UNIQUE (hash)
);

-- 0002_clients_pin_audit: who may sign what, citizen consent, audit log
-- (SQLite). Same design as ../postgres/0002_clients_pin_audit.sql; the
-- conventions of 0001_init.sql apply.

-- Client systems (e-office, public-service portals) calling the sign API.
-- Only the SHA-256 hash of a client's API key is stored. organizations is
-- a JSON array of the organisation names (NFC, trimmed) whose credentials
-- the client may use.
CREATE TABLE clients (
    id            TEXT    NOT NULL PRIMARY KEY,
    name          TEXT    NOT NULL,
    organizations TEXT    NOT NULL DEFAULT '[]',
    key_hash      BLOB    NOT NULL,
    created_at    TEXT    NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    CONSTRAINT clients_key_hash_key UNIQUE (key_hash)
) STRICT;

-- Citizen consent: the credential holder's PIN, as a PHC string (argon2id,
-- written by package auth; the store never sees the PIN), the number of
-- consecutive failed attempts and when the credential was locked (NULL:
-- not locked).
ALTER TABLE credentials ADD COLUMN pin_hash TEXT;
ALTER TABLE credentials ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0 CHECK (pin_failures >= 0);
ALTER TABLE credentials ADD COLUMN pin_locked_at TEXT;

-- The audit log: a hash chain, appended one record at a time in seq order
-- (1, 2, 3, ... without gaps). prev_hash is the previous record's hash
-- (empty for seq 1); the hash format is package audit's. details is JSON
-- text, stored byte for byte as written since the hash covers those bytes.
CREATE TABLE audit_log (
    seq       INTEGER NOT NULL PRIMARY KEY CHECK (seq >= 1),
    at        TEXT    NOT NULL,
    actor     TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    target    TEXT    NOT NULL,
    details   TEXT    NOT NULL,
    prev_hash BLOB    NOT NULL,
    hash      BLOB    NOT NULL
) STRICT;

-- The log is append-only for kyso itself: a bug or an injected statement
-- cannot rewrite it. (Whoever can drop these triggers can also edit the
-- file; the hash chain is what detects that.)
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

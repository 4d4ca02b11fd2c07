-- 0007_scal2_consent: the citizen's sole control (issue #14, SCAL2)
-- (SQLite). Same design as ../postgres/0007_scal2_consent.sql.

-- The possession factor: a citizen credential's TOTP seed (RFC 6238), as
-- Vault Transit's ciphertext ("vault:vN:..."; the associated data is the
-- credential ID, so a ciphertext copied to another row does not decrypt),
-- and the last time step a code was accepted in: a code is accepted only
-- for a later step, so no code is used twice (RFC 6238, 5.2).
CREATE TABLE credential_totp (
    credential_id TEXT    NOT NULL PRIMARY KEY REFERENCES credentials (id),
    secret_ct     TEXT    NOT NULL,
    last_step     INTEGER NOT NULL DEFAULT 0 CHECK (last_step >= 0),
    created_at    TEXT    NOT NULL
) STRICT;

-- The client systems a citizen enrolled through: only they may ask the
-- citizen for an authorisation. No foreign key on client_id: deleting a
-- client must not need its bindings gone first (a deleted client cannot
-- authenticate anyway).
CREATE TABLE credential_clients (
    credential_id TEXT NOT NULL REFERENCES credentials (id),
    client_id     TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (credential_id, client_id)
) STRICT;

CREATE INDEX credential_clients_client ON credential_clients (client_id, credential_id);

-- Wrong PINs and codes per (credential, client): one client's failures
-- lock that client out (until locked_until, doubling with each lockout),
-- never the others.
CREATE TABLE consent_attempts (
    credential_id TEXT    NOT NULL,
    client_id     TEXT    NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    lockouts      INTEGER NOT NULL DEFAULT 0 CHECK (lockouts >= 0),
    locked_until  TEXT,
    PRIMARY KEY (credential_id, client_id)
) STRICT;

-- Signature Activation Data: single-use authorisations of signatures over
-- exact hashes, for one credential and one client, until expires_at. Only
-- the SHA-256 of the token is stored. hashes is the authorised digests in
-- lower-case hex, sorted, comma-separated; used_at is set once, by the
-- one UPDATE that consumes the SAD.
CREATE TABLE sads (
    token_hash     BLOB    NOT NULL PRIMARY KEY,
    credential_id  TEXT    NOT NULL,
    client_id      TEXT    NOT NULL,
    hash_algorithm TEXT    NOT NULL,
    hashes         TEXT    NOT NULL,
    num_signatures INTEGER NOT NULL CHECK (num_signatures >= 1),
    doc_id         TEXT    NOT NULL DEFAULT '',
    mode           TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    expires_at     TEXT    NOT NULL,
    used_at        TEXT
) STRICT;

CREATE INDEX sads_expires ON sads (expires_at);

-- Signing transactions of the confirmation mode: the citizen confirms on
-- kyso's page (the token in its address, stored as its SHA-256).
-- 'delivered' is a confirmed transaction whose SAD its client has got.
CREATE TABLE signing_transactions (
    id             TEXT    NOT NULL PRIMARY KEY,
    token_hash     BLOB    NOT NULL,
    credential_id  TEXT    NOT NULL,
    client_id      TEXT    NOT NULL,
    hash_algorithm TEXT    NOT NULL,
    hashes         TEXT    NOT NULL,
    num_signatures INTEGER NOT NULL CHECK (num_signatures >= 1),
    doc_id         TEXT    NOT NULL DEFAULT '',
    doc_name       TEXT    NOT NULL DEFAULT '',
    callback_url   TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL CHECK (state IN ('pending', 'confirmed', 'delivered', 'refused')),
    created_at     TEXT    NOT NULL,
    expires_at     TEXT    NOT NULL,
    decided_at     TEXT
) STRICT;

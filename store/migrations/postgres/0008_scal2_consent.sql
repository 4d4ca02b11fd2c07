-- 0007_scal2_consent: the citizen's sole control (issue #14, SCAL2)
-- (PostgreSQL). Same design as ../sqlite/0007_scal2_consent.sql, where the
-- tables are described; differences as in 0001_init.sql.

CREATE TABLE credential_totp (
    credential_id TEXT COLLATE "C" NOT NULL PRIMARY KEY REFERENCES credentials (id),
    secret_ct     TEXT    NOT NULL,
    last_step     BIGINT  NOT NULL DEFAULT 0 CHECK (last_step >= 0),
    created_at    TEXT COLLATE "C" NOT NULL
);

CREATE TABLE credential_clients (
    credential_id TEXT COLLATE "C" NOT NULL REFERENCES credentials (id),
    client_id     TEXT COLLATE "C" NOT NULL,
    created_at    TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (credential_id, client_id)
);

CREATE INDEX credential_clients_client ON credential_clients (client_id, credential_id);

CREATE TABLE consent_attempts (
    credential_id TEXT COLLATE "C" NOT NULL,
    client_id     TEXT COLLATE "C" NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
    lockouts      INTEGER NOT NULL DEFAULT 0 CHECK (lockouts >= 0),
    locked_until  TEXT COLLATE "C",
    PRIMARY KEY (credential_id, client_id)
);

CREATE TABLE sads (
    token_hash     BYTEA   NOT NULL PRIMARY KEY,
    credential_id  TEXT COLLATE "C" NOT NULL,
    client_id      TEXT COLLATE "C" NOT NULL,
    hash_algorithm TEXT    NOT NULL,
    hashes         TEXT COLLATE "C" NOT NULL,
    num_signatures INTEGER NOT NULL CHECK (num_signatures >= 1),
    doc_id         TEXT    NOT NULL DEFAULT '',
    mode           TEXT    NOT NULL,
    created_at     TEXT COLLATE "C" NOT NULL,
    expires_at     TEXT COLLATE "C" NOT NULL,
    used_at        TEXT COLLATE "C"
);

CREATE INDEX sads_expires ON sads (expires_at);

CREATE TABLE signing_transactions (
    id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    token_hash     BYTEA   NOT NULL,
    credential_id  TEXT COLLATE "C" NOT NULL,
    client_id      TEXT COLLATE "C" NOT NULL,
    hash_algorithm TEXT    NOT NULL,
    hashes         TEXT COLLATE "C" NOT NULL,
    num_signatures INTEGER NOT NULL CHECK (num_signatures >= 1),
    doc_id         TEXT    NOT NULL DEFAULT '',
    doc_name       TEXT    NOT NULL DEFAULT '',
    callback_url   TEXT    NOT NULL DEFAULT '',
    state          TEXT    NOT NULL CHECK (state IN ('pending', 'confirmed', 'delivered', 'refused')),
    created_at     TEXT COLLATE "C" NOT NULL,
    expires_at     TEXT COLLATE "C" NOT NULL,
    decided_at     TEXT COLLATE "C"
);

-- 0004_idempotency_quarantine: Idempotency-Key records of the API, and
-- Vault keys that kyso doctor found without any record referring to them.
--
-- idempotency_keys: one row per (actor, key) an API caller sent. A row is
-- "pending" while a request holds it (token names the holder, until
-- locked_until), "done" with the answer once the request succeeded. body is
-- NULL when the answer was too large to keep (body_size tells its size).
-- resource is what the request is creating (a credential ID), recorded
-- before it is created so that a retry after a crash can find it. Rows are
-- deleted once expires_at has passed.
CREATE TABLE idempotency_keys (
    actor        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    fingerprint  BLOB NOT NULL,
    token        TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('pending', 'done')),
    resource     TEXT,
    status       INTEGER NOT NULL DEFAULT 0,
    header_json  TEXT NOT NULL DEFAULT '{}',
    body         BLOB,
    body_size    INTEGER NOT NULL DEFAULT 0,
    created_at   TEXT NOT NULL,
    locked_until TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    PRIMARY KEY (actor, idem_key)
) STRICT;

CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at);

-- quarantined_keys: Transit keys on kyso's mount that no issuer, credential
-- or service record refers to (an issuance interrupted between creating the
-- key and recording it, or a database restored from an older backup).
-- kyso never signs with them; its Vault policy cannot delete keys, so an
-- operator with that right removes them.
CREATE TABLE quarantined_keys (
    key_name TEXT NOT NULL PRIMARY KEY,
    reason   TEXT NOT NULL,
    found_at TEXT NOT NULL
) STRICT;

-- 0002_clients_pin_audit: who may sign what, citizen consent, audit log
-- (PostgreSQL). Same design as ../sqlite/0002_clients_pin_audit.sql, where
-- the tables are described; differences as in 0001_init.sql, and the
-- append-only guard is a trigger function (also refusing TRUNCATE).

CREATE TABLE clients (
    id            TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    name          TEXT    NOT NULL,
    organizations TEXT    NOT NULL DEFAULT '[]',
    key_hash      BYTEA   NOT NULL,
    created_at    TEXT COLLATE "C" NOT NULL,
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    CONSTRAINT clients_key_hash_key UNIQUE (key_hash)
);

ALTER TABLE credentials ADD COLUMN pin_hash TEXT;
ALTER TABLE credentials ADD COLUMN pin_failures INTEGER NOT NULL DEFAULT 0 CHECK (pin_failures >= 0);
ALTER TABLE credentials ADD COLUMN pin_locked_at TEXT COLLATE "C";

CREATE TABLE audit_log (
    seq       BIGINT NOT NULL PRIMARY KEY CHECK (seq >= 1),
    at        TEXT COLLATE "C" NOT NULL,
    actor     TEXT   NOT NULL,
    action    TEXT   NOT NULL,
    target    TEXT   NOT NULL,
    details   TEXT   NOT NULL,
    prev_hash BYTEA  NOT NULL,
    hash      BYTEA  NOT NULL
);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END
$$;

CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

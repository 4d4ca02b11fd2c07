-- 0010_trust_bundles: the trust bundles a deployment has accepted
-- (PostgreSQL). Same design as ../sqlite/0010_trust_bundles.sql, where the
-- table is described.
CREATE TABLE trust_bundles (
    name        TEXT   COLLATE "C" NOT NULL PRIMARY KEY,
    version     BIGINT NOT NULL CHECK (version > 0),
    digest      TEXT   NOT NULL,
    accepted_at TEXT   COLLATE "C" NOT NULL
);

-- 0010_trust_bundles: the trust bundles a deployment has accepted (SQLite).
-- Same design as ../postgres/0010_trust_bundles.sql.
--
-- A signed trust bundle's version only grows: kyso refuses an older
-- version, and the same version with other contents (a rollback to a
-- bundle that still trusted a since-removed anchor). The highest version
-- accepted of each bundle name, and a digest of its contents, are kept
-- here so that the refusal holds across restarts and across the nodes
-- that share the database (truststore.BundleVersions).
CREATE TABLE trust_bundles (
    name        TEXT    NOT NULL PRIMARY KEY,
    version     INTEGER NOT NULL CHECK (version > 0),
    digest      TEXT    NOT NULL,
    accepted_at TEXT    NOT NULL
) STRICT;

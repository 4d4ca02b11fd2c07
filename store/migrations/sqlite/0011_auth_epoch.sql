-- 0011_auth_epoch: a counter of the changes to what authorises a
-- signature: clients, credentials and certificates (SQLite). Same design
-- as ../postgres/0011_auth_epoch.sql.
--
-- Every committed change to one of the three tables raises n, in the
-- transaction that makes it (the triggers below), whatever statement or
-- program made it. A node may therefore keep a client, or a credential
-- and its certificate, read together with n in one statement, and use
-- them again while a read of n still returns the same value: nothing it
-- read has changed since. kyso reads n once at each signing request, so
-- a disabled client, a revoked certificate or a disabled credential still
-- stops the very next request, on every node, with one small read
-- instead of two lookups.
--
-- A later migration that rebuilds one of these tables must create its
-- triggers again (storetest's AuthEpoch test fails without them). A node
-- forgets what it remembered only by restarting: a restored database is
-- opened by nodes started after the restore (docs/operations.md).
CREATE TABLE auth_epoch (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
) STRICT;

INSERT INTO auth_epoch (id, n) VALUES (1, 1);

CREATE TRIGGER clients_epoch_insert AFTER INSERT ON clients
BEGIN
    UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER clients_epoch_update AFTER UPDATE ON clients
BEGIN
    UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER clients_epoch_delete AFTER DELETE ON clients
BEGIN
    UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER credentials_epoch_insert AFTER INSERT ON credentials
BEGIN
    UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER credentials_epoch_update AFTER UPDATE ON credentials
BEGIN
    UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER credentials_epoch_delete AFTER DELETE ON credentials
BEGIN
    UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER certificates_epoch_insert AFTER INSERT ON certificates
BEGIN
    UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER certificates_epoch_update AFTER UPDATE ON certificates
BEGIN
    UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
END;

CREATE TRIGGER certificates_epoch_delete AFTER DELETE ON certificates
BEGIN
    UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
END;

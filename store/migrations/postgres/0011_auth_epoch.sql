-- 0011_auth_epoch: a counter of the changes to clients, credentials and
-- certificates (PostgreSQL). Same design as ../sqlite/0011_auth_epoch.sql,
-- where it is described.
--
-- The triggers run once per statement, in the statement's transaction:
-- the row lock on auth_epoch orders the writers of the three tables, so n
-- only grows, and a reader sees a new n only together with the change
-- that raised it.
CREATE TABLE auth_epoch (
    id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    n  BIGINT  NOT NULL
);

INSERT INTO auth_epoch (id, n) VALUES (1, 1);

CREATE FUNCTION auth_epoch_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_epoch SET n = n + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER clients_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON clients
    FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump();

CREATE TRIGGER credentials_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON credentials
    FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump();

CREATE TRIGGER certificates_epoch AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON certificates
    FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump();

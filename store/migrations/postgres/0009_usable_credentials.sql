-- 0009_usable_credentials: the credentials of one profile, by ID
-- (PostgreSQL). Same design as ../sqlite/0009_usable_credentials.sql,
-- where the index is described.
CREATE INDEX credentials_profile_status_idx ON credentials (profile, status, id);

-- 0009_usable_credentials: the credentials of one profile, by ID (SQLite).
-- Same as ../postgres/0009_usable_credentials.sql.
--
-- A client system's listing of the credentials it may use (CSC
-- credentials/list) reads the active official and seal credentials
-- (Store.ListUsableCredentials), not every certificate: a city's citizens
-- outnumber its agencies' signers many times over.
CREATE INDEX credentials_profile_status_idx ON credentials (profile, status, id);

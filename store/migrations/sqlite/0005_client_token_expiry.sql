-- 0005_client_token_expiry: client API keys and admin tokens may expire
-- (SQLite). expires_at is a timestamp in the layout of 0001_init.sql;
-- NULL: the key never expires. Revoking an admin token deletes its row;
-- the audit log keeps who did it.
ALTER TABLE clients ADD COLUMN expires_at TEXT;
ALTER TABLE admin_tokens ADD COLUMN expires_at TEXT;

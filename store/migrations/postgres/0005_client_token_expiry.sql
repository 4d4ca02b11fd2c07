-- 0005_client_token_expiry: client API keys and admin tokens may expire
-- (PostgreSQL). Same design as ../sqlite/0005_client_token_expiry.sql.
ALTER TABLE clients ADD COLUMN expires_at TEXT COLLATE "C";
ALTER TABLE admin_tokens ADD COLUMN expires_at TEXT COLLATE "C";

-- 0007_idempotency_sealed: answers kept for Idempotency-Key replay are
-- sealed (encrypted under a Vault Transit key) and held to a quota per
-- actor (issue #15).
--
-- sealed is 1 when body holds a sealed answer (the answer's headers and
-- body, encrypted; header_json is then '{}'), 0 for an answer kept in clear
-- before this migration (replayed as it is until it expires). stored_bytes
-- is what the kept answer costs the actor's quota (the sealed body's
-- length); 0 when nothing is kept. evicted_at is set when the quota made
-- room for newer answers: the request was done, its answer is gone, and a
-- replay is told so rather than done again.
ALTER TABLE idempotency_keys ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE idempotency_keys ADD COLUMN stored_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE idempotency_keys ADD COLUMN evicted_at TEXT;

CREATE INDEX idempotency_keys_kept ON idempotency_keys (actor, created_at) WHERE stored_bytes > 0;

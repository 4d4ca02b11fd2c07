-- 0005_credential_holder: one active credential per citizen (issue #14).
--
-- holder is the identity a credential claims alone among active ones:
-- 'CCCD:' and the citizen identity number for the citizen profile, NULL for
-- every other profile. The partial unique index below makes a second
-- issuance for the same CCCD fail inside the issuance transaction, however
-- many run at once. Revoking a credential's current certificate releases the
-- claim (holder becomes NULL: store's RevokeCertificate), as does retiring
-- the credential (status 'revoked'); rotation and renewal keep the
-- credential, and so its claim.
ALTER TABLE credentials ADD COLUMN holder TEXT COLLATE "C";

-- Existing citizen credentials: the newest active one of each CCCD whose
-- current certificate is not revoked takes the claim; older duplicates
-- issued before this migration stay active but hold no claim.
UPDATE credentials SET holder = 'CCCD:' || (credentials.subject_json::jsonb ->> 'cccd')
WHERE profile = 'citizen' AND status = 'active' AND (credentials.subject_json::jsonb ->> 'cccd') IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM certificates c
                  WHERE c.id = credentials.current_cert_id AND c.status = 'revoked')
  AND NOT EXISTS (SELECT 1 FROM credentials n
                  WHERE n.profile = 'citizen' AND n.status = 'active' AND n.id <> credentials.id
                    AND (n.subject_json::jsonb ->> 'cccd') = (credentials.subject_json::jsonb ->> 'cccd')
                    AND (n.created_at > credentials.created_at
                         OR (n.created_at = credentials.created_at AND n.id > credentials.id))
                    AND NOT EXISTS (SELECT 1 FROM certificates c
                                    WHERE c.id = n.current_cert_id AND c.status = 'revoked'));

CREATE UNIQUE INDEX credentials_active_holder_key ON credentials (holder)
    WHERE holder IS NOT NULL AND status = 'active';

-- 0003_seal_images: the seal image of each agency, uploaded by an admin
-- and drawn on the agency's seal signatures (Decree 30/2020/ND-CP).
-- organization is the agency name as package auth normalises it (NFC,
-- trimmed); data is the PNG or JPEG as uploaded.
CREATE TABLE seal_images (
    organization TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    content_type TEXT NOT NULL,
    data         BYTEA NOT NULL,
    updated_at   TEXT COLLATE "C" NOT NULL
);

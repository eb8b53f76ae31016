-- firmware_images: the account's firmware images, whose content is a blob
-- in the blob store (a local directory or S3-compatible storage).
CREATE TABLE firmware_images (
    id                text PRIMARY KEY,
    account_id        text NOT NULL,
    name              text NOT NULL,
    description       text NOT NULL,
    blob_key          text NOT NULL,        -- the content's key in the blob store
    datafile_checksum text NOT NULL,        -- sha256 of the content, hex
    datafile_size     bigint NOT NULL,      -- bytes
    created_at        timestamptz NOT NULL, -- upload
    updated_at        timestamptz NOT NULL, -- last change of this row
    deleted_at        timestamptz           -- deletion; NULL while the image exists
);
CREATE INDEX firmware_images_account_created ON firmware_images (account_id, created_at, id);
COMMENT ON TABLE firmware_images IS 'Firmware images, deleted ones kept with deleted_at.';

---- create above / drop below ----

DROP TABLE firmware_images;

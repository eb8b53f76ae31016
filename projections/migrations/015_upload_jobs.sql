-- upload_jobs: the account's chunked uploads of firmware images. A job
-- completed has the image it became; its chunks' blobs are the blob
-- store's.
CREATE TABLE upload_jobs (
    id                text PRIMARY KEY,
    account_id        text NOT NULL,
    name              text NOT NULL,
    description       text NOT NULL,
    firmware_image_id text,                 -- the image made; NULL until complete
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL, -- last change of this row
    deleted_at        timestamptz           -- deletion; NULL while the job exists
);
CREATE INDEX upload_jobs_account_created ON upload_jobs (account_id, created_at, id);
COMMENT ON TABLE upload_jobs IS 'Upload jobs, deleted ones kept with deleted_at.';

-- upload_job_chunks: each job's chunks, numbered from 0.
CREATE TABLE upload_job_chunks (
    upload_job_id text NOT NULL,
    chunk         integer NOT NULL,
    length        bigint NOT NULL,      -- bytes
    hash          text NOT NULL,        -- MD5 of the chunk, base64
    created_at    timestamptz NOT NULL,
    PRIMARY KEY (upload_job_id, chunk)
);
COMMENT ON TABLE upload_job_chunks IS 'The chunks of upload_jobs, kept with a deleted job.';

---- create above / drop below ----

DROP TABLE upload_job_chunks;
DROP TABLE upload_jobs;

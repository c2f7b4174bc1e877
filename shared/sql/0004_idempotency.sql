-- Idempotency-Key (shared/idempotency.py): the first response to each key a caller sent with a POST or PUT,
-- kept 24 hours so a retried request gets it again instead of acting twice. `status` is NULL while the
-- first request is still running. Rows older than 24 hours are ignored and purged (purge_expired).
CREATE TABLE idempotency_keys (
    principal    text        NOT NULL,          -- role:subject:scope of the verified token
    key          text        NOT NULL,          -- the Idempotency-Key header
    fingerprint  bytea       NOT NULL,          -- sha256 of method, path, query and body
    claim        uuid        NOT NULL,          -- the request that holds the row
    created_at   timestamptz NOT NULL DEFAULT now(),
    status       integer,
    headers      jsonb,                         -- [[name, value], ...]: content-type, location, ...
    body         bytea,
    completed_at timestamptz,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

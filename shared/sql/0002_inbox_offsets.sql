-- The inbox of a raw topic whose records are known only by where they are (ecm.visits: one record per
-- carer attendance, keyed by provider): per partition, the highest offset whose effect is committed.
-- Kafka hands a partition's records over in order, so "applied" is "at or below the mark" — the same
-- answer as a row per record, without a row and an index entry for each of millions of records.
CREATE TABLE inbox_offsets (
    consumer    text        NOT NULL,
    topic       text        NOT NULL,
    "partition" integer     NOT NULL,
    last_offset bigint      NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, topic, "partition")
);

-- Marks for what per-record inboxes already hold (ids are topic:partition:offset for raw records), so a
-- consumer that moves to marks never applies a record twice across the change.
INSERT INTO inbox_offsets (consumer, topic, "partition", last_offset)
SELECT consumer, split_part(message_id, ':', 1), split_part(message_id, ':', 2)::integer,
       max(split_part(message_id, ':', 3)::bigint)
FROM inbox WHERE message_id ~ '^[A-Za-z0-9._-]+:[0-9]{1,9}:[0-9]{1,18}$'
GROUP BY 1, 2, 3;

-- An outbox row Kafka refuses for good (over the topic's message size, a corrupt or invalid record) is
-- set aside: kept here with why, never sent again, so the rows after it are not held up behind it for ever.
-- `carepay outbox set-aside <service>` lists them; the CarepayOutboxRowSetAside alert says one arrived.
ALTER TABLE outbox ADD COLUMN set_aside_at timestamptz, ADD COLUMN set_aside_error text;

-- The relay reads what is neither published nor set aside, oldest first.
DROP INDEX outbox_unpublished;
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL AND set_aside_at IS NULL;
CREATE INDEX outbox_set_aside ON outbox (id) WHERE set_aside_at IS NOT NULL;

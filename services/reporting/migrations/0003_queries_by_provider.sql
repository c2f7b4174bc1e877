-- Open queries and SLA breaches by provider as well: a provider's own view, and figures a test (or
-- a dashboard filter) can read for one provider without counting everyone else's.
-- Queries read before this change carry no provider (''): `carepay reporting rebuild` then `swap`
-- attributes them.
ALTER TABLE open_queries ADD COLUMN provider_id text NOT NULL DEFAULT '';
ALTER TABLE open_queries DROP CONSTRAINT open_queries_pkey;
ALTER TABLE open_queries ADD PRIMARY KEY (category, state, sla_breached, next_due_on, provider_id);
ALTER TABLE query_breaches ADD COLUMN provider_id text NOT NULL DEFAULT '';
ALTER TABLE query_breaches DROP CONSTRAINT query_breaches_pkey;
ALTER TABLE query_breaches ADD PRIMARY KEY (month, category, sla, provider_id);

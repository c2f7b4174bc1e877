-- Lists a page at a time (issue 18): officers' work lists and a raiser's own are filtered, judged and
-- ordered in SQL (store/listing.py) and read by keyset, so every query is reachable however many there are.
-- Beside the columns of 0001, what judges a query's SLA state and age band at any instant without a
-- working-day calendar in SQL: the two deadlines (working-day sums, computed by the service when it saves
-- the query), when each clock was met, and a closed query's age in working days (it stops ageing).
ALTER TABLE queries
    ADD COLUMN acknowledge_due_at      timestamptz,
    ADD COLUMN resolve_due_at          timestamptz,
    ADD COLUMN acknowledged_at         timestamptz,
    ADD COLUMN resolved_at             timestamptz,
    ADD COLUMN closed_age_working_days integer;

-- Queries stored before this migration have no deadlines yet: the service fills them (from `state`) before
-- it lists (store.queries.fill_listing_columns); this index finds them, and is empty once it has.
CREATE INDEX queries_listing_unfilled ON queries (query_id) WHERE acknowledge_due_at IS NULL;

-- Keyset orders: newest or oldest first by (raised_at, query_id), for everyone and for a raiser's side.
CREATE INDEX queries_by_raised_at ON queries (raised_at, query_id);
DROP INDEX queries_by_provider;
DROP INDEX queries_by_person;
CREATE INDEX queries_by_provider ON queries (raised_by_provider, raised_at, query_id)
    WHERE raised_by_provider IS NOT NULL;
CREATE INDEX queries_by_person ON queries (raised_by_person, raised_at, query_id)
    WHERE raised_by_person IS NOT NULL;

-- A query moves money at most once. Every credit note or supplementary payment a query asks
-- invoicing for is written here (services/queries/store/queries.py, with the query): the first for
-- a query has no retry_of, and at most one such row may exist per query. Asking again for a failed
-- one (retry_effect) names it in retry_of; any other second money-moving effect is refused here as
-- it is in the domain (lifecycle.resolve), even if the domain's check were bypassed.
CREATE TABLE query_money_effects (
    effect_id    text        PRIMARY KEY,
    query_id     text        NOT NULL REFERENCES queries (query_id),
    kind         text        NOT NULL CHECK (kind IN ('credit_note', 'supplementary_payment')),
    retry_of     text        REFERENCES query_money_effects (effect_id),
    requested_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX query_money_effects_one_per_query ON query_money_effects (query_id) WHERE retry_of IS NULL;

-- Queries stored before this migration: the earliest money-moving effect each asked for ...
INSERT INTO query_money_effects (effect_id, query_id, kind, retry_of, requested_at)
SELECT DISTINCT ON (q.query_id) e->>'effect_id', q.query_id, e->>'kind', NULL, (e->>'requested_at')::timestamptz
FROM queries q
CROSS JOIN LATERAL jsonb_array_elements(
    COALESCE(q.state->'earlier_effects', '[]'::jsonb)
    || CASE WHEN jsonb_typeof(q.state->'effect') = 'object' THEN jsonb_build_array(q.state->'effect')
            ELSE '[]'::jsonb END) AS e
WHERE e->>'kind' IN ('credit_note', 'supplementary_payment')
ORDER BY q.query_id, (e->>'requested_at')::timestamptz;
-- ... and any later ones they asked for (retries, or from before this rule), as following the first.
INSERT INTO query_money_effects (effect_id, query_id, kind, retry_of, requested_at)
SELECT e->>'effect_id', q.query_id, e->>'kind', f.effect_id, (e->>'requested_at')::timestamptz
FROM queries q
JOIN query_money_effects f ON f.query_id = q.query_id AND f.retry_of IS NULL
CROSS JOIN LATERAL jsonb_array_elements(
    COALESCE(q.state->'earlier_effects', '[]'::jsonb)
    || CASE WHEN jsonb_typeof(q.state->'effect') = 'object' THEN jsonb_build_array(q.state->'effect')
            ELSE '[]'::jsonb END) AS e
WHERE e->>'kind' IN ('credit_note', 'supplementary_payment')
ON CONFLICT (effect_id) DO NOTHING;

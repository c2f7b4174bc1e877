-- The lifecycle of a request: assessment, budget, mechanism and activation; personal details;
-- and the history of who moved each request and why.
ALTER TABLE service_requests
    ADD COLUMN service_type               text,
    ADD COLUMN eligible                   boolean,
    ADD COLUMN assessed_service_type      text,
    ADD COLUMN assessed_needs             jsonb,
    ADD COLUMN assessed_outcomes          jsonb,
    ADD COLUMN weekly_budget_pence        bigint CHECK (weekly_budget_pence >= 0),
    ADD COLUMN weekly_contribution_pence  bigint CHECK (weekly_contribution_pence >= 0),
    ADD COLUMN mechanism                  text,
    ADD COLUMN nominee                    text,
    ADD COLUMN preferred_provider_id      text,
    ADD COLUMN service_start              date,
    ADD COLUMN days_from_request_to_start integer CHECK (days_from_request_to_start >= 0),
    ADD COLUMN updated_at                 timestamptz NOT NULL DEFAULT now(),
    -- The domain enforces these; the table refuses what slips past it.
    ADD CONSTRAINT contribution_within_budget CHECK (weekly_contribution_pence <= weekly_budget_pence),
    ADD CONSTRAINT nominee_only_for_direct_payment
        CHECK (mechanism IS NULL OR (mechanism = 'direct_payment') = (nominee IS NOT NULL)),
    ADD CONSTRAINT known_status CHECK (status IN ('submitted', 'assessed', 'budget_agreed', 'mechanism_chosen',
                                                  'approved', 'active', 'closed', 'cancelled'));

-- Work queues ("everything awaiting approval") list by status, newest first.
CREATE INDEX service_requests_status ON service_requests (status, created_at DESC);

-- Names, addresses and contact details: held here only, never in events or logs.
CREATE TABLE request_personal_details (
    request_id text PRIMARY KEY REFERENCES service_requests (request_id),
    name       text NOT NULL,
    address    text,
    contact    text
);

-- One row per step. `details` is the event's payload less the ids: never personal data.
CREATE TABLE request_history (
    id          bigserial   PRIMARY KEY,
    request_id  text        NOT NULL REFERENCES service_requests (request_id),
    action      text        NOT NULL,
    from_status text,
    to_status   text        NOT NULL,
    event_type  text        NOT NULL,
    event_id    uuid,
    details     jsonb       NOT NULL DEFAULT '{}'::jsonb,
    actor_id    text        NOT NULL,
    actor_role  text        NOT NULL,
    reason      text,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX request_history_request ON request_history (request_id, id);

-- Requests submitted before the history existed get their submission step, without an event id.
INSERT INTO request_history (request_id, action, to_status, event_type, actor_id, actor_role, recorded_at)
SELECT request_id, 'submit', 'submitted', 'ServiceRequested', created_by, 'unknown', created_at
FROM service_requests;

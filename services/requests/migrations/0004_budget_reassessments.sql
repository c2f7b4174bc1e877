-- Reassessments of active requests: a new personal budget and contribution from a date (BudgetReassessed).
-- The request row keeps the latest budget decided; each reassessment is kept here with the budget before it.
CREATE TABLE budget_reassessments (
    reassessment_id                    text        PRIMARY KEY,
    request_id                         text        NOT NULL REFERENCES service_requests (request_id),
    person_ref                         text        NOT NULL,
    effective_from                     date        NOT NULL,
    weekly_budget_pence                bigint      NOT NULL CHECK (weekly_budget_pence >= 0),
    weekly_contribution_pence          bigint      NOT NULL CHECK (weekly_contribution_pence >= 0),
    previous_weekly_budget_pence       bigint      NOT NULL CHECK (previous_weekly_budget_pence >= 0),
    previous_weekly_contribution_pence bigint      NOT NULL CHECK (previous_weekly_contribution_pence >= 0),
    event_id                           uuid        NOT NULL,
    made_by                            text        NOT NULL,
    made_by_role                       text        NOT NULL,
    reason                             text,
    made_at                            timestamptz NOT NULL DEFAULT now(),
    CHECK (weekly_contribution_pence <= weekly_budget_pence)
);
CREATE INDEX budget_reassessments_request ON budget_reassessments (request_id, made_at);

-- Direct payments all the way (issue 15): agreements funded by a council-managed direct payment and
-- the mechanism they were arranged under; direct payments that vary (every version kept, large rises
-- approved by a second person) and are reviewed; budgets reassessed from a date.

-- How the agreement was arranged (the request's mechanism: council_arranged or isf) and where its money
-- comes from. Agreements drafted before this column are taken as council-arranged.
ALTER TABLE agreements
    ADD COLUMN arranged_as       text NOT NULL DEFAULT 'council_arranged' CHECK (arranged_as IN ('council_arranged', 'isf')),
    ADD COLUMN funding           text NOT NULL DEFAULT 'council' CHECK (funding IN ('council', 'managed_account')),
    ADD COLUMN direct_payment_id text REFERENCES direct_payments,
    ADD CONSTRAINT funding_names_its_direct_payment CHECK ((funding = 'managed_account') = (direct_payment_id IS NOT NULL));
CREATE INDEX agreements_by_funding_direct_payment ON agreements (direct_payment_id) WHERE direct_payment_id IS NOT NULL;

-- Version 1 of a direct payment's terms stays on its row (budget, contribution, and now cycle).
ALTER TABLE direct_payments
    ADD COLUMN cycle                  text    NOT NULL DEFAULT 'four_weekly' CHECK (cycle IN ('weekly', 'four_weekly')),
    ADD COLUMN review_interval_months integer NOT NULL DEFAULT 12 CHECK (review_interval_months BETWEEN 1 AND 12);

-- Each variation asked for: pending (awaiting a second person), in force (with its version, 2 and up),
-- or superseded by a newer one before it was approved. Versions in force are history: never changed.
CREATE TABLE direct_payment_variations (
    variation_id              text        PRIMARY KEY,
    agreement_id              text        NOT NULL REFERENCES direct_payments,
    status                    text        NOT NULL CHECK (status IN ('pending', 'in_force', 'superseded')),
    version                   integer     CHECK (version >= 2),
    effective_from            date        NOT NULL,
    weekly_budget_pence       integer     NOT NULL CHECK (weekly_budget_pence >= 0),
    weekly_contribution_pence integer     NOT NULL CHECK (weekly_contribution_pence >= 0),
    cycle                     text        NOT NULL CHECK (cycle IN ('weekly', 'four_weekly')),
    reassessment_id           text,
    requested_by              text        NOT NULL,
    requested_by_role         text        NOT NULL,
    requested_at              timestamptz NOT NULL DEFAULT now(),
    approved_by               text        CHECK (approved_by <> requested_by),
    approved_by_role          text,
    decided_at                timestamptz,
    CHECK (weekly_contribution_pence < weekly_budget_pence),
    CHECK ((status = 'in_force') = (version IS NOT NULL))
);
CREATE UNIQUE INDEX one_variation_per_version ON direct_payment_variations (agreement_id, version)
    WHERE version IS NOT NULL;
CREATE UNIQUE INDEX one_pending_variation_per_direct_payment ON direct_payment_variations (agreement_id)
    WHERE status = 'pending';

-- Reviews of a direct payment; the officer's note stays in the audit log.
CREATE TABLE direct_payment_reviews (
    review_id        text        PRIMARY KEY,
    agreement_id     text        NOT NULL REFERENCES direct_payments,
    reviewed_on      date        NOT NULL,
    outcome          text        NOT NULL CHECK (outcome IN ('continue', 'vary', 'end')),
    next_review_due  date        NOT NULL CHECK (next_review_due > reviewed_on),
    reviewed_by      text        NOT NULL,
    reviewed_by_role text        NOT NULL,
    recorded_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX direct_payment_reviews_latest ON direct_payment_reviews (agreement_id, reviewed_on DESC, recorded_at DESC);

-- Budgets reassessed in requests (BudgetReassessed), each in force from its date; a direct payment's
-- variation may take its figures from one.
CREATE TABLE budget_reassessments (
    reassessment_id           text        PRIMARY KEY,
    request_id                text        NOT NULL,
    person_ref                text        NOT NULL,
    effective_from            date        NOT NULL,
    weekly_budget_pence       integer     NOT NULL CHECK (weekly_budget_pence >= 0),
    weekly_contribution_pence integer     NOT NULL CHECK (weekly_contribution_pence >= 0),
    decided_at                timestamptz NOT NULL,
    recorded_at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX budget_reassessments_by_person ON budget_reassessments (person_ref, effective_from);

-- The person's assessed contribution, charged per four-weekly period for council-arranged care and ISFs,
-- and exported to the council's debtors system.

-- Every contribution decided in requests: a budget agreed with a request (in force from the start of care:
-- effective_from NULL) or reassessed from a date. On a day, of those in force, the one decided last applies.
CREATE TABLE contributions_on_file (
    person_ref                text        NOT NULL,
    request_id                text        NOT NULL,
    reassessment_id           text,  -- NULL: the budget agreed with the request
    effective_from            date,  -- NULL: from the start of care
    weekly_contribution_pence bigint      NOT NULL CHECK (weekly_contribution_pence >= 0),
    decided_at                timestamptz NOT NULL,
    recorded_at               timestamptz NOT NULL DEFAULT now(),
    CHECK ((reassessment_id IS NULL) = (effective_from IS NULL))
);
-- One agreed budget per request (the latest decided stands), one row per reassessment.
CREATE UNIQUE INDEX contributions_agreed_once ON contributions_on_file (request_id) WHERE reassessment_id IS NULL;
CREATE UNIQUE INDEX contributions_reassessed_once ON contributions_on_file (reassessment_id)
    WHERE reassessment_id IS NOT NULL;
CREATE INDEX contributions_by_person ON contributions_on_file (person_ref);

-- Charges stop at death: the last day of an agreement ended because the person died.
ALTER TABLE agreements_on_file ADD COLUMN ended_by_death date;
CREATE INDEX agreements_on_file_person ON agreements_on_file (person_ref);

-- A debtors export: what it sent, exactly as first written, so every download is byte-identical.
CREATE TABLE contribution_exports (
    export_id    text        PRIMARY KEY,
    number       integer     NOT NULL UNIQUE CHECK (number >= 1),
    posting_date date        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text        NOT NULL,
    count        integer     NOT NULL CHECK (count >= 1),
    total_pence  bigint      NOT NULL,
    debtors_csv  bytea       NOT NULL,
    journal_csv  bytea       NOT NULL
);

-- Each revision of a person's charge for a period, with every figure ContributionCharged carries.
CREATE TABLE contribution_charges (
    charge_id          text        PRIMARY KEY,
    person_ref         text        NOT NULL,
    period_start       date        NOT NULL,
    period_end         date        NOT NULL CHECK (period_end >= period_start),
    revision           integer     NOT NULL CHECK (revision >= 1),
    contribution_pence bigint      NOT NULL CHECK (contribution_pence >= 0),
    care_cost_pence    bigint      NOT NULL CHECK (care_cost_pence >= 0),
    charged_pence      bigint      NOT NULL CHECK (charged_pence >= 0),
    change_pence       bigint      NOT NULL,
    capped             boolean     NOT NULL,
    reason             text        NOT NULL,
    computed_at        timestamptz NOT NULL DEFAULT now(),
    computed_by        text        NOT NULL,
    export_id          text        REFERENCES contribution_exports (export_id),
    UNIQUE (person_ref, period_start, revision)
);
CREATE INDEX contribution_charges_period ON contribution_charges (period_start);
-- The export takes every revision not yet exported.
CREATE INDEX contribution_charges_not_exported ON contribution_charges (computed_at) WHERE export_id IS NULL;

-- Direct payments (agreements of kind DP), personal budgets and the last published commitments.
CREATE TABLE direct_payments (
    agreement_id              text        PRIMARY KEY,
    request_id                text        UNIQUE,
    person_ref                text        NOT NULL,
    status                    text        NOT NULL CHECK (status IN ('draft', 'agreed', 'ended', 'cancelled')),
    nominee                   text,
    weekly_budget_pence       integer     NOT NULL CHECK (weekly_budget_pence >= 0),
    weekly_contribution_pence integer     NOT NULL CHECK (weekly_contribution_pence >= 0),
    start_date                date        NOT NULL,
    first_review_due          date,
    end_date                  date        CHECK (end_date >= start_date),
    end_reason                text,
    -- The payee account: bank details, kept here only and sent only to payments.
    payee_sort_code           text        CHECK (payee_sort_code ~ '^[0-9]{6}$'),
    payee_account_number      text        CHECK (payee_account_number ~ '^[0-9]{8}$'),
    payee_account_name        text,
    payee_set_by              text,
    agreed_by                 text        CHECK (agreed_by <> payee_set_by),
    created_at                timestamptz NOT NULL DEFAULT now(),
    updated_at                timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX direct_payments_by_person ON direct_payments (person_ref);

-- The person's personal budget: the latest agreed, whichever request it came with.
CREATE TABLE person_budgets (
    person_ref                text        PRIMARY KEY,
    request_id                text        NOT NULL,
    weekly_budget_pence       integer     NOT NULL CHECK (weekly_budget_pence >= 0),
    weekly_contribution_pence integer     NOT NULL CHECK (weekly_contribution_pence >= 0),
    agreed_at                 timestamptz NOT NULL
);

-- What CommitmentChanged last said for a person, so an unchanged figure is not republished.
CREATE TABLE person_commitments (
    person_ref          text        PRIMARY KEY,
    as_of               date        NOT NULL,
    weekly_budget_pence integer,
    weekly_pence        bigint      NOT NULL,
    annual_pence        bigint      NOT NULL,
    exceeded            boolean     NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX people_over_budget ON person_commitments (person_ref) WHERE exceeded;

-- ISF returns: what a provider says each period's budget bought, and the surplus reclaimed after them.

-- One return per ISF agreement and four-weekly period, as sent and checked: held (over budget, with the
-- provider's reason) until an officer who did not submit it accepts it, or accepted at once.
CREATE TABLE isf_returns (
    return_id          text        PRIMARY KEY,
    agreement_id       text        NOT NULL,
    provider_id        text        NOT NULL,
    person_ref         text        NOT NULL,
    period_first       date        NOT NULL,
    period_last        date        NOT NULL CHECK (period_last >= period_first),
    budget_pence       bigint      NOT NULL CHECK (budget_pence >= 0),
    spend_pence        bigint      NOT NULL CHECK (spend_pence >= 0),
    status             text        NOT NULL CHECK (status IN ('held', 'accepted')),
    holds              jsonb       NOT NULL DEFAULT '[]'::jsonb,
    over_budget_reason text,
    -- What the provider holds for the person after this return (set when it is accepted).
    balance_pence      bigint,
    source             text        NOT NULL CHECK (source IN ('json', 'csv')),
    source_row         integer,
    submitted_by       text        NOT NULL,
    submitted_by_role  text        NOT NULL,
    submitted_at       timestamptz NOT NULL DEFAULT now(),
    accepted_by        text,
    accepted_by_role   text,
    accepted_why       text,
    accepted_at        timestamptz,
    CONSTRAINT one_return_per_agreement_period UNIQUE (agreement_id, period_first),
    CONSTRAINT over_budget_needs_a_reason CHECK (spend_pence <= budget_pence OR over_budget_reason IS NOT NULL),
    CONSTRAINT accepted_says_by_whom CHECK ((status = 'accepted') = (accepted_by IS NOT NULL AND accepted_at IS NOT NULL)),
    CONSTRAINT only_accepted_has_a_balance CHECK (status = 'accepted' OR balance_pence IS NULL),
    -- A held return is accepted by someone other than who sent it.
    CONSTRAINT accepted_by_another CHECK (accepted_by IS NULL OR accepted_by <> submitted_by)
);
CREATE INDEX isf_returns_by_provider ON isf_returns (provider_id, period_first DESC);
CREATE INDEX isf_returns_by_person ON isf_returns (person_ref, period_first DESC);

CREATE TABLE isf_return_lines (
    return_id     text          NOT NULL REFERENCES isf_returns (return_id),
    line_number   integer       NOT NULL CHECK (line_number >= 1),
    support_type  text          NOT NULL CHECK (support_type <> ''),
    subcontractor text,
    hours         numeric(9, 2) NOT NULL CHECK (hours >= 0),
    spend_pence   bigint        NOT NULL CHECK (spend_pence >= 0),
    source_row    integer,
    PRIMARY KEY (return_id, line_number)
);

-- The surplus reclaimed after a return (at most one per return): the credit note raised for it.
CREATE TABLE isf_reclaims (
    return_id           text        PRIMARY KEY REFERENCES isf_returns (return_id),
    credit_note_id      text        NOT NULL UNIQUE REFERENCES invoices (invoice_id),
    corrects_invoice_id text        NOT NULL REFERENCES invoices (invoice_id),
    amount_pence        bigint      NOT NULL CHECK (amount_pence > 0),
    method              text        NOT NULL CHECK (method IN ('next_advance', 'credit_note')),
    balance_pence       bigint      NOT NULL,
    retained_pence      bigint      NOT NULL CHECK (retained_pence >= 0),
    reclaimed_at        timestamptz NOT NULL DEFAULT now()
);

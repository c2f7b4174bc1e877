-- What invoicing is told by agreements and delivery, kept as the latest full record of each.

-- The latest full agreement (every agreement event carries the whole agreement).
CREATE TABLE agreements_on_file (
    agreement_id  text        PRIMARY KEY,
    provider_id   text        NOT NULL,
    person_ref    text        NOT NULL,
    service_type  text        NOT NULL,
    basis         text        NOT NULL CHECK (basis IN ('actuals', 'plan')),
    cycle         text        NOT NULL CHECK (cycle IN ('weekly', 'four_weekly')),
    start_on      date        NOT NULL,
    end_on        date        CHECK (end_on IS NULL OR end_on >= start_on),
    -- [{version, effective_from, weekly_units, rate_pence}], [{suspended_from, resumed_on}]
    plan          jsonb       NOT NULL DEFAULT '[]'::jsonb,
    suspensions   jsonb       NOT NULL DEFAULT '[]'::jsonb,
    last_event_at timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX agreements_on_file_provider ON agreements_on_file (provider_id);
-- The scheduled-invoice run walks plan agreements only.
CREATE INDEX agreements_on_file_plans ON agreements_on_file (start_on) WHERE basis = 'plan';

CREATE TABLE providers_on_file (
    provider_id           text        PRIMARY KEY,
    self_billing_in_place boolean     NOT NULL DEFAULT false,
    bank_details_verified boolean     NOT NULL DEFAULT false,
    -- Self-billed lines: one per verified visit and carer (false) or one per day (true).
    lines_per_day         boolean     NOT NULL DEFAULT false,
    updated_at            timestamptz NOT NULL DEFAULT now()
);

-- Each agreement's weekly commitment, as last published; the safety bound reads it.
CREATE TABLE commitments (
    agreement_id text        PRIMARY KEY,
    person_ref   text        NOT NULL,
    weekly_pence bigint      NOT NULL CHECK (weekly_pence >= 0),
    as_of        date        NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- A week of an agreement whose actuals delivery confirmed for payment.
CREATE TABLE confirmed_weeks (
    agreement_id  text        NOT NULL,
    week_start    date        NOT NULL CHECK (extract(isodow FROM week_start) = 1),
    provider_id   text        NOT NULL,
    person_ref    text        NOT NULL,
    amount_pence  bigint      NOT NULL,
    confirmed_by  text        NOT NULL,
    event_id      uuid        NOT NULL,
    confirmed_at  timestamptz NOT NULL,
    PRIMARY KEY (agreement_id, week_start)
);
CREATE INDEX confirmed_weeks_provider ON confirmed_weeks (provider_id);

-- Every payable line of a confirmed week at its latest revision. One index only (the key):
-- a county's four weeks is ~700,000 rows COPYed in, and every lookup is by agreement and week.
CREATE TABLE confirmed_visits (
    agreement_id        text    NOT NULL,
    week_start          date    NOT NULL,
    visit_key           text    NOT NULL,
    carer_id            text    NOT NULL,
    visit_id            text    NOT NULL,
    local_date          date    NOT NULL,
    payable_minutes     integer NOT NULL CHECK (payable_minutes >= 0),
    rate_pence_per_hour integer NOT NULL CHECK (rate_pence_per_hour >= 0),
    amount_pence        bigint  NOT NULL CHECK (amount_pence >= 0),
    revision            integer NOT NULL CHECK (revision >= 0),
    PRIMARY KEY (agreement_id, week_start, visit_key, carer_id)
);

-- Corrections to weeks already confirmed, each applied once (the key makes a repeat a no-op).
CREATE TABLE actuals_adjustments (
    agreement_id       text        NOT NULL,
    week_start         date        NOT NULL,
    visit_key          text        NOT NULL,
    carer_id           text        NOT NULL,
    revision           integer     NOT NULL,
    amount_pence_delta bigint      NOT NULL,
    reported_in_week   date        NOT NULL,
    event_id           uuid        NOT NULL,
    recorded_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agreement_id, visit_key, carer_id, revision)
);

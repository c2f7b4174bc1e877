-- The provider register and its rate cards.
CREATE TABLE providers (
    provider_id            text        PRIMARY KEY,
    name                   text        NOT NULL,
    cqc_provider_id        text        NOT NULL UNIQUE CHECK (cqc_provider_id ~ '^1-[0-9]{9,11}$'),
    cqc_location_ids       text[]      NOT NULL DEFAULT '{}',
    service_types          text[]      NOT NULL,
    self_billing           boolean     NOT NULL,
    self_billing_agreed_on date,
    registered_by          text        NOT NULL,
    registered_at          timestamptz NOT NULL DEFAULT now(),
    CHECK (self_billing = (self_billing_agreed_on IS NOT NULL))
);
CREATE INDEX providers_by_service_type ON providers USING gin (service_types);

-- Bank details live in this table and nowhere else in Carepay's databases. Every change waits
-- for a second person: the checks below hold even if application code is wrong.
CREATE TABLE provider_bank_details (
    change_id      text        PRIMARY KEY,
    provider_id    text        NOT NULL REFERENCES providers,
    sort_code      text        NOT NULL CHECK (sort_code ~ '^[0-9]{6}$'),
    account_number text        NOT NULL CHECK (account_number ~ '^[0-9]{8}$'),
    account_name   text        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('unverified', 'verified', 'rejected', 'superseded')),
    changed_by     text        NOT NULL,
    changed_at     timestamptz NOT NULL DEFAULT now(),
    decided_by     text        CHECK (decided_by <> changed_by),
    decided_at     timestamptz
);
CREATE UNIQUE INDEX one_unverified_bank_change_per_provider ON provider_bank_details (provider_id)
    WHERE status = 'unverified';

CREATE TABLE rate_cards (
    rate_card_id   text        PRIMARY KEY,
    provider_id    text        NOT NULL REFERENCES providers,
    service_type   text        NOT NULL,
    unit           text        NOT NULL,
    effective_from date        NOT NULL,
    effective_to   date        CHECK (effective_to >= effective_from),
    rates          jsonb       NOT NULL,
    published_by   text        NOT NULL,
    published_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_cards_by_provider ON rate_cards (provider_id, service_type);

-- Who did what and why, for every change made here (never bank details).
CREATE TABLE audit_log (
    id         bigserial   PRIMARY KEY,
    subject_id text        NOT NULL,
    action     text        NOT NULL,
    actor_id   text        NOT NULL,
    actor_role text        NOT NULL,
    reason     text,
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_by_subject ON audit_log (subject_id, at);

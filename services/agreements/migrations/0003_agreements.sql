-- Agreements (care package lines), every version of their terms, and their suspensions.
CREATE TABLE agreements (
    agreement_id          text        PRIMARY KEY,
    origin                text        NOT NULL CHECK (origin IN ('approved_request', 'officer')),
    request_id            text,
    person_ref            text        NOT NULL,
    service_type          text        NOT NULL,
    status                text        NOT NULL CHECK (status IN ('draft', 'active', 'suspended', 'ended', 'cancelled')),
    provider_id           text        REFERENCES providers,
    preferred_provider_id text,
    payment_basis         text,
    cycle                 text,
    start_date            date,
    end_date              date        CHECK (end_date >= start_date),
    concurrent            boolean     NOT NULL DEFAULT false,
    end_reason            text,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
-- An approved request is drafted once, however often its approval is delivered.
CREATE UNIQUE INDEX one_draft_per_approved_request ON agreements (request_id) WHERE origin = 'approved_request';
CREATE INDEX agreements_by_person ON agreements (person_ref, service_type);
CREATE INDEX agreements_by_provider ON agreements (provider_id);

-- Version 1 is the draft's (then the activated) terms; each variation adds a version.
CREATE TABLE agreement_terms (
    agreement_id   text        NOT NULL REFERENCES agreements,
    version        integer     NOT NULL CHECK (version >= 1),
    effective_from date        NOT NULL,
    terms          jsonb       NOT NULL,
    made_by        text        NOT NULL,
    made_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agreement_id, version)
);

CREATE TABLE agreement_suspensions (
    agreement_id   text NOT NULL REFERENCES agreements,
    suspended_from date NOT NULL,
    resumed_on     date CHECK (resumed_on > suspended_from),
    reason         text NOT NULL,
    PRIMARY KEY (agreement_id, suspended_from)
);

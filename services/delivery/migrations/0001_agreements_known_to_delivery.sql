-- What delivery knows of agreements and providers, copied from agreements.events.
-- Every change takes the next value of change_seq, so each instance refreshes its in-process copy
-- with one cheap query (rows with changed_seq above the last one it saw) before each batch.
-- Writers take an advisory lock before nextval (see store_agreements.py), so sequence order is commit
-- order and a reader can never skip a change that commits late.
CREATE SEQUENCE change_seq;

CREATE TABLE providers (
    provider_id  text        PRIMARY KEY,
    -- The references a provider's feeds may name it by: its CQC provider ID and location IDs.
    refs         text[]      NOT NULL,
    occurred_at  timestamptz NOT NULL,
    changed_seq  bigint      NOT NULL
);
CREATE INDEX providers_changed ON providers (changed_seq);

CREATE TABLE agreements (
    agreement_id  text        PRIMARY KEY,
    person_ref    text        NOT NULL,
    provider_id   text        NOT NULL,
    -- The whole agreement as its latest event carried it (contracts.agreements.AgreementEvent fields).
    body          jsonb       NOT NULL,
    terms_version integer     NOT NULL,
    occurred_at   timestamptz NOT NULL,
    -- The earliest event delivery has of the agreement (its activation): visits planned before
    -- this instant are never raised as missed.
    known_since   timestamptz NOT NULL,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    changed_seq   bigint      NOT NULL
);
CREATE INDEX agreements_changed ON agreements (changed_seq);

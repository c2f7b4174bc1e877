-- Reporting keeps only the facts it needs to turn a replaced fact into a delta of its aggregates:
-- the latest revision of each visit and carer, each invoice's state, each query's state, and the
-- commitment history of each agreement. Figures are read from the aggregates (0002), never from here.

-- What an agreement is about, from whichever event named it first. service_type stays NULL until an
-- agreement (or commitment) event says it; facts counted before that are moved when it arrives.
CREATE TABLE agreement_dim (
    agreement_id text PRIMARY KEY,
    person_ref   text NOT NULL,
    provider_id  text NOT NULL DEFAULT '',
    service_type text
);

-- Provider organisations' names (not personal data), for statements.
CREATE TABLE provider_dim (
    provider_id text PRIMARY KEY,
    name        text NOT NULL
);

-- Social workers who acted on a person's requests: they may read that person's statement.
CREATE TABLE person_social_worker (
    person_ref text NOT NULL,
    subject    text NOT NULL,
    PRIMARY KEY (person_ref, subject)
);

-- One carer's attendance at one visit, at its latest revision (a correction replaces it).
CREATE TABLE visit_fact (
    visit_key    text    NOT NULL,
    carer_id     text    NOT NULL,
    revision     integer NOT NULL,
    agreement_id text    NOT NULL,
    local_date   date    NOT NULL,
    amount_pence bigint  NOT NULL,
    late         boolean NOT NULL,
    short        boolean NOT NULL,
    PRIMARY KEY (visit_key, carer_id)
);
CREATE INDEX visit_fact_agreement ON visit_fact (agreement_id);

CREATE TABLE missed_visit_fact (
    visit_key    text    PRIMARY KEY,
    agreement_id text    NOT NULL,
    local_date   date    NOT NULL,
    carers       integer NOT NULL
);
CREATE INDEX missed_visit_fact_agreement ON missed_visit_fact (agreement_id);

-- An invoice or credit note: what invoicing said about it, and what payments did with it.
CREATE TABLE invoice_fact (
    invoice_id   text PRIMARY KEY,
    state        jsonb NOT NULL,
    agreement_id text  -- the one agreement it covers, when only one (its service type may come later)
);
CREATE INDEX invoice_fact_agreement ON invoice_fact (agreement_id) WHERE agreement_id IS NOT NULL;

-- Commitments: each agreement's dates and the weekly forecast published for it over time.
CREATE TABLE commitment_window (
    agreement_id text PRIMARY KEY,
    start_on     date,
    end_on       date,
    suspensions  jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE TABLE commitment_rate (
    agreement_id text    NOT NULL,
    as_of        date    NOT NULL,
    weekly_pence bigint  NOT NULL,
    PRIMARY KEY (agreement_id, as_of)
);
-- The latest CommitmentChanged of each person, as agreements published it.
CREATE TABLE person_commitment (
    person_ref  text        PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    snapshot    jsonb       NOT NULL
);
-- Each personal budget agreed for a person, in force from the day it was agreed (latest wins).
CREATE TABLE budget_fact (
    person_ref                text        NOT NULL,
    agreed_at                 timestamptz NOT NULL,
    agreed_on                 date        NOT NULL,
    weekly_budget_pence       bigint      NOT NULL,
    weekly_contribution_pence bigint      NOT NULL,
    PRIMARY KEY (person_ref, agreed_at)
);

-- A query's state, for open-query and SLA figures (no free text ever reaches reporting).
CREATE TABLE query_fact (
    query_id text  PRIMARY KEY,
    state    jsonb NOT NULL
);

-- A direct payment to a person (or their nominee), reversed if the bank returns it.
CREATE TABLE direct_payment_fact (
    agreement_id      text    NOT NULL,
    payment_reference text    NOT NULL,
    person_ref        text    NOT NULL,
    amount_pence      bigint,  -- NULL when the return was heard of first
    period_start      date,
    returned          boolean NOT NULL DEFAULT false,
    PRIMARY KEY (agreement_id, payment_reference)
);

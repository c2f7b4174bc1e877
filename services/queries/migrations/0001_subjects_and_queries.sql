-- What queries knows of the things a query can be about, from the owning services' events: only
-- the owner facts that decide who may raise a query (never another service's tables).
CREATE TABLE subjects (
    kind          text        NOT NULL CHECK (kind IN ('visit', 'agreement', 'invoice', 'payment',
                                                       'direct_payment', 'period_actuals')),
    subject_id    text        NOT NULL,  -- visit_key, agreement_id, invoice_id, payment_reference, agreement/week
    provider_id   text,                  -- NULL for a direct payment
    person_refs   text[]      NOT NULL DEFAULT '{}',  -- an invoice may cover several people
    agreement_id  text,
    first_seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, subject_id)
);

-- Versions of agreements' terms, so an officer recording a vary_agreement effect names one that exists.
CREATE TABLE agreement_versions (
    agreement_id   text        NOT NULL,
    version        integer     NOT NULL,
    effective_from date        NOT NULL,
    seen_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agreement_id, version)
);

-- One row per query: the whole aggregate in `state` (services/queries/codec.py), and beside it the
-- columns lists filter on and the SLA job scans by. Rows are written only with their state.
CREATE TABLE queries (
    query_id           text        PRIMARY KEY,
    subject_kind       text        NOT NULL,
    subject_id         text        NOT NULL,
    category           text        NOT NULL,
    status             text        NOT NULL,
    raised_at          timestamptz NOT NULL,
    raised_by_role     text        NOT NULL,
    raised_by_user     text        NOT NULL,
    raised_by_provider text,
    raised_by_person   text,
    team               text,
    officer_id         text,
    -- The earliest SLA deadline not yet announced as breached (NULL: no clock can breach any more).
    next_breach_check  timestamptz,
    state              jsonb       NOT NULL,
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX queries_open_work ON queries (status, raised_at) WHERE status <> 'closed';
CREATE INDEX queries_by_provider ON queries (raised_by_provider, raised_at) WHERE raised_by_provider IS NOT NULL;
CREATE INDEX queries_by_person ON queries (raised_by_person, raised_at) WHERE raised_by_person IS NOT NULL;
CREATE INDEX queries_by_subject ON queries (subject_kind, subject_id);
CREATE INDEX queries_breach_due ON queries (next_breach_check) WHERE next_breach_check IS NOT NULL;

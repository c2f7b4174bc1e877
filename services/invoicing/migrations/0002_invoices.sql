-- Invoices, credit notes and supplementary invoices: every one received is stored, valid or not.

CREATE TABLE invoices (
    invoice_id          text        PRIMARY KEY,
    kind                text        NOT NULL CHECK (kind IN ('self_billed', 'scheduled', 'provider', 'credit_note',
                                                             'supplementary')),
    provider_id         text        NOT NULL,
    number              text        NOT NULL,
    -- A provider's invoice number, normalised, on the invoice that holds it; NULL on a duplicate
    -- (stored and held as such), so the same number is never on two payable invoices.
    number_claim        text,
    -- The one agreement of an invoice the council raises for an agreement and period.
    agreement_id        text,
    agreement_ids       text[]      NOT NULL,
    person_refs         text[]      NOT NULL,
    service_type        text,
    period_first        date        NOT NULL,
    period_last         date        NOT NULL,
    received_on         date        NOT NULL,
    provider_dated      date,
    status              text        NOT NULL CHECK (status IN ('draft', 'validating', 'held', 'approved',
                                                               'scheduled', 'paid', 'void')),
    total_pence         bigint      NOT NULL CHECK (total_pence >= 0),
    line_count          integer     NOT NULL CHECK (line_count >= 0),
    holds               jsonb       NOT NULL DEFAULT '[]'::jsonb,
    hold_codes          text[]      NOT NULL DEFAULT '{}',
    unreadable          jsonb       NOT NULL DEFAULT '[]'::jsonb,
    disputes            jsonb       NOT NULL DEFAULT '[]'::jsonb,
    resumes_as          text,
    due_on              date,
    approval_revision   integer     NOT NULL DEFAULT 0,
    corrects_invoice_id text        REFERENCES invoices (invoice_id),
    query_id            text,
    effect_id           text,
    payment_run_id      text,
    paid_on             date,
    source              text        NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT period_in_order CHECK (period_last >= period_first),
    CONSTRAINT approved_has_due_date CHECK (status NOT IN ('approved', 'scheduled') OR due_on IS NOT NULL),
    CONSTRAINT corrections_name_what_they_correct
        CHECK ((kind IN ('credit_note', 'supplementary')) = (corrects_invoice_id IS NOT NULL)),
    CONSTRAINT originals_name_their_agreement
        CHECK ((kind IN ('self_billed', 'scheduled')) = (agreement_id IS NOT NULL)),
    CONSTRAINT only_provider_invoices_claim_numbers CHECK (kind = 'provider' OR number_claim IS NULL)
);
-- Nothing paid twice: a provider's invoice number once per provider; the council's own numbers once;
-- one original self-billed or scheduled invoice per agreement and period (a void one keeps its
-- place: the period is corrected with a supplementary invoice, never raised again); one document
-- per query effect (a redelivered request raises nothing new).
CREATE UNIQUE INDEX provider_invoice_number_once ON invoices (provider_id, number_claim);
CREATE UNIQUE INDEX council_number_once ON invoices (number) WHERE kind <> 'provider';
CREATE UNIQUE INDEX original_once_per_agreement_period ON invoices (agreement_id, period_first, period_last, kind)
    WHERE kind IN ('self_billed', 'scheduled');
CREATE UNIQUE INDEX one_document_per_query_effect ON invoices (query_id, effect_id) WHERE effect_id IS NOT NULL;
CREATE INDEX invoices_by_provider ON invoices (provider_id, created_at DESC);
CREATE INDEX invoices_by_status ON invoices (status, created_at DESC);
CREATE INDEX invoices_by_agreement ON invoices USING gin (agreement_ids);
CREATE INDEX invoices_held_by_code ON invoices USING gin (hold_codes) WHERE status = 'held';
CREATE INDEX invoices_corrections ON invoices (corrects_invoice_id) WHERE corrects_invoice_id IS NOT NULL;

-- No foreign key to invoices: a county's self-billing COPYs ~700,000 lines, and a per-row key check
-- costs seconds; lines are only ever written with their invoice, in its transaction.
CREATE TABLE invoice_lines (
    invoice_id   text    NOT NULL,
    line_number  integer NOT NULL CHECK (line_number >= 1),
    agreement_id text    NOT NULL,
    person_ref   text    NOT NULL,
    first_day    date    NOT NULL,
    last_day     date    NOT NULL,
    amount_pence bigint  NOT NULL CHECK (amount_pence >= 0),
    visit_id     text,
    carer_id     text,
    minutes      integer,
    rate_pence   integer,
    units        numeric(10, 2),
    description  text    NOT NULL DEFAULT '',
    source_row   integer,
    PRIMARY KEY (invoice_id, line_number),
    CHECK (last_day >= first_day)
);

-- The days each invoice charges each of its agreements (one row per invoice and agreement):
-- what "already invoiced" is checked against, without reading every line.
CREATE TABLE invoiced_spans (
    invoice_id   text NOT NULL REFERENCES invoices (invoice_id),
    agreement_id text NOT NULL,
    first_day    date NOT NULL,
    last_day     date NOT NULL,
    PRIMARY KEY (invoice_id, agreement_id)
);
CREATE INDEX invoiced_spans_agreement ON invoiced_spans (agreement_id, first_day);

-- Every step of every invoice: who, in what role, and why.
CREATE TABLE invoice_history (
    id          bigserial   PRIMARY KEY,
    invoice_id  text        NOT NULL REFERENCES invoices (invoice_id),
    action      text        NOT NULL,
    from_status text,
    to_status   text        NOT NULL,
    actor_id    text        NOT NULL,
    actor_role  text        NOT NULL,
    reason      text        NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX invoice_history_invoice ON invoice_history (invoice_id, id);

-- Gapless numbers: one row per provider and series holding the last number issued, advanced in
-- the transaction that stores the invoices it numbers (a rollback takes the numbers back too).
CREATE TABLE invoice_number_sequence (
    provider_id text   NOT NULL,
    series      text   NOT NULL CHECK (series IN ('SB', 'SC', 'CN')),
    last_issued bigint NOT NULL DEFAULT 0 CHECK (last_issued >= 0),
    PRIMARY KEY (provider_id, series)
);

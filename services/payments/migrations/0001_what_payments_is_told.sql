-- Payments' own copies of what invoicing, agreements and queries publish: just enough to choose,
-- pay and report invoices and direct payments. Filled by the consumers in handlers_*.py.

-- Where each provider is paid. Bank details live here (and in agreements) and nowhere else;
-- a provider is paid only while its details are verified.
CREATE TABLE payees (
    provider_id    text        PRIMARY KEY,
    name           text,
    bank_status    text        NOT NULL DEFAULT 'none' CHECK (bank_status IN ('none', 'verified', 'held')),
    sort_code      text        CHECK (sort_code ~ '^[0-9]{6}$'),
    account_number text        CHECK (account_number ~ '^[0-9]{8}$'),
    account_name   text,
    change_id      text,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (bank_status <> 'verified' OR (sort_code IS NOT NULL AND account_number IS NOT NULL
                                         AND account_name IS NOT NULL))
);

-- Care agreements: the last payable day (nothing after it is paid) and the service type, for an
-- invoice that does not name its own.
CREATE TABLE agreements (
    agreement_id text        PRIMARY KEY,
    provider_id  text        NOT NULL,
    person_ref   text        NOT NULL,
    service_type text        NOT NULL,
    last_day     date,
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- Invoices (and supplementary invoices) as invoicing last described them; the latest approval
-- revision wins. `return_hold` is payments' own: set when a payment of the invoice came back;
-- `paid` too, once the bank confirms it (so the approved ones each run reads stay few).
CREATE TABLE invoices (
    invoice_id        text        PRIMARY KEY,
    provider_id       text        NOT NULL,
    state             text        NOT NULL CHECK (state IN ('received', 'approved', 'held', 'voided', 'paid')),
    revision          int         NOT NULL DEFAULT 0,
    number            text        NOT NULL DEFAULT '',
    kind              text,
    agreement_ids     text[]      NOT NULL DEFAULT '{}',
    person_refs       text[]      NOT NULL DEFAULT '{}',
    service_type      text,
    period_start      date,
    period_end        date,
    amount_pence      bigint      CHECK (amount_pence >= 0),
    received_on       date,
    valid_on          date,
    approved_on       date,
    due_date          date,
    last_payable_date date,
    return_hold       text,
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (state <> 'approved' OR (amount_pence IS NOT NULL AND due_date IS NOT NULL AND period_start IS NOT NULL
                                   AND period_end IS NOT NULL AND received_on IS NOT NULL AND valid_on IS NOT NULL))
);
CREATE INDEX invoices_approved ON invoices (due_date) WHERE state = 'approved';
CREATE INDEX invoices_by_provider ON invoices (provider_id);

-- Credit notes reduce what a provider is paid: against their invoice while it is unpaid, against
-- the provider's next payment once it is paid.
CREATE TABLE credit_notes (
    credit_note_id      text        PRIMARY KEY,
    provider_id         text        NOT NULL,
    corrects_invoice_id text        NOT NULL,
    number              text        NOT NULL,
    amount_pence        bigint      NOT NULL CHECK (amount_pence > 0),
    service_type        text,
    period_start        date        NOT NULL,
    period_end          date        NOT NULL,
    person_refs         text[]      NOT NULL DEFAULT '{}',
    voided              boolean     NOT NULL DEFAULT false,
    issued_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX credit_notes_by_invoice ON credit_notes (corrects_invoice_id);
CREATE INDEX credit_notes_by_provider ON credit_notes (provider_id) WHERE NOT voided;

-- An invoice is disputed while any query disputing it is open.
CREATE TABLE disputes (
    query_id   text        NOT NULL,
    invoice_id text        NOT NULL,
    open       boolean     NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (query_id, invoice_id)
);
CREATE INDEX disputes_open ON disputes (invoice_id) WHERE open;

-- Direct payments: paid four-weekly in advance, net of the contribution, to the payee account
-- (the nominee's) or, when the council is the nominee, into its managed account.
CREATE TABLE direct_payments (
    agreement_id                      text        PRIMARY KEY,
    person_ref                        text        NOT NULL,
    nominee                           text        NOT NULL,
    council_managed                   boolean     NOT NULL,
    sort_code                         text        NOT NULL CHECK (sort_code ~ '^[0-9]{6}$'),
    account_number                    text        NOT NULL CHECK (account_number ~ '^[0-9]{8}$'),
    account_name                      text        NOT NULL,
    start                             date        NOT NULL,
    last_day                          date,
    amount_per_four_weeks_pence       bigint      NOT NULL CHECK (amount_per_four_weeks_pence > 0),
    contribution_per_four_weeks_pence bigint      NOT NULL CHECK (contribution_per_four_weeks_pence >= 0),
    end_reason                        text,
    recovery_pence                    bigint      NOT NULL DEFAULT 0,
    recovery_detail                   text,
    return_hold                       text,  -- a payment came back: not paid again until the account changes
    updated_at                        timestamptz NOT NULL DEFAULT now(),
    CHECK (amount_per_four_weeks_pence > contribution_per_four_weeks_pence)
);

-- Corrections for days already paid in advance when a direct payment changes: added to the next
-- payment. `settled_by` is the approved run that carried it (or 'ending' when an ending absorbed it).
-- The change itself (from when, from and to which net amount) is kept so an ending can work out
-- how much of it was for days before the end.
CREATE TABLE direct_payment_adjustments (
    adjustment_id bigserial   PRIMARY KEY,
    agreement_id  text        NOT NULL REFERENCES direct_payments,
    amount_pence  bigint      NOT NULL CHECK (amount_pence <> 0),
    effective_from date       NOT NULL,
    from_net_pence bigint     NOT NULL,
    to_net_pence  bigint      NOT NULL,
    reason        text        NOT NULL,
    settled_by    text,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX direct_payment_adjustments_pending ON direct_payment_adjustments (agreement_id) WHERE settled_by IS NULL;

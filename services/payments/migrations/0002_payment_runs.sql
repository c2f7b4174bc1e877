-- Payment runs, their payments and remittance lines, what was left out and why, and the files.
-- The rules that must hold whatever the application code does are declared here (see 0003 for
-- the checks made when a run is approved).

CREATE SEQUENCE run_numbers MINVALUE 1 MAXVALUE 999999 CYCLE;

CREATE TABLE payment_runs (
    run_id         text        PRIMARY KEY,
    run_number     int         NOT NULL UNIQUE CHECK (run_number BETWEEN 1 AND 999999),
    kind           text        NOT NULL CHECK (kind IN ('weekly', 'four_weekly', 'ad_hoc')),
    pay_date       date        NOT NULL,
    processing_day date        NOT NULL CHECK (processing_day < pay_date),
    status         text        NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'approved')),
    proposed_by    text        NOT NULL,
    proposed_at    timestamptz NOT NULL,
    approved_by    text,
    approved_at    timestamptz,
    total_pence    bigint      NOT NULL CHECK (total_pence >= 0),
    payment_count  int         NOT NULL CHECK (payment_count >= 0),
    scope          jsonb       NOT NULL DEFAULT '{}',
    exported_at    timestamptz,
    -- targets of the composite foreign keys below: status travels to every payment (ON UPDATE
    -- CASCADE), and file totals must equal the run's total
    UNIQUE (run_id, status),
    UNIQUE (run_id, total_pence),
    CHECK ((status = 'approved') = (approved_by IS NOT NULL AND approved_at IS NOT NULL)),
    CHECK (approved_by <> proposed_by),  -- maker-checker: the proposer never approves
    CHECK (status = 'approved' OR exported_at IS NULL)
);
CREATE INDEX payment_runs_by_pay_date ON payment_runs (pay_date);

-- One Bacs credit per payee. Its bank details are the ones the file carries (a snapshot).
CREATE TABLE run_payments (
    run_id            text    NOT NULL,
    run_status        text    NOT NULL,
    payment_reference text    NOT NULL,
    seq               int     NOT NULL,
    payee_kind        text    NOT NULL CHECK (payee_kind IN ('provider', 'direct_payment')),
    payee_id          text    NOT NULL,
    payee_name        text    NOT NULL,
    sort_code         text    NOT NULL CHECK (sort_code ~ '^[0-9]{6}$'),
    account_number    text    NOT NULL CHECK (account_number ~ '^[0-9]{8}$'),
    account_name      text    NOT NULL,
    account_verified  boolean NOT NULL CHECK (account_verified),  -- never into unverified details
    council_managed   boolean NOT NULL DEFAULT false,
    amount_pence      bigint  NOT NULL CHECK (amount_pence > 0),   -- never a negative (or empty) payment
    outcome           text    NOT NULL DEFAULT 'instructed' CHECK (outcome IN ('instructed', 'paid', 'returned')),
    outcome_reason    text,
    outcome_on        date,
    PRIMARY KEY (run_id, payment_reference),
    UNIQUE (run_id, payment_reference, amount_pence),
    UNIQUE (run_id, seq),
    FOREIGN KEY (run_id, run_status) REFERENCES payment_runs (run_id, status) ON UPDATE CASCADE ON DELETE CASCADE
);
CREATE INDEX run_payments_by_payee ON run_payments (payee_id);

-- What each payment covers. `line_id` is the document paid: an invoice, a credit note, one
-- direct-payment period ('<agreement>/<first day>'), or an adjustment. No per-row foreign keys:
-- a run's 50,000 lines are COPYed in one statement, and statement-level checks (0003) refuse
-- lines of a run that is not a proposed run or of a payment the run does not have.
CREATE TABLE run_lines (
    run_id            text    NOT NULL,
    payment_reference text    NOT NULL,
    seq               int     NOT NULL,
    line_id           text    NOT NULL,
    kind              text    NOT NULL CHECK (kind IN ('invoice', 'credit_note', 'direct_payment', 'adjustment')),
    settles           text    NOT NULL,
    description       text    NOT NULL,
    person_ref        text    NOT NULL,
    service_type      text    NOT NULL,
    cost_centre       text    NOT NULL,
    period_start      date    NOT NULL,
    period_end        date    NOT NULL CHECK (period_end >= period_start),
    amount_pence      bigint  NOT NULL,
    agreement_end     date,
    adjustment_ids    bigint[],
    PRIMARY KEY (run_id, line_id),
    CHECK (agreement_end IS NULL OR period_end <= agreement_end),  -- nothing after an agreement's end
    CHECK (kind <> 'invoice' OR amount_pence >= 0),
    CHECK (kind <> 'credit_note' OR amount_pence < 0),
    CHECK (kind <> 'direct_payment' OR amount_pence > 0)
);

-- What approved runs pay, one row per document: written by the database itself when a run is
-- approved (0003), whoever approves it and however. A returned payment's rows are marked
-- returned, which frees their documents to be paid again.
-- Only the approval trigger writes here, 50,000 rows at a time: no per-row foreign key, and no
-- index beyond the two it is read by.
CREATE TABLE settlements (
    document_id       text    NOT NULL,
    kind              text    NOT NULL,
    settles           text    NOT NULL,
    run_id            text    NOT NULL,
    payment_reference text    NOT NULL,
    returned          boolean NOT NULL DEFAULT false
);
-- THE invariant: an invoice (credit note, direct-payment period) is in at most one approved run
-- whose payment was not returned.
CREATE UNIQUE INDEX one_approved_run_per_document ON settlements (document_id) WHERE NOT returned;
CREATE INDEX settlements_direct_payment_periods ON settlements (settles) WHERE kind = 'direct_payment' AND NOT returned;

-- Everything the run did not pay, with the reason shown to finance.
CREATE TABLE run_exclusions (
    run_id       text   NOT NULL REFERENCES payment_runs ON DELETE CASCADE,
    seq          int    NOT NULL,
    subject      text   NOT NULL,
    payee_id     text   NOT NULL,
    reason       text   NOT NULL,
    detail       text   NOT NULL,
    amount_pence bigint NOT NULL,
    settles      text[] NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- Who changed a proposed run at review, and why.
CREATE TABLE run_reviews (
    run_id            text        NOT NULL REFERENCES payment_runs ON DELETE CASCADE,
    seq               int         NOT NULL,
    line_id           text        NOT NULL,
    payment_reference text        NOT NULL,
    amount_pence      bigint      NOT NULL,
    reason            text        NOT NULL,
    reviewed_by       text        NOT NULL,
    reviewed_at       timestamptz NOT NULL,
    PRIMARY KEY (run_id, seq)
);

-- The exported files, stored once: a second export compares against them byte for byte. Files
-- exist only for approved runs, and each control total read back from a file must equal the
-- run's total (Bacs, pain.001, journal) or its payment's amount (remittance advice).
CREATE TABLE run_files (
    run_id              text        NOT NULL,
    run_status          text        NOT NULL DEFAULT 'approved' CHECK (run_status = 'approved'),
    name                text        NOT NULL,
    kind                text        NOT NULL CHECK (kind IN ('bacs', 'pain001', 'journal', 'remittance_csv',
                                                             'remittance_html')),
    payee_id            text,
    media_type          text        NOT NULL,
    content             bytea       NOT NULL,
    size_bytes          int         NOT NULL,  -- kept apart: a listing never reads the contents
    sha256              text        NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    control_total_pence bigint      NOT NULL,
    run_total_pence     bigint,
    payment_reference   text,
    payment_total_pence bigint,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (run_id, name),
    FOREIGN KEY (run_id, run_status) REFERENCES payment_runs (run_id, status),
    FOREIGN KEY (run_id, run_total_pence) REFERENCES payment_runs (run_id, total_pence),
    FOREIGN KEY (run_id, payment_reference, payment_total_pence)
        REFERENCES run_payments (run_id, payment_reference, amount_pence),
    CHECK (CASE WHEN kind IN ('bacs', 'pain001', 'journal')
                THEN run_total_pence IS NOT NULL AND control_total_pence = run_total_pence
                ELSE payment_total_pence IS NOT NULL AND control_total_pence = payment_total_pence END)
);

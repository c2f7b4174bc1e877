-- Personal assistants (PAs) employed by a direct payment's holder, or by the council as its nominee.
-- The name is kept here only: never in an event or a log line.
CREATE TABLE personal_assistants (
    pa_id             text        PRIMARY KEY CHECK (pa_id ~ '^PA-[0-9A-F]{12}$'),
    direct_payment_id text        NOT NULL REFERENCES direct_payments (agreement_id),
    person_ref        text        NOT NULL,
    name              text        NOT NULL,
    employee_ref      text        NOT NULL,
    employed_from     date        NOT NULL,
    employed_to       date        CHECK (employed_to >= employed_from),
    rates             jsonb       NOT NULL CHECK (jsonb_typeof(rates) = 'array' AND jsonb_array_length(rates) > 0),
    registered_by     text        NOT NULL,
    registered_at     timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    -- The employer's payroll reference is one PA's within the direct payment.
    UNIQUE (direct_payment_id, employee_ref)
);
CREATE INDEX personal_assistants_by_person ON personal_assistants (person_ref);

-- A PA's bank details, as a provider's: every change waits for a second person (the checks hold even if
-- application code is wrong), and they leave only for payments, on agreements.payee-accounts.
CREATE TABLE personal_assistant_bank_details (
    change_id      text        PRIMARY KEY,
    pa_id          text        NOT NULL REFERENCES personal_assistants,
    sort_code      text        NOT NULL CHECK (sort_code ~ '^[0-9]{6}$'),
    account_number text        NOT NULL CHECK (account_number ~ '^[0-9]{8}$'),
    account_name   text        NOT NULL,
    status         text        NOT NULL CHECK (status IN ('unverified', 'verified', 'rejected', 'superseded')),
    changed_by     text        NOT NULL,
    changed_at     timestamptz NOT NULL DEFAULT now(),
    decided_by     text        CHECK (decided_by <> changed_by),
    decided_at     timestamptz
);
CREATE UNIQUE INDEX one_unverified_bank_change_per_pa ON personal_assistant_bank_details (pa_id)
    WHERE status = 'unverified';

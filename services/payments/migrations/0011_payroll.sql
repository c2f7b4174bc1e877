-- Personal assistants (PAs) employed under a direct payment: their timesheets, the payroll's net pay, and
-- what a payment run may pay them. A PA's bank details are in `payees` under their pa_id (entered and
-- verified by two people on agreements.payee-accounts, as a provider's); nothing here holds a name or an account.

-- As agreements last described each PA (PersonalAssistantRegistered; the latest wins: `as_of` is the
-- event's time). `rates` is [{time_band, day_category, hourly_pence}].
CREATE TABLE personal_assistants (
    pa_id             text        PRIMARY KEY,
    direct_payment_id text        NOT NULL,
    person_ref        text        NOT NULL,
    employee_ref      text        NOT NULL,
    employed_from     date        NOT NULL,
    employed_to       date,
    rates             jsonb       NOT NULL,
    as_of             timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX personal_assistants_by_direct_payment ON personal_assistants (direct_payment_id);

-- A timesheet is submitted, then approved or rejected (with a reason) once. A PA never decides one, and an
-- officer never approves one they submitted.
CREATE TABLE timesheets (
    timesheet_id      text        PRIMARY KEY,
    pa_id             text        NOT NULL REFERENCES personal_assistants,
    direct_payment_id text        NOT NULL,
    source            text        NOT NULL CHECK (source IN ('json', 'csv')),
    status            text        NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'approved', 'rejected')),
    submitted_by      text        NOT NULL,
    submitted_by_role text        NOT NULL,
    submitted_at      timestamptz NOT NULL,
    decided_by        text,
    decided_by_role   text,
    decided_at        timestamptz,
    reason            text,
    CHECK ((status = 'submitted') = (decided_by IS NULL AND decided_at IS NULL)),
    CHECK (status <> 'rejected' OR btrim(coalesce(reason, '')) <> ''),
    CONSTRAINT never_decided_by_a_pa CHECK (decided_by_role IS DISTINCT FROM 'personal_assistant'),
    CONSTRAINT an_officer_does_not_approve_their_own CHECK (
        status <> 'approved' OR submitted_by_role NOT IN ('finance_officer', 'brokerage_officer')
        OR decided_by <> submitted_by)
);
CREATE INDEX timesheets_by_pa ON timesheets (pa_id, submitted_at);

-- Each shift as claimed (London times; `ends_at` the next day for an overnight shift) and as priced when
-- submitted: `bands` is [{band, day_category, hourly_pence, minutes, pence}], `gross_pence` their sum.
CREATE TABLE timesheet_shifts (
    timesheet_id text        NOT NULL REFERENCES timesheets,
    seq          int         NOT NULL,
    pa_id        text        NOT NULL,
    work_date    date        NOT NULL,
    start_time   time        NOT NULL,
    end_time     time        NOT NULL,
    starts_at    timestamptz NOT NULL,
    ends_at      timestamptz NOT NULL,
    note         text        NOT NULL DEFAULT '',
    minutes      int         NOT NULL CHECK (minutes > 0),
    gross_pence  bigint      NOT NULL CHECK (gross_pence >= 0),
    bands        jsonb       NOT NULL,
    PRIMARY KEY (timesheet_id, seq),
    CHECK (ends_at > starts_at AND ends_at - starts_at <= interval '16 hours')
);
CREATE INDEX timesheet_shifts_by_pa ON timesheet_shifts (pa_id, work_date);

-- The bureau's net pay for a direct payment's week, as uploaded: pending a second person above the
-- threshold, then recorded (or rejected). Never approved by who uploaded it.
CREATE TABLE net_pay_uploads (
    upload_id         text        PRIMARY KEY,
    direct_payment_id text        NOT NULL,
    week_start        date        NOT NULL CHECK (extract(isodow FROM week_start) = 1),
    total_pence       bigint      NOT NULL CHECK (total_pence > 0),
    status            text        NOT NULL CHECK (status IN ('pending', 'recorded', 'rejected')),
    uploaded_by       text        NOT NULL,
    uploaded_by_role  text        NOT NULL,
    uploaded_at       timestamptz NOT NULL,
    decided_by        text,
    decided_at        timestamptz,
    reason            text,
    CONSTRAINT approved_by_a_second_person CHECK (status <> 'recorded' OR decided_by IS NULL
                                                  OR decided_by <> uploaded_by)
);

-- One PA's net pay for one week: `line_id` (PAY/<pa_id>/<week_start>) is the document a run pays, at most
-- once (settlements). One live (pending or recorded) net pay per PA and week.
CREATE TABLE net_pay (
    upload_id         text    NOT NULL REFERENCES net_pay_uploads,
    pa_id             text    NOT NULL,
    week_start        date    NOT NULL,
    line_id           text    NOT NULL,
    direct_payment_id text    NOT NULL,
    employee_ref      text    NOT NULL,
    row_number        int     NOT NULL,
    gross_pence       bigint  NOT NULL,
    net_pence         bigint  NOT NULL CHECK (net_pence > 0 AND net_pence <= gross_pence),
    status            text    NOT NULL CHECK (status IN ('pending', 'recorded', 'rejected')),
    PRIMARY KEY (upload_id, pa_id)
);
CREATE UNIQUE INDEX one_net_pay_per_pa_and_week ON net_pay (pa_id, week_start) WHERE status <> 'rejected';
CREATE INDEX net_pay_recorded ON net_pay (line_id) WHERE status = 'recorded';

-- When a run is approved: a PA is paid only into the account verified for them, and a payroll line pays
-- exactly the net pay recorded for it. (Alongside 0003's check_run_payable, which checks providers.)
CREATE FUNCTION check_payroll_payable() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT SET jit = off AS $$
DECLARE
    found text;
BEGIN
    SELECT string_agg(payee_id, ', ') INTO found FROM (
        SELECT p.payee_id FROM run_payments p LEFT JOIN payees y ON y.provider_id = p.payee_id
        WHERE p.run_id = NEW.run_id AND p.payee_kind = 'personal_assistant'
          AND (y.bank_status IS DISTINCT FROM 'verified' OR y.sort_code <> p.sort_code
               OR y.account_number <> p.account_number) LIMIT 5) x;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('run %s: bank details of personal assistant(s) %s are not verified, or changed since '
                              'the run was proposed: exclude their net pay or propose a new run', NEW.run_id, found));
    END IF;
    SELECT string_agg(line_id, ', ') INTO found FROM (
        SELECT l.line_id FROM run_lines l LEFT JOIN net_pay n ON n.line_id = l.line_id AND n.status = 'recorded'
        WHERE l.run_id = NEW.run_id AND l.kind = 'payroll'
          AND (n.line_id IS NULL OR n.net_pence <> l.amount_pence) LIMIT 5) x;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('run %s: payroll line(s) %s are not the net pay recorded for them', NEW.run_id, found));
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER payment_runs_payroll_checked BEFORE UPDATE ON payment_runs
    FOR EACH ROW WHEN (OLD.status = 'proposed' AND NEW.status = 'approved')
    EXECUTE FUNCTION check_payroll_payable();

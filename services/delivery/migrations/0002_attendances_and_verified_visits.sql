-- Feed intakes: one HTTP batch or one uploaded file. A file reference is accepted once per provider.
CREATE TABLE intakes (
    intake_id      text        PRIMARY KEY,
    provider_id    text        NOT NULL,
    source         text        NOT NULL CHECK (source IN ('http', 'csv', 'xml')),
    file_reference text,
    status         text        NOT NULL DEFAULT 'receiving' CHECK (status IN ('receiving', 'complete')),
    -- Rows up to here are committed: an interrupted file resumes after them when sent again.
    rows_done      integer     NOT NULL DEFAULT 0,
    received       integer     NOT NULL DEFAULT 0,
    verified       integer     NOT NULL DEFAULT 0,
    unallocated    integer     NOT NULL DEFAULT 0,
    rejected       integer     NOT NULL DEFAULT 0,
    file_error     text,
    sent_by        text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX intakes_file_reference ON intakes (provider_id, file_reference) WHERE file_reference IS NOT NULL;

-- Every record received, from every feed, and where it ended: verified, unallocated or rejected.
CREATE TABLE attendances (
    record_id         text        PRIMARY KEY,  -- 'ecm.visits:3:1200' or '<intake_id>.<row>'
    intake_id         text        NOT NULL,
    source            text        NOT NULL CHECK (source IN ('kafka', 'http', 'csv', 'xml')),
    location          text        NOT NULL,     -- 'ecm.visits/3@1200', 'row 17', 'record 4', 'carer record 2'
    received_at       timestamptz NOT NULL DEFAULT now(),
    provider_id       text,                     -- NULL when the provider could not be told
    provider_ref      text,
    service_user_ref  text,
    visit_id          text,
    carer_id          text,
    planned_start     timestamptz,
    planned_end       timestamptz,
    check_in          timestamptz,
    check_out         timestamptz,
    check_in_method   text,
    exception_code    text,
    agreement_ref     text,
    raw               jsonb,                    -- rejected records only: what was received
    outcome           text        NOT NULL CHECK (outcome IN ('verified', 'unallocated', 'rejected')),
    visit_key         text,                     -- verified: the planned visit it was matched to
    reason            text,                     -- rejected / unallocated: machine-readable reason
    field             text,
    message           text,
    -- Unallocated records stay open until an officer allocates or rejects them, or a later record
    -- for the same visit and carer supersedes them.
    resolution        text CHECK (resolution IN ('allocated', 'rejected', 'superseded')),
    resolved_at       timestamptz,
    resolved_by       text,
    resolution_reason text
);
CREATE INDEX attendances_rejected ON attendances (received_at, record_id) WHERE outcome = 'rejected';
CREATE INDEX attendances_rejected_by_intake ON attendances (intake_id) WHERE outcome = 'rejected';
CREATE INDEX attendances_unallocated ON attendances (received_at, record_id) WHERE outcome = 'unallocated';
CREATE INDEX attendances_open_unallocated_by_attendance ON attendances (provider_id, visit_id, carer_id)
    WHERE outcome = 'unallocated' AND resolution IS NULL;

-- One row per planned visit and carer: the latest verification (revision) and the record behind it,
-- so a later record for the visit re-verifies it without reading the feed again.
CREATE TABLE verified_visits (
    visit_key            text        NOT NULL,
    carer_id             text        NOT NULL,
    agreement_id         text        NOT NULL,
    person_ref           text        NOT NULL,
    provider_id          text        NOT NULL,
    visit_id             text        NOT NULL,
    local_date           date        NOT NULL,
    week_start           date        NOT NULL,
    planned_start        timestamptz NOT NULL,
    planned_minutes      integer     NOT NULL,
    carers_required      integer     NOT NULL,
    actual_minutes       integer,
    payable_minutes      integer     NOT NULL,
    rate_pence_per_hour  integer     NOT NULL,
    amount_pence         integer     NOT NULL,
    flags                jsonb       NOT NULL,
    revision             integer     NOT NULL,
    -- True when the carer's record was corrected onto another visit (or now matches none): paid 0.
    withdrawn            boolean     NOT NULL,
    record_id            text        NOT NULL,
    provider_ref         text        NOT NULL,
    service_user_ref     text        NOT NULL,
    record_planned_start timestamptz NOT NULL,
    record_planned_end   timestamptz NOT NULL,
    check_in             timestamptz,
    check_out            timestamptz,
    check_in_method      text        NOT NULL,
    exception_code       text,
    agreement_ref        text,
    updated_at           timestamptz NOT NULL,
    PRIMARY KEY (visit_key, carer_id)
);
CREATE INDEX verified_visits_by_attendance ON verified_visits (provider_id, visit_id, carer_id);
CREATE INDEX verified_visits_by_period ON verified_visits (agreement_id, week_start);

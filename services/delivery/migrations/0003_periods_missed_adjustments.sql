-- One row per agreement and Monday-Sunday week with verified visits (or confirmed empty).
-- Ingest locks the rows of the weeks a batch touches and confirmation locks its row, so a visit
-- is either in the confirmed lines or in a later week's adjustments, never in neither.
CREATE TABLE periods (
    agreement_id      text        NOT NULL,
    week_start        date        NOT NULL,
    person_ref        text        NOT NULL,
    provider_id       text        NOT NULL,
    last_changed_at   timestamptz NOT NULL DEFAULT now(),
    confirmed_at      timestamptz,
    confirmed_by      text CHECK (confirmed_by IN ('provider', 'auto', 'officer')),
    confirmed_actor   text,
    payable_minutes   integer,
    amount_pence      integer,
    adjustments_pence integer,
    PRIMARY KEY (agreement_id, week_start)
);
CREATE INDEX periods_unconfirmed ON periods (week_start) WHERE confirmed_at IS NULL;

-- A change to a week already confirmed: paid (or recovered) with the agreement's next confirmed week.
CREATE TABLE adjustments (
    id                 bigserial   PRIMARY KEY,
    agreement_id       text        NOT NULL,
    visit_key          text        NOT NULL,
    carer_id           text        NOT NULL,
    week_start         date        NOT NULL,
    amount_pence_delta integer     NOT NULL,
    revision           integer     NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now(),
    applied_week       date,
    applied_at         timestamptz
);
CREATE INDEX adjustments_pending ON adjustments (agreement_id) WHERE applied_week IS NULL;
CREATE INDEX adjustments_applied ON adjustments (agreement_id, applied_week) WHERE applied_week IS NOT NULL;

-- Planned visits with no attendance by their cut-off: raised once (safeguarding alert), never paid.
CREATE TABLE missed_visits (
    visit_key       text        PRIMARY KEY,
    agreement_id    text        NOT NULL,
    local_date      date        NOT NULL,
    planned_start   timestamptz NOT NULL,
    planned_minutes integer     NOT NULL,
    carers_required integer     NOT NULL,
    raised_at       timestamptz NOT NULL DEFAULT now()
);

-- How far each periodic job has looked (one instance at a time, under an advisory lock).
CREATE TABLE job_marks (
    job          text        PRIMARY KEY,
    done_through timestamptz NOT NULL
);

-- Pre-aggregated figures, updated by deltas in each consumer batch. Every API query reads these
-- rows by their leading key columns; none scans the facts.

-- Spend by period in three grains: 'provider' (group_key ''), 'person' (person_ref; '' when an
-- invoice covers several people) and 'cost_centre'. service_type and provider_id are kept in every
-- grain so each view can be filtered by them. Money in pence.
CREATE TABLE spend (
    grain          text   NOT NULL,
    period_kind    text   NOT NULL,
    period_start   date   NOT NULL,
    group_key      text   NOT NULL,
    service_type   text   NOT NULL,
    provider_id    text   NOT NULL,
    delivered_pence bigint NOT NULL DEFAULT 0,
    invoiced_pence  bigint NOT NULL DEFAULT 0,
    paid_pence      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, period_kind, period_start, group_key, service_type, provider_id)
);
-- Spend by person is paged by person: this index answers one page of people over a range.
CREATE INDEX spend_by_group ON spend (grain, period_kind, group_key, period_start);

-- Every person with any figure (and the services and providers behind them): pages of people.
CREATE TABLE person_dir (
    person_ref   text NOT NULL,
    service_type text NOT NULL,
    provider_id  text NOT NULL,
    PRIMARY KEY (person_ref, service_type, provider_id)
);
CREATE INDEX person_dir_provider ON person_dir (provider_id, person_ref);

-- Commitments and budgets are weekly rates in force from a day on: each row is the change of the
-- weekly rate on `day`. The figure of a period is the rate integrated over its days / 7, so an
-- open-ended agreement counts in every future period without rows for each of them.
-- grain: 'provider' (group ''), 'person' (person_ref), 'budget' (person_ref, service '' provider '').
CREATE TABLE commitment_step (
    grain              text   NOT NULL,
    group_key          text   NOT NULL,
    service_type       text   NOT NULL,
    provider_id        text   NOT NULL,
    day                date   NOT NULL,
    weekly_delta_pence bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, group_key, service_type, provider_id, day)
);
CREATE INDEX commitment_step_day ON commitment_step (grain, day);

-- Visit quality by provider and period: carer attendances, and how many were late, short or missed.
CREATE TABLE visit_quality (
    period_kind  text   NOT NULL,
    period_start date   NOT NULL,
    provider_id  text   NOT NULL,
    attendances  bigint NOT NULL DEFAULT 0,
    late         bigint NOT NULL DEFAULT 0,
    short        bigint NOT NULL DEFAULT 0,
    missed       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (period_kind, period_start, provider_id)
);

-- Prompt payment by provider and the month an invoice was paid (day 1 = the day after receipt).
CREATE TABLE prompt_payment (
    month              date   NOT NULL,
    provider_id        text   NOT NULL,
    invoices_paid      bigint NOT NULL DEFAULT 0,
    value_paid_pence   bigint NOT NULL DEFAULT 0,
    days_to_pay_total  bigint NOT NULL DEFAULT 0,
    within_30_days     bigint NOT NULL DEFAULT 0,
    within_30_of_valid bigint NOT NULL DEFAULT 0,
    days_31_to_60      bigint NOT NULL DEFAULT 0,
    over_60_days       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (month, provider_id)
);

-- Approved invoices not yet paid, by provider and due date (overdue is due_date < today).
CREATE TABLE unpaid_invoices (
    provider_id text   NOT NULL,
    due_date    date   NOT NULL,
    invoices    bigint NOT NULL DEFAULT 0,
    value_pence bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (provider_id, due_date)
);

-- Open queries by category, lifecycle state, breach and the London day of their next deadline.
CREATE TABLE open_queries (
    category     text   NOT NULL,
    state        text   NOT NULL,
    sla_breached text   NOT NULL,
    next_due_on  date   NOT NULL,
    queries      bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (category, state, sla_breached, next_due_on)
);

-- SLA breaches by the month the deadline passed, category and which SLA.
CREATE TABLE query_breaches (
    month    date   NOT NULL,
    category text   NOT NULL,
    sla      text   NOT NULL,
    breaches bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (month, category, sla)
);

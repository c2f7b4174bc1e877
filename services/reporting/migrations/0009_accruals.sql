-- Month-end accruals (issue 17): which agreement-weeks delivery has confirmed, so that care delivered
-- and confirmed but not yet invoiced can be told from care not yet confirmed.

-- One row per confirmed agreement-week (PeriodActualsConfirmed; a week is confirmed once, a replay
-- changes nothing). confirmed_on: the London date of the first confirmation read.
CREATE TABLE confirmed_week (
    agreement_id text NOT NULL,
    week_start   date NOT NULL,
    confirmed_on date NOT NULL,
    PRIMARY KEY (agreement_id, week_start)
);

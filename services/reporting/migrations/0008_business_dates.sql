-- Figures on business dates (issue 17): budgets from their own effective day, committed from each
-- agreement's rates by business date, missed visits from confirmed weeks, and cost centres.

-- A budget applies from its effective day (BudgetAgreed.effective_from, BudgetReassessed.effective_from);
-- NULL: from the day it was agreed (agreed_on), as for budgets agreed before this.
ALTER TABLE budget_fact ADD COLUMN effective_from date;

-- The council cost centre an agreement's spend is charged to (AgreementEvent.cost_centre); NULL until
-- an event says it (its facts then count under 'unassigned' and move when it arrives).
ALTER TABLE agreement_dim ADD COLUMN cost_centre text;

-- A missed visit is kept once per visit_key, whether a live alert (VisitMissed) or a confirmed week
-- (PeriodActualsConfirmed.planned, outcome missed) said it, or both.
ALTER TABLE missed_visit_fact ADD COLUMN alerted boolean NOT NULL DEFAULT true;
ALTER TABLE missed_visit_fact ADD COLUMN confirmed boolean NOT NULL DEFAULT false;

-- Committed by cost centre: a grain of its own in commitment_step (group_key = the cost centre). Every
-- commitment before this was unassigned, so the provider grain's steps are that grain's, as they stand.
INSERT INTO commitment_step (grain, group_key, service_type, provider_id, mechanism, day, weekly_delta_pence)
SELECT 'cost_centre', 'unassigned', service_type, provider_id, mechanism, day, weekly_delta_pence
FROM commitment_step WHERE grain = 'provider'
ON CONFLICT DO NOTHING;

-- Lists answered a page at a time (issue 18): each walks an index in its own order, strictly after the last
-- row of the page before (shared/pagination.py), so a late page costs what the first does.

-- GET /two-person-decisions: oldest first, by (recorded_at, decision_id).
CREATE INDEX two_person_decisions_by_recorded ON two_person_decisions (recorded_at, decision_id);

-- GET /personal-assistants/{pa_id}/timesheets: newest first, by (submitted_at, timesheet_id), backwards.
CREATE INDEX timesheets_by_pa_submitted ON timesheets (pa_id, submitted_at, timesheet_id);
DROP INDEX timesheets_by_pa;

-- GET /direct-payments/{agreement_id}/reclaims: oldest first, by (raised_at, reclaim_id).
CREATE INDEX direct_payment_reclaims_by_agreement_raised
    ON direct_payment_reclaims (agreement_id, raised_at, reclaim_id);
DROP INDEX direct_payment_reclaims_by_agreement;

-- GET /debts: in the order they became debts, by (approved_at, reclaim_id).
CREATE INDEX direct_payment_reclaims_debts_by_approval ON direct_payment_reclaims (approved_at, reclaim_id)
    WHERE method = 'debt' AND status = 'approved';
DROP INDEX direct_payment_reclaims_debts;

-- A payment the bank returned, and the release of the hold a return leaves, each need two people:
-- the finance user who records it (pending: nothing moves) and a different finance approver who
-- confirms it (then the payment is returned, or the hold lifted). Who did each, when and why is kept
-- here as identifiers (user ids), never names. The database refuses the same person confirming what
-- they recorded, however the statement reaches it.
CREATE TABLE two_person_decisions (
    decision_id       text        PRIMARY KEY,
    kind              text        NOT NULL CHECK (kind IN ('payment_return', 'hold_release')),
    subject_kind      text        NOT NULL CHECK (subject_kind IN ('payment', 'invoice', 'direct_payment')),
    subject_id        text        NOT NULL,  -- payment_reference, invoice_id or agreement_id
    run_id            text,                  -- a return's run
    reason            text        NOT NULL CHECK (btrim(reason) <> ''),
    reported_on       date,                  -- a return: the day the bank's report was recorded
    status            text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved')),
    recorded_by       text        NOT NULL,
    recorded_by_role  text        NOT NULL,
    recorded_at       timestamptz NOT NULL DEFAULT now(),
    approved_by       text,
    approved_by_role  text,
    approved_at       timestamptz,
    CHECK ((kind = 'payment_return') = (subject_kind = 'payment' AND run_id IS NOT NULL AND reported_on IS NOT NULL)),
    CHECK ((status = 'approved') = (approved_by IS NOT NULL AND approved_at IS NOT NULL)),
    CONSTRAINT decided_by_a_second_person CHECK (approved_by IS NULL OR approved_by <> recorded_by)
);
-- One pending decision at a time for the same payment or hold.
CREATE UNIQUE INDEX one_pending_decision ON two_person_decisions (kind, subject_kind, subject_id, coalesce(run_id, ''))
    WHERE status = 'pending';

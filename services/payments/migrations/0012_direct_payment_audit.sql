-- Direct payments that change, are audited and are reclaimed (issue 15, parts 3 and 4).

-- How often a direct payment is paid, and the version of its terms payments holds (1: as agreed; each
-- DirectPaymentVaried adds one; an older one arriving late changes nothing).
ALTER TABLE direct_payments ADD COLUMN cycle text NOT NULL DEFAULT 'four_weekly'
    CHECK (cycle IN ('weekly', 'four_weekly'));
ALTER TABLE direct_payments ADD COLUMN terms_version integer NOT NULL DEFAULT 1 CHECK (terms_version >= 1);

-- A varied direct payment's terms from each date (none until it is first varied): the net amount per four
-- weeks and the cycle, whose periods are counted from `anchor`.
CREATE TABLE direct_payment_terms (
    agreement_id             text   NOT NULL REFERENCES direct_payments,
    effective_from           date   NOT NULL,
    net_per_four_weeks_pence bigint NOT NULL CHECK (net_per_four_weeks_pence > 0),
    cycle                    text   NOT NULL CHECK (cycle IN ('weekly', 'four_weekly')),
    anchor                   date   NOT NULL CHECK (anchor <= effective_from),
    PRIMARY KEY (agreement_id, effective_from)
);

-- A variation's correction covers one stretch of the old terms: to `effective_until` (NULL: open-ended).
ALTER TABLE direct_payment_adjustments ADD COLUMN effective_until date;

-- Periodic returns of a direct payment held by the person or a third party: reconciled when received
-- (opening + in - out = closing), audited by one finance user and signed off by another.
CREATE TABLE direct_payment_returns (
    return_id             text        PRIMARY KEY,
    agreement_id          text        NOT NULL REFERENCES direct_payments,
    person_ref            text        NOT NULL,
    period_start          date        NOT NULL,
    period_end            date        NOT NULL CHECK (period_end >= period_start),
    source                text        NOT NULL CHECK (source IN ('bank_statement', 'totals')),
    opening_balance_pence bigint      NOT NULL,
    paid_in_pence         bigint      NOT NULL CHECK (paid_in_pence >= 0),
    paid_out_pence        bigint      NOT NULL CHECK (paid_out_pence >= 0),
    closing_balance_pence bigint      NOT NULL,
    paid_in               jsonb       NOT NULL,  -- {category: pence}
    paid_out              jsonb       NOT NULL,
    statement_rows        jsonb,                 -- a bank statement's rows, as received
    submitted_by          text        NOT NULL,
    submitted_by_role     text        NOT NULL,
    submitted_at          timestamptz NOT NULL,
    status                text        NOT NULL DEFAULT 'submitted'
                                      CHECK (status IN ('submitted', 'audited', 'signed_off')),
    audited_balance_pence bigint,
    threshold_pence       bigint      CHECK (threshold_pence >= 0),
    surplus_pence         bigint      CHECK (surplus_pence >= 0),
    audited_by            text,
    audited_at            timestamptz,
    signed_off_by         text,
    signed_off_at         timestamptz,
    CHECK (opening_balance_pence + paid_in_pence - paid_out_pence = closing_balance_pence),
    CHECK ((status = 'submitted') = (audited_by IS NULL)),
    CHECK (status = 'submitted' OR (audited_balance_pence IS NOT NULL AND surplus_pence IS NOT NULL
                                    AND threshold_pence IS NOT NULL AND audited_at IS NOT NULL)),
    CHECK ((status = 'signed_off') = (signed_off_by IS NOT NULL AND signed_off_at IS NOT NULL)),
    CONSTRAINT signed_off_by_a_second_person CHECK (signed_off_by IS NULL OR signed_off_by <> audited_by)
);
CREATE INDEX direct_payment_returns_by_agreement ON direct_payment_returns (agreement_id, period_start);

-- Reclaims: raised by one finance user, approved by another; netted from the next payments or a debt.
CREATE TABLE direct_payment_reclaims (
    reclaim_id      text        PRIMARY KEY,
    agreement_id    text        NOT NULL REFERENCES direct_payments,
    person_ref      text        NOT NULL,
    reason          text        NOT NULL CHECK (reason IN ('surplus', 'unspent_at_end')),
    method          text        NOT NULL CHECK (method IN ('netting', 'debt')),
    amount_pence    bigint      NOT NULL CHECK (amount_pence > 0),
    return_id       text        REFERENCES direct_payment_returns,
    council_managed boolean     NOT NULL,
    status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved')),
    raised_by       text        NOT NULL,
    raised_on       date        NOT NULL,
    raised_at       timestamptz NOT NULL,
    approved_by     text,
    approved_at     timestamptz,
    exported_at     timestamptz,  -- a debt: when it was first in the debtors export
    CHECK ((status = 'approved') = (approved_by IS NOT NULL AND approved_at IS NOT NULL)),
    CONSTRAINT approved_by_a_second_person CHECK (approved_by IS NULL OR approved_by <> raised_by),
    CHECK (council_managed OR return_id IS NOT NULL),
    CHECK (NOT council_managed OR (reason = 'unspent_at_end' AND method = 'netting' AND return_id IS NULL)),
    CHECK (exported_at IS NULL OR (method = 'debt' AND status = 'approved'))
);
CREATE INDEX direct_payment_reclaims_by_agreement ON direct_payment_reclaims (agreement_id);
CREATE INDEX direct_payment_reclaims_debts ON direct_payment_reclaims (approved_at)
    WHERE method = 'debt' AND status = 'approved';

-- Each reclaim line of an approved run: what it netted. Written by the database as the run is approved
-- (below), like the adjustments a run pays (0003); a line whose payment the bank returned nets nothing
-- (its settlement is marked returned).
CREATE TABLE direct_payment_reclaim_nettings (
    run_id       text   NOT NULL,
    line_id      text   NOT NULL,
    reclaim_id   text   NOT NULL REFERENCES direct_payment_reclaims,
    amount_pence bigint NOT NULL CHECK (amount_pence > 0),
    PRIMARY KEY (run_id, line_id)
);
CREATE INDEX direct_payment_reclaim_nettings_by_reclaim ON direct_payment_reclaim_nettings (reclaim_id);

-- What each reclaim has netted from payments the bank did not return, and how many nettings it has had.
CREATE VIEW direct_payment_reclaims_netted AS
SELECT r.reclaim_id,
       coalesce(sum(n.amount_pence) FILTER (WHERE s.document_id IS NOT NULL), 0)::bigint AS netted_pence,
       count(n.line_id)::integer AS nettings
FROM direct_payment_reclaims r
LEFT JOIN direct_payment_reclaim_nettings n ON n.reclaim_id = r.reclaim_id
LEFT JOIN settlements s ON s.document_id = n.line_id AND s.run_id = n.run_id AND NOT s.returned
GROUP BY r.reclaim_id;

-- Approving a run settles its reclaim lines: each must net an approved netting reclaim of the direct
-- payment it is paid with, and no reclaim may be netted beyond its amount (two runs carrying the same
-- netting are stopped before: its line id is a document, settled once by one_approved_run_per_document).
CREATE FUNCTION settle_reclaim_lines() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
DECLARE
    found text;
BEGIN
    SELECT string_agg(l.line_id, ', ') INTO found FROM (
        SELECT l.line_id FROM run_lines l
        LEFT JOIN direct_payment_reclaims r ON r.reclaim_id = split_part(l.line_id, '/', 2)
        WHERE l.run_id = NEW.run_id AND l.kind = 'reclaim'
          AND (r.reclaim_id IS NULL OR r.status <> 'approved' OR r.method <> 'netting' OR r.council_managed
               OR r.agreement_id <> l.settles) LIMIT 5) l;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('run %s: reclaim line(s) %s net no approved netting reclaim of their direct payment',
                              NEW.run_id, found));
    END IF;
    INSERT INTO direct_payment_reclaim_nettings (run_id, line_id, reclaim_id, amount_pence)
    SELECT run_id, line_id, split_part(line_id, '/', 2), -amount_pence FROM run_lines
    WHERE run_id = NEW.run_id AND kind = 'reclaim';
    SELECT string_agg(r.reclaim_id, ', ') INTO found FROM (
        SELECT r.reclaim_id FROM direct_payment_reclaims r JOIN direct_payment_reclaims_netted t USING (reclaim_id)
        WHERE r.reclaim_id IN (SELECT reclaim_id FROM direct_payment_reclaim_nettings WHERE run_id = NEW.run_id)
          AND t.netted_pence > r.amount_pence LIMIT 5) r;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('run %s: reclaim(s) %s would be netted beyond their amount (netted by another run '
                              'since this one was proposed): propose a new run', NEW.run_id, found));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER payment_runs_settle_reclaims AFTER UPDATE OF status ON payment_runs
    FOR EACH ROW WHEN (OLD.status = 'proposed' AND NEW.status = 'approved')
    EXECUTE FUNCTION settle_reclaim_lines();

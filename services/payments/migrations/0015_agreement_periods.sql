-- Each invoice judged and charged agreement by agreement (InvoiceApproved.agreement_periods).
--
-- invoice_agreement_periods: per approved invoice (its latest revision), the days it charges each of its
-- agreements, the amount, that agreement's last payable day as invoicing said it, and its cost centre.
-- A run leaves an invoice out as after its agreement's end only when some agreement's charged days run
-- past that agreement's own end; an invoice without periods (told before invoicing said them) is judged
-- as before, its whole period against the earliest end of its agreements.
CREATE TABLE invoice_agreement_periods (
    invoice_id        text   NOT NULL,
    seq               int    NOT NULL,
    agreement_id      text   NOT NULL,
    first_day         date   NOT NULL,
    last_day          date   NOT NULL,
    amount_pence      bigint NOT NULL,
    last_payable_date date,
    cost_centre       text,
    PRIMARY KEY (invoice_id, seq)
);

-- The cost centre each agreement's spend is charged to (AgreementEvent.cost_centre; NULL: not said).
ALTER TABLE agreements ADD COLUMN cost_centre text;

-- What each run line charges each agreement, frozen with the run so its journal is the same at every
-- export: the cost centre ('' unknown: the journal's default), the pence (a line's charges sum exactly to
-- it, checked at approval), the last day charged and the agreement's end when proposed.
CREATE TABLE run_line_charges (
    run_id        text   NOT NULL,
    line_id       text   NOT NULL,
    seq           int    NOT NULL,
    agreement_id  text   NOT NULL,
    cost_centre   text   NOT NULL,
    amount_pence  bigint NOT NULL,
    last_day      date   NOT NULL,
    agreement_end date,
    PRIMARY KEY (run_id, line_id, seq),
    CHECK (agreement_end IS NULL OR last_day <= agreement_end)  -- nothing charged after an agreement's end
);

-- Like run lines: charges join only a proposed run, and an approved run's never change.
CREATE FUNCTION check_new_charges() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
DECLARE
    found text;
BEGIN
    SELECT n.run_id INTO found FROM (SELECT DISTINCT run_id FROM new_lines) n LEFT JOIN payment_runs r USING (run_id)
    WHERE r.status IS DISTINCT FROM 'proposed' LIMIT 1;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('run %s is approved (or unknown): charges join only a proposed run', found));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER run_line_charges_insert_checked AFTER INSERT ON run_line_charges
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION check_new_charges();
CREATE TRIGGER run_line_charges_update_checked AFTER UPDATE ON run_line_charges
    REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION check_changed_lines();
CREATE TRIGGER run_line_charges_delete_checked AFTER DELETE ON run_line_charges
    REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION check_changed_lines();

-- The approval's check (0003), the same but for the days after an agreement's end, judged per agreement
-- for an invoice with periods, and a split line's charges summing to it.
CREATE OR REPLACE FUNCTION check_run_payable(p_run text, p_total bigint, p_count int) RETURNS void LANGUAGE plpgsql
    SET search_path FROM CURRENT SET jit = off AS $$
DECLARE
    sums  record;
    found text;
BEGIN
    SELECT coalesce(sum(amount_pence), 0) AS total, count(*) AS n INTO sums FROM run_payments WHERE run_id = p_run;
    IF sums.total <> p_total OR sums.n <> p_count THEN
        PERFORM refuse(format('run %s says %s pence in %s payments but its payments add up to %s pence in %s',
                              p_run, p_total, p_count, sums.total, sums.n));
    END IF;

    -- Each payment against the sum of its lines, both ways (a line naming no payment is caught
    -- too). A FULL JOIN of the two sums is a hash or merge join whatever the planner estimates.
    SELECT string_agg(reference, ', ') INTO found FROM (
        WITH paid AS MATERIALIZED (SELECT payment_reference, amount_pence FROM run_payments WHERE run_id = p_run),
             summed AS MATERIALIZED (SELECT payment_reference, sum(amount_pence) AS pence FROM run_lines
                                     WHERE run_id = p_run GROUP BY payment_reference)
        SELECT payment_reference AS reference FROM paid FULL JOIN summed USING (payment_reference)
        WHERE paid.amount_pence IS DISTINCT FROM summed.pence LIMIT 5) x;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('run %s: payment(s) %s do not equal the sum of their lines', p_run, found));
    END IF;

    SELECT string_agg(payee_id, ', ') INTO found FROM (
        SELECT p.payee_id FROM run_payments p LEFT JOIN payees y ON y.provider_id = p.payee_id
        WHERE p.run_id = p_run AND p.payee_kind = 'provider'
          AND (y.bank_status IS DISTINCT FROM 'verified' OR y.sort_code <> p.sort_code
               OR y.account_number <> p.account_number) LIMIT 5) x;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('run %s: bank details of provider(s) %s are not verified, or changed since the run '
                              'was proposed: exclude their invoices or propose a new run', p_run, found));
    END IF;

    SELECT string_agg(payee_id, ', ') INTO found FROM (
        SELECT p.payee_id FROM run_payments p LEFT JOIN direct_payments d ON d.agreement_id = p.payee_id
        WHERE p.run_id = p_run AND p.payee_kind = 'direct_payment' AND NOT p.council_managed
          AND (d.agreement_id IS NULL OR d.sort_code <> p.sort_code OR d.account_number <> p.account_number) LIMIT 5) x;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('run %s: the payee account of direct payment(s) %s changed since the run was '
                              'proposed: propose a new run', p_run, found));
    END IF;

    -- An invoice with agreement periods: the days it charges each agreement, against that agreement's end
    -- (as invoicing said it, and as payments now knows it). Without: its whole period against every end.
    SELECT string_agg(line_id, ', ') INTO found FROM (
        SELECT l.line_id FROM run_lines l JOIN invoices i ON i.invoice_id = l.settles
        WHERE l.run_id = p_run AND l.kind IN ('invoice', 'credit_note')
          AND NOT EXISTS (SELECT 1 FROM invoice_agreement_periods p WHERE p.invoice_id = i.invoice_id)
          AND (l.period_end > i.last_payable_date
               OR (cardinality(i.agreement_ids) > 0 AND EXISTS (
                   SELECT 1 FROM agreements a WHERE a.agreement_id = ANY(i.agreement_ids)
                                              AND l.period_end > a.last_day)))
        UNION ALL
        SELECT l.line_id FROM run_lines l JOIN invoice_agreement_periods p ON p.invoice_id = l.settles
        LEFT JOIN agreements a ON a.agreement_id = p.agreement_id
        WHERE l.run_id = p_run AND l.kind IN ('invoice', 'credit_note')
          AND (p.last_day > p.last_payable_date OR p.last_day > a.last_day) LIMIT 5) x;
    IF found IS NULL THEN
        -- A line split by agreement: its charges sum exactly to it.
        SELECT string_agg(line_id, ', ') INTO found FROM (
            SELECT l.line_id FROM run_lines l JOIN (SELECT line_id, sum(amount_pence) AS pence FROM run_line_charges
                                                    WHERE run_id = p_run GROUP BY line_id) c USING (line_id)
            WHERE l.run_id = p_run AND l.amount_pence <> c.pence LIMIT 5) x;
        IF found IS NOT NULL THEN
            PERFORM refuse(format('run %s: line(s) %s are not charged to their agreements in full', p_run, found));
        END IF;
    END IF;
    IF found IS NULL THEN
        SELECT string_agg(line_id, ', ') INTO found FROM (
            SELECT l.line_id FROM run_lines l JOIN direct_payments d ON d.agreement_id = l.settles
            WHERE l.run_id = p_run AND l.kind = 'direct_payment' AND l.period_end > d.last_day LIMIT 5) x;
    END IF;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('run %s: line(s) %s pay for days after their agreement ended: exclude them',
                              p_run, found));
    END IF;

    SELECT string_agg(line_id, ', ') INTO found FROM (
        SELECT l.line_id FROM run_lines l CROSS JOIN LATERAL unnest(l.adjustment_ids) AS x(adjustment_id)
        JOIN direct_payment_adjustments a USING (adjustment_id)
        WHERE l.run_id = p_run AND l.kind = 'adjustment' AND a.settled_by IS NOT NULL LIMIT 5) x;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('run %s: adjustment line(s) %s were paid by another run or absorbed by an ending '
                              'since this run was proposed: propose a new run', p_run, found));
    END IF;

    SELECT string_agg(line_id, ', ') INTO found FROM (
        SELECT l.line_id FROM run_lines l LEFT JOIN invoices i ON i.invoice_id = l.line_id
        WHERE l.run_id = p_run AND l.kind = 'invoice'
          AND (i.invoice_id IS NULL OR i.state <> 'approved' OR i.return_hold IS NOT NULL
               OR i.amount_pence <> l.amount_pence
               OR EXISTS (SELECT 1 FROM disputes d WHERE d.invoice_id = l.line_id AND d.open)) LIMIT 5) x;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('run %s: invoice(s) %s are no longer payable as proposed (held, voided, disputed, '
                              'changed or on hold since): exclude them or propose a new run', p_run, found));
    END IF;
END $$;

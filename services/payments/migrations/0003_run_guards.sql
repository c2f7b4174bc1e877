-- What the database itself refuses, so no code path (nor a hand-written UPDATE) can break it:
-- an approved run never changes; approving a run settles each document it pays (at most once:
-- see settlements in 0002); a run is approved only if, at that moment, its total is the
-- sum of its payments and each payment the sum of its lines, every provider is paid into the
-- bank details verified for it, nothing is paid for days after an agreement's end, and every
-- invoice it pays is still approved, undisputed, unchanged and not held.
-- Refusals are check_violation (SQLSTATE 23514) with a message finance can act on. The functions
-- keep the search_path they were created with, so they hold for any connection, not only ours.
-- JIT is off for the checks: compiling them takes longer than running them (~400 ms vs ~90 ms).

CREATE FUNCTION refuse(message text) RETURNS void LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    RAISE EXCEPTION '%', message USING ERRCODE = 'check_violation';
END $$;

CREATE FUNCTION check_run_payable(p_run text, p_total bigint, p_count int) RETURNS void LANGUAGE plpgsql
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

    SELECT string_agg(line_id, ', ') INTO found FROM (
        SELECT l.line_id FROM run_lines l JOIN invoices i ON i.invoice_id = l.settles
        WHERE l.run_id = p_run AND l.kind IN ('invoice', 'credit_note')
          AND (l.period_end > i.last_payable_date
               OR (cardinality(i.agreement_ids) > 0 AND EXISTS (
                   SELECT 1 FROM agreements a WHERE a.agreement_id = ANY(i.agreement_ids)
                                              AND l.period_end > a.last_day))) LIMIT 5) x;
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

CREATE FUNCTION guard_payment_run() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'approved' THEN
            PERFORM refuse(format('run %s is approved: it is kept for ever', OLD.run_id));
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.status = 'approved' THEN
        -- Only the moment of export may be recorded, once.
        IF (NEW.run_id, NEW.run_number, NEW.kind, NEW.pay_date, NEW.processing_day, NEW.status, NEW.proposed_by,
            NEW.proposed_at, NEW.approved_by, NEW.approved_at, NEW.total_pence, NEW.payment_count, NEW.scope)
           IS DISTINCT FROM
           (OLD.run_id, OLD.run_number, OLD.kind, OLD.pay_date, OLD.processing_day, OLD.status, OLD.proposed_by,
            OLD.proposed_at, OLD.approved_by, OLD.approved_at, OLD.total_pence, OLD.payment_count, OLD.scope)
           OR (OLD.exported_at IS NOT NULL AND NEW.exported_at IS DISTINCT FROM OLD.exported_at) THEN
            PERFORM refuse(format('run %s is approved and cannot change', OLD.run_id));
        END IF;
    ELSIF NEW.status = 'approved' THEN
        PERFORM check_run_payable(NEW.run_id, NEW.total_pence, NEW.payment_count);
        -- Every document the run pays is settled now; one already settled by another approved
        -- run breaks the unique index one_approved_run_per_document and the approval fails.
        INSERT INTO settlements (document_id, kind, settles, run_id, payment_reference)
        SELECT line_id, kind, settles, run_id, payment_reference FROM run_lines
        WHERE run_id = NEW.run_id AND kind <> 'adjustment';
        -- The direct-payment adjustments the run carries are paid by it (checked unpaid above).
        UPDATE direct_payment_adjustments SET settled_by = NEW.run_id
        WHERE adjustment_id IN (SELECT unnest(adjustment_ids) FROM run_lines
                                WHERE run_id = NEW.run_id AND kind = 'adjustment');
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER payment_runs_guard BEFORE UPDATE OR DELETE ON payment_runs
    FOR EACH ROW EXECUTE FUNCTION guard_payment_run();

CREATE FUNCTION refuse_change_to_approved_run() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
BEGIN
    PERFORM refuse(format('run %s is approved: its %s cannot change', COALESCE(NEW.run_id, OLD.run_id),
                          replace(TG_TABLE_NAME, 'run_', '')));
    RETURN NULL;
END $$;

-- Lines are checked once per statement (a run's lines arrive in one COPY): they may join only
-- a proposed run, and only its existing payments; an approved run's lines never change.
CREATE FUNCTION check_new_lines() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
DECLARE
    found text;
BEGIN
    SELECT n.run_id INTO found FROM (SELECT DISTINCT run_id FROM new_lines) n LEFT JOIN payment_runs r USING (run_id)
    WHERE r.status IS DISTINCT FROM 'proposed' LIMIT 1;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('run %s is approved (or unknown): lines join only a proposed run', found));
    END IF;
    SELECT n.payment_reference INTO found FROM (SELECT DISTINCT run_id, payment_reference FROM new_lines) n
    WHERE NOT EXISTS (SELECT 1 FROM run_payments p WHERE p.run_id = n.run_id
                                                    AND p.payment_reference = n.payment_reference) LIMIT 1;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('lines name payment %s, which their run does not have', found));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION check_changed_lines() RETURNS trigger LANGUAGE plpgsql
    SET search_path FROM CURRENT AS $$
DECLARE
    found text;
BEGIN
    SELECT o.run_id INTO found FROM (SELECT DISTINCT run_id FROM old_lines) o JOIN payment_runs r USING (run_id)
    WHERE r.status = 'approved' LIMIT 1;
    IF found IS NOT NULL THEN
        PERFORM refuse(format('run %s is approved: its lines cannot change', found));
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER run_lines_insert_checked AFTER INSERT ON run_lines
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION check_new_lines();
CREATE TRIGGER run_lines_update_checked AFTER UPDATE ON run_lines
    REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION check_changed_lines();
CREATE TRIGGER run_lines_delete_checked AFTER DELETE ON run_lines
    REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION check_changed_lines();

CREATE TRIGGER run_payments_frozen_insert BEFORE INSERT ON run_payments
    FOR EACH ROW WHEN (NEW.run_status = 'approved') EXECUTE FUNCTION refuse_change_to_approved_run();
CREATE TRIGGER run_payments_frozen_delete BEFORE DELETE ON run_payments
    FOR EACH ROW WHEN (OLD.run_status = 'approved') EXECUTE FUNCTION refuse_change_to_approved_run();
-- Only the bank's outcome (paid, returned) is recorded on an approved run's payment.
CREATE TRIGGER run_payments_frozen_update BEFORE UPDATE ON run_payments
    FOR EACH ROW WHEN (OLD.run_status = 'approved' AND
        (NEW.run_id, NEW.run_status, NEW.payment_reference, NEW.seq, NEW.payee_kind, NEW.payee_id, NEW.sort_code,
         NEW.account_number, NEW.account_name, NEW.amount_pence)
        IS DISTINCT FROM
        (OLD.run_id, OLD.run_status, OLD.payment_reference, OLD.seq, OLD.payee_kind, OLD.payee_id, OLD.sort_code,
         OLD.account_number, OLD.account_name, OLD.amount_pence))
    EXECUTE FUNCTION refuse_change_to_approved_run();

CREATE TRIGGER run_files_frozen BEFORE UPDATE OR DELETE ON run_files
    FOR EACH ROW EXECUTE FUNCTION refuse_change_to_approved_run();

-- Settlements are written by approval and only ever marked returned (a payment sent back).
CREATE TRIGGER settlements_kept BEFORE DELETE ON settlements
    FOR EACH ROW EXECUTE FUNCTION refuse_change_to_approved_run();
CREATE TRIGGER settlements_only_returned BEFORE UPDATE ON settlements
    FOR EACH ROW WHEN ((NEW.document_id, NEW.kind, NEW.settles, NEW.run_id, NEW.payment_reference)
                       IS DISTINCT FROM (OLD.document_id, OLD.kind, OLD.settles, OLD.run_id, OLD.payment_reference)
                       OR (OLD.returned AND NOT NEW.returned))
    EXECUTE FUNCTION refuse_change_to_approved_run();

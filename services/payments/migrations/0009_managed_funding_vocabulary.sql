-- The words issue 15's payments work shares: personal assistants as payees, payroll and reclaim lines,
-- the managed account a line is paid from, and the ledger entries those make.

-- A personal assistant's net pay is one Bacs credit, like a provider's.
ALTER TABLE run_payments DROP CONSTRAINT run_payments_payee_kind_check;
ALTER TABLE run_payments ADD CONSTRAINT run_payments_payee_kind_check
    CHECK (payee_kind IN ('provider', 'direct_payment', 'personal_assistant'));

-- payroll: a PA's net pay for a pay period; reclaim: money a direct payment's holder gives back,
-- netted from its next payment (always negative).
ALTER TABLE run_lines DROP CONSTRAINT run_lines_kind_check;
ALTER TABLE run_lines ADD CONSTRAINT run_lines_kind_check
    CHECK (kind IN ('invoice', 'credit_note', 'direct_payment', 'adjustment', 'payroll', 'reclaim'));
ALTER TABLE run_lines ADD CONSTRAINT run_lines_payroll_positive CHECK (kind <> 'payroll' OR amount_pence > 0);
ALTER TABLE run_lines ADD CONSTRAINT run_lines_reclaim_negative CHECK (kind <> 'reclaim' OR amount_pence < 0);

-- The council-managed direct payment (its agreement_id) whose account pays this line; NULL: the
-- council's own payments account.
ALTER TABLE run_lines ADD COLUMN funded_by text;

ALTER TABLE managed_account_entries DROP CONSTRAINT managed_account_entries_kind_check;
ALTER TABLE managed_account_entries ADD CONSTRAINT managed_account_entries_kind_check
    CHECK (kind IN ('direct_payment_in', 'contribution_in', 'payment_to_provider', 'payment_to_personal_assistant',
                    'recovery_to_council', 'direct_payment_returned'));

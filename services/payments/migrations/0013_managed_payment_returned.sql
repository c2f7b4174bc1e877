-- A payment made from a council-managed account that the bank sent back puts the money back in the
-- person's ledger (`payment_returned`, money in), once per payment and account, naming the payee.
ALTER TABLE managed_account_entries DROP CONSTRAINT managed_account_entries_kind_check;
ALTER TABLE managed_account_entries ADD CONSTRAINT managed_account_entries_kind_check
    CHECK (kind IN ('direct_payment_in', 'contribution_in', 'payment_to_provider', 'payment_to_personal_assistant',
                    'recovery_to_council', 'direct_payment_returned', 'payment_returned'));

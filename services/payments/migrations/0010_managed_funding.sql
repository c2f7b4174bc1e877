-- Care bought from a council-managed direct payment's account (the council as nominee).

-- Where the money for each care agreement comes from: the council's own payments account, or the
-- managed account of a council-managed direct payment (its agreement_id). An agreement told before
-- this was known is the council's.
ALTER TABLE agreements ADD COLUMN funding text NOT NULL DEFAULT 'council'
    CHECK (funding IN ('council', 'managed_account'));
ALTER TABLE agreements ADD COLUMN direct_payment_id text;
ALTER TABLE agreements ADD CONSTRAINT agreements_funding_names_its_account
    CHECK ((funding = 'managed_account') = (direct_payment_id IS NOT NULL));
CREATE INDEX agreements_by_direct_payment ON agreements (direct_payment_id) WHERE direct_payment_id IS NOT NULL;

-- Who a payment out of a managed account went to (provider_id, or pa_id for a personal assistant), and
-- for an entry typed in by hand the care agreement it pays for: the ledger shows paid out per payee.
-- NULL for money in, and for entries recorded before this.
ALTER TABLE managed_account_entries ADD COLUMN payee_id text;
ALTER TABLE managed_account_entries ADD COLUMN care_agreement_id text;

-- The debits a run's funded lines commit to each managed account, read at every proposal and approval.
CREATE INDEX run_lines_funded ON run_lines (funded_by, run_id) WHERE funded_by IS NOT NULL;

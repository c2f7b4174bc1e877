-- Individual service funds are paid by advances, and invoicing knows how each agreement is paid for.

-- How the person's budget reaches the care (council_arranged, isf, direct_payment_managed) and where the
-- money comes from (council, managed_account): an ISF is advanced, not invoiced in arrears, and the
-- person's contribution is charged for council-funded arranged care and ISFs only.
ALTER TABLE agreements_on_file
    ADD COLUMN mechanism text NOT NULL DEFAULT 'council_arranged'
        CHECK (mechanism IN ('council_arranged', 'isf', 'direct_payment_managed')),
    ADD COLUMN funding   text NOT NULL DEFAULT 'council' CHECK (funding IN ('council', 'managed_account'));

-- An ISF advance is an original the council raises for an agreement and a four-weekly period, once.
ALTER TABLE invoices DROP CONSTRAINT invoices_kind_check;
ALTER TABLE invoices ADD CONSTRAINT invoices_kind_check
    CHECK (kind IN ('self_billed', 'scheduled', 'provider', 'credit_note', 'supplementary', 'isf_advance'));
ALTER TABLE invoices DROP CONSTRAINT originals_name_their_agreement;
ALTER TABLE invoices ADD CONSTRAINT originals_name_their_agreement
    CHECK ((kind IN ('self_billed', 'scheduled', 'isf_advance')) = (agreement_id IS NOT NULL));
DROP INDEX original_once_per_agreement_period;
CREATE UNIQUE INDEX original_once_per_agreement_period ON invoices (agreement_id, period_first, period_last, kind)
    WHERE kind IN ('self_billed', 'scheduled', 'isf_advance');

-- ISF advances are numbered IA-<provider>-000001.
ALTER TABLE invoice_number_sequence DROP CONSTRAINT invoice_number_sequence_series_check;
ALTER TABLE invoice_number_sequence ADD CONSTRAINT invoice_number_sequence_series_check CHECK (series IN ('SB', 'SC', 'CN', 'IA'));

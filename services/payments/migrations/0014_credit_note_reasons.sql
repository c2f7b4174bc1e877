-- Why each credit note was raised, as invoicing says (CreditNoteIssued.cause and .reason; NULL for credit
-- notes told before it said), and the reason kept on the remittance line that nets it, so the provider
-- reads on its remittance advice why money was taken back, the same every time the run is exported.
ALTER TABLE credit_notes
    ADD COLUMN cause  text CHECK (cause IN ('officer', 'query', 'late_correction', 'overpayment', 'isf_surplus')),
    ADD COLUMN reason text;

ALTER TABLE run_lines ADD COLUMN reason text NOT NULL DEFAULT '';

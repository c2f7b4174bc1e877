-- The agreements each credit note credits (CreditNoteIssued.agreement_ids; '{}' for credit notes told before
-- payments kept them). A credit note is charged only to the cost centres of its own agreements, split over the
-- periods the corrected invoice charges them: an overpayment credit for one person's agreement never credits
-- another's cost centre. None known: the corrected invoice's cost centre, else the journal's default.
ALTER TABLE credit_notes ADD COLUMN agreement_ids text[] NOT NULL DEFAULT '{}';

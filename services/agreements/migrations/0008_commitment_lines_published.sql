-- What the last CommitmentChanged said line by line, not only in total: a change to one agreement's
-- line (which bounds its invoices) is published even when the person's totals stay the same, as they
-- do when care is bought from a managed direct payment (its line is not counted in the totals).
ALTER TABLE person_commitments ADD COLUMN lines_digest text;

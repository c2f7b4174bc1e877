-- Keyset pages of the lists (issue 18: `limit` and `after`, no offset): each list's order, alone and after the
-- filter a caller's scope always applies, as an index, so a page is read from where the last one ended.
-- GET /invoices: (created_at, invoice_id) newest first; a provider's own, or those of a status.
DROP INDEX invoices_by_provider;
CREATE INDEX invoices_by_provider ON invoices (provider_id, created_at, invoice_id);
DROP INDEX invoices_by_status;
CREATE INDEX invoices_by_status ON invoices (status, created_at, invoice_id);
CREATE INDEX invoices_pages ON invoices (created_at, invoice_id);
-- GET /contribution-charges: (period_start, charge_id) newest first; a person's own.
DROP INDEX contribution_charges_period;
CREATE INDEX contribution_charges_period ON contribution_charges (period_start, charge_id);
CREATE INDEX contribution_charges_by_person ON contribution_charges (person_ref, period_start, charge_id);
-- GET /isf-returns: (period_first, return_id) newest first; a provider's or a person's own.
DROP INDEX isf_returns_by_provider;
CREATE INDEX isf_returns_by_provider ON isf_returns (provider_id, period_first, return_id);
DROP INDEX isf_returns_by_person;
CREATE INDEX isf_returns_by_person ON isf_returns (person_ref, period_first, return_id);
CREATE INDEX isf_returns_pages ON isf_returns (period_first, return_id);
-- GET /isf-balances pages ISF agreements by agreement_id (the primary key), a provider's by the index below.
CREATE INDEX agreements_on_file_isf ON agreements_on_file (provider_id, agreement_id) WHERE mechanism = 'isf';

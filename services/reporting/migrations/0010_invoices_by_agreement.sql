-- An invoice split between several agreements (InvoiceApproved.agreement_periods) counts each agreement's
-- part under that agreement's dims: find the invoices naming an agreement among their parts, to move
-- those parts when its dims change (invoice_fact.agreement_id names only the first).
CREATE INDEX invoice_fact_span_agreements ON invoice_fact USING gin ((state -> 'span_agreements'));

-- A request whose mechanism changed after approval is approved again: the draft of the old kind
-- is cancelled and a cancelled draft must not stop a new one. Uniqueness holds among live drafts.
DROP INDEX one_draft_per_approved_request;
CREATE UNIQUE INDEX one_live_draft_per_approved_request ON agreements (request_id)
    WHERE origin = 'approved_request' AND status <> 'cancelled';
ALTER TABLE direct_payments DROP CONSTRAINT direct_payments_request_id_key;
CREATE UNIQUE INDEX one_live_direct_payment_per_request ON direct_payments (request_id) WHERE status <> 'cancelled';

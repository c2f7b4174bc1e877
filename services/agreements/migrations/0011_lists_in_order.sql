-- Every list is paged on a unique key (shared.pagination): these indexes answer "the next page after this
-- key" without sorting the table. Agreements and direct payments oldest first (and a provider's agreements,
-- a county's thousands); the provider register by name; an agreement's history by time.
CREATE INDEX agreements_in_order ON agreements (created_at, agreement_id);
CREATE INDEX agreements_of_provider_in_order ON agreements (provider_id, created_at, agreement_id);
CREATE INDEX direct_payments_in_order ON direct_payments (created_at, agreement_id);
CREATE INDEX providers_by_name ON providers (name, provider_id);
CREATE INDEX audit_log_in_order ON audit_log (subject_id, at, id);
DROP INDEX audit_log_by_subject;  -- the prefix of audit_log_in_order
DROP INDEX agreements_by_provider;  -- the prefix of agreements_of_provider_in_order

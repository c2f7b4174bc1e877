-- GET /visits/rejected and /visits/unallocated page newest first by (received_at, record_id); a provider
-- sees only its own records, so its pages walk these (partial: only the few records rejected or held
-- unallocated pay for them on the write path; verified ones, nearly all, do not).
CREATE INDEX attendances_rejected_by_provider ON attendances (provider_id, received_at, record_id)
    WHERE outcome = 'rejected';
CREATE INDEX attendances_unallocated_by_provider ON attendances (provider_id, received_at, record_id)
    WHERE outcome = 'unallocated';

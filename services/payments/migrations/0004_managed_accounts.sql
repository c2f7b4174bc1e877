-- The ledger of each council-managed direct-payment account: every penny in and out.
CREATE TABLE managed_account_entries (
    entry_id     bigserial   PRIMARY KEY,
    agreement_id text        NOT NULL REFERENCES direct_payments,
    on_date      date        NOT NULL,
    kind         text        NOT NULL CHECK (kind IN ('direct_payment_in', 'contribution_in', 'payment_to_provider',
                                                      'recovery_to_council', 'direct_payment_returned')),
    amount_pence bigint      NOT NULL CHECK (amount_pence > 0),
    reference    text        NOT NULL,
    description  text        NOT NULL DEFAULT '',
    recorded_by  text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (agreement_id, kind, reference)  -- a payment (or receipt) is recorded once, however often it is retried
);
CREATE INDEX managed_account_entries_by_account ON managed_account_entries (agreement_id, on_date);

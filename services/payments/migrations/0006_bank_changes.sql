-- Each bank details change payments is told about (ProviderBankDetailsChanged), so a verification is
-- applied only to a change it knows: same provider, same account, checked by someone other than who
-- entered it. Only the account's fingerprint is kept here (the details stay in `payees`), and who
-- entered and decided it as identifiers (an event's actor id), never names.
-- A new change supersedes a change of the same provider still unverified, as in agreements.
CREATE TABLE bank_changes (
    change_id           text        PRIMARY KEY,
    provider_id         text        NOT NULL,
    account_fingerprint text        CHECK (account_fingerprint ~ '^[0-9a-f]{64}$'),  -- NULL: an event from before it was sent
    entered_by          text        NOT NULL,
    status              text        NOT NULL DEFAULT 'unverified'
                                    CHECK (status IN ('unverified', 'verified', 'rejected', 'superseded')),
    decided_by          text,
    recorded_at         timestamptz NOT NULL DEFAULT now(),
    decided_at          timestamptz
);
CREATE INDEX bank_changes_unverified ON bank_changes (provider_id) WHERE status = 'unverified';

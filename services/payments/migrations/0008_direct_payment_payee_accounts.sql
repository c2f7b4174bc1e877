-- A direct payment's payee account now arrives on its own topic (agreements.payee-accounts,
-- DirectPaymentPayeeAccountSet), apart from DirectPaymentAgreed on agreements.events, so either may
-- come first. The account is kept here as it arrives, and copied onto the direct payment whenever both
-- are known; until then the direct payment has no account and a run leaves it out (no_bank_details).
ALTER TABLE direct_payments ALTER COLUMN sort_code DROP NOT NULL,
                            ALTER COLUMN account_number DROP NOT NULL,
                            ALTER COLUMN account_name DROP NOT NULL;

CREATE TABLE direct_payment_payee_accounts (
    agreement_id   text        PRIMARY KEY,
    sort_code      text        NOT NULL CHECK (sort_code ~ '^[0-9]{6}$'),
    account_number text        NOT NULL CHECK (account_number ~ '^[0-9]{8}$'),
    account_name   text        NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now()
);

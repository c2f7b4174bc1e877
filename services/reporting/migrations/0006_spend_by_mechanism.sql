-- Spend by mechanism (council_arranged, isf, direct_payment_person, direct_payment_third_party,
-- direct_payment_managed): every spend and commitment row, and every person's directory entry, carries
-- the mechanism of the money; agreements and direct payments keep theirs; a council-managed account's
-- payments to personal assistants are kept; a direct payment says whether it went into a managed account
-- (a transfer, not spend).
--
-- Rows from before carry the defaults: 'council_arranged' for agreements' figures, 'unknown' for direct
-- payments' (their nominee was not kept). Direct payments into managed accounts counted as spend before
-- this change still do. `carepay reporting rebuild` then `swap` attributes everything exactly.

-- What each agreement or direct payment is, as far as reporting has heard: NULL until an event says.
ALTER TABLE agreement_dim ADD COLUMN mechanism text;
-- The council-managed direct payment (its agreement_id) whose account pays for this agreement.
ALTER TABLE agreement_dim ADD COLUMN funded_by text;
-- A direct payment's mechanism from each day ([[day, mechanism], ...]): a variation may change its nominee.
ALTER TABLE agreement_dim ADD COLUMN mechanisms jsonb NOT NULL DEFAULT '[]'::jsonb;
UPDATE agreement_dim SET mechanism = 'council_arranged' WHERE service_type IS DISTINCT FROM 'direct_payment';

-- Direct payments' facts now count under their direct payment's dims: each one has a row.
INSERT INTO agreement_dim (agreement_id, person_ref, provider_id, service_type)
SELECT DISTINCT ON (agreement_id) agreement_id, person_ref, '', 'direct_payment' FROM direct_payment_fact
ON CONFLICT DO NOTHING;

-- An invoice covering several agreements reports its mechanism under the first of them (by id).
UPDATE invoice_fact SET agreement_id = (SELECT min(a) FROM jsonb_array_elements_text(state->'agreement_ids') AS a)
WHERE agreement_id IS NULL AND jsonb_array_length(coalesce(state->'agreement_ids', '[]'::jsonb)) > 1;
INSERT INTO agreement_dim (agreement_id, person_ref, provider_id, mechanism)
SELECT DISTINCT ON (agreement_id) agreement_id, '', state->>'provider_id', 'council_arranged' FROM invoice_fact
WHERE agreement_id IS NOT NULL
ON CONFLICT DO NOTHING;
COMMENT ON COLUMN invoice_fact.agreement_id IS
    'The agreement whose dims the invoice reports under: the one it covers, or the first (by id) of several.';

-- Paid into a council-managed account (a transfer into the person's client account, not spend).
ALTER TABLE direct_payment_fact ADD COLUMN council_managed boolean NOT NULL DEFAULT false;

-- What a council-managed account paid out (ManagedAccountDebited): to a provider (counted through the
-- invoices it settles) or to a personal assistant (counted here, as spend of the managed direct payment).
CREATE TABLE managed_debit_fact (
    agreement_id      text   NOT NULL,  -- the managed direct payment
    payment_reference text   NOT NULL,
    payee_id          text   NOT NULL,  -- provider_id, or a personal assistant's pa_id
    payee_kind        text   NOT NULL CHECK (payee_kind IN ('provider', 'personal_assistant')),
    person_ref        text   NOT NULL,
    pay_date          date   NOT NULL,
    amount_pence      bigint NOT NULL,
    PRIMARY KEY (agreement_id, payment_reference, payee_id)
);

ALTER TABLE spend ADD COLUMN mechanism text NOT NULL DEFAULT 'council_arranged';
UPDATE spend SET mechanism = 'unknown' WHERE service_type = 'direct_payment';
ALTER TABLE spend DROP CONSTRAINT spend_pkey;
ALTER TABLE spend ADD PRIMARY KEY (grain, period_kind, period_start, group_key, service_type, provider_id, mechanism);

-- Budgets are not by mechanism: their rows carry ''.
ALTER TABLE commitment_step ADD COLUMN mechanism text NOT NULL DEFAULT 'council_arranged';
UPDATE commitment_step SET mechanism = CASE WHEN grain = 'budget' THEN '' ELSE 'unknown' END
WHERE grain = 'budget' OR service_type = 'direct_payment';
ALTER TABLE commitment_step DROP CONSTRAINT commitment_step_pkey;
ALTER TABLE commitment_step ADD PRIMARY KEY (grain, group_key, service_type, provider_id, mechanism, day);

ALTER TABLE person_dir ADD COLUMN mechanism text NOT NULL DEFAULT 'council_arranged';
UPDATE person_dir SET mechanism = 'unknown' WHERE service_type = 'direct_payment';
ALTER TABLE person_dir DROP CONSTRAINT person_dir_pkey;
ALTER TABLE person_dir ADD PRIMARY KEY (person_ref, service_type, provider_id, mechanism);

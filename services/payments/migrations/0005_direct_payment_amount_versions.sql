-- A direct payment's amount counts its changes, and a run remembers the count each payment was priced
-- at: approving a run whose direct payment changed amount since it was proposed is refused (the
-- change's adjustment only covers days already paid, so the run would pay the old amount for days
-- after the change and nothing would ever correct it).
ALTER TABLE direct_payments ADD COLUMN amount_version integer NOT NULL DEFAULT 1;
ALTER TABLE run_payments ADD COLUMN dp_amount_version integer;
UPDATE run_payments SET dp_amount_version = 1 WHERE payee_kind = 'direct_payment';  -- every amount is at version 1 now

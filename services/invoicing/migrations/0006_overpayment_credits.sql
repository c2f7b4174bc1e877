-- Overpayments recovered by themselves: every credit note raised because an invoice scheduled in a run
-- or paid had charged days after its agreement's end. What is credited per invoice and agreement is read
-- from here, so a replayed or repeated agreement event credits nothing again, and an end brought further
-- forward credits only the days between the two ends. A credit note an officer voids stays here: the
-- overpayment is not raised again for the same end.
CREATE TABLE overpayment_credits (
    credit_note_id text        PRIMARY KEY REFERENCES invoices (invoice_id),
    invoice_id     text        NOT NULL REFERENCES invoices (invoice_id),
    agreement_id   text        NOT NULL,
    ended_on       date        NOT NULL,
    days           integer     NOT NULL CHECK (days >= 1),  -- days of the invoice after ended_on
    amount_pence   bigint      NOT NULL CHECK (amount_pence > 0),
    credited_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (invoice_id, agreement_id, ended_on)
);

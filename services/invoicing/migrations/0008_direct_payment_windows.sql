-- The days each direct payment of a person is in force, as told on agreements.events: a direct payment is
-- paid net of the person's whole weekly contribution, so on those days no contribution is charged for
-- arranged care or an ISF. Its start comes from the latest of DirectPaymentAgreed/DirectPaymentVaried, its
-- end from the latest DirectPaymentEnded, each kept by occurred_at (a replay or an older copy changes
-- nothing). A window with no start yet (ended told before agreed) is in force on no day.
CREATE TABLE direct_payment_windows (
    agreement_id text        PRIMARY KEY,
    person_ref   text        NOT NULL,
    start_on     date,
    terms_at     timestamptz,  -- occurred_at of the terms event start_on came from
    end_on       date,         -- last day in force (inclusive); NULL: not ended
    ended_at     timestamptz,  -- occurred_at of the DirectPaymentEnded end_on came from
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((start_on IS NULL) = (terms_at IS NULL)),
    CHECK ((end_on IS NULL) = (ended_at IS NULL))
);
CREATE INDEX direct_payment_windows_person ON direct_payment_windows (person_ref);

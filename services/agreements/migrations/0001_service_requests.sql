-- Requests for service the brokerage team has received from the requests service.
-- times_recorded counts effects: it must stay 1 however often the event is redelivered.
CREATE TABLE received_requests (
    request_id      text        PRIMARY KEY,
    person_ref      text        NOT NULL,
    requested_start date        NOT NULL,
    event_id        uuid        NOT NULL,
    times_recorded  integer     NOT NULL DEFAULT 1,
    received_at     timestamptz NOT NULL DEFAULT now()
);

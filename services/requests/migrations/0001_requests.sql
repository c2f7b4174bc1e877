-- Requests for service. Personal details (names, addresses) stay in this service only.
CREATE TABLE service_requests (
    request_id      text        PRIMARY KEY,
    person_ref      text        NOT NULL,
    requested_by    text        NOT NULL,
    requested_start date        NOT NULL,
    needs           jsonb       NOT NULL DEFAULT '[]'::jsonb,
    status          text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      text        NOT NULL
);
CREATE INDEX service_requests_person ON service_requests (person_ref);

-- Allocations: which worker (social worker or brokerage officer) a person is allocated to, by a team
-- manager or a brokerage officer. Access to a person's requests comes from a current allocation,
-- never from having acted on the person. At most one current allocation per person and role;
-- an ended one stays, for the record.
CREATE TABLE person_allocations (
    allocation_id     text        PRIMARY KEY,
    person_ref        text        NOT NULL,
    worker_id         text        NOT NULL,
    worker_role       text        NOT NULL CHECK (worker_role IN ('social_worker', 'brokerage_officer')),
    allocated_by      text        NOT NULL,
    allocated_by_role text        NOT NULL,
    reason            text,
    allocated_at      timestamptz NOT NULL DEFAULT now(),
    ended_at          timestamptz,
    ended_by          text,
    end_reason        text,
    CHECK (allocated_by <> worker_id)
);
CREATE UNIQUE INDEX person_allocations_current ON person_allocations (person_ref, worker_role) WHERE ended_at IS NULL;
CREATE INDEX person_allocations_worker ON person_allocations (worker_id, worker_role) WHERE ended_at IS NULL;

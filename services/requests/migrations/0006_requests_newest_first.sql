-- GET /requests pages newest first on (created_at, request_id), by person, by status, or all
-- (shared/pagination.py): each order walks an index, however many requests a county holds.
CREATE INDEX service_requests_newest ON service_requests (created_at DESC, request_id DESC);
CREATE INDEX service_requests_person_newest ON service_requests (person_ref, created_at DESC, request_id DESC);
CREATE INDEX service_requests_status_newest ON service_requests (status, created_at DESC, request_id DESC);
DROP INDEX service_requests_person;
DROP INDEX service_requests_status;

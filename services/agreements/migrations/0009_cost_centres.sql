-- Cost centres: each agreement's (from the council's rule when drafted: the request's locality, else its
-- service type, else the default; an officer may change it). NULL: drafted before cost centres were kept.
ALTER TABLE agreements ADD COLUMN cost_centre text;
-- The locality a request named (ServiceRequested), for an agreement an officer drafts for that request.
ALTER TABLE received_requests ADD COLUMN locality text;

-- The council team or locality a request names (optional): carried on ServiceRequested and RequestApproved,
-- from which agreements takes the cost centre of the person's care.
ALTER TABLE service_requests ADD COLUMN locality text CHECK (locality IS NULL OR length(locality) BETWEEN 1 AND 40);

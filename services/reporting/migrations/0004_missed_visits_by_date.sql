-- The dashboard's missed-visit alerts read the most recent missed visits: by date, not by scanning.
CREATE INDEX missed_visit_fact_date ON missed_visit_fact (local_date);

-- Commitments by business date, and each agreement's cost centre.
-- Each agreement's weekly cost by business date, as its latest CommitmentChanged line said it:
-- [{from_date, weekly_pence}], one per version of its terms, each in force from its own date. Empty: only
-- weekly figures were ever published for it (the safety bound falls back to weekly_pence).
ALTER TABLE commitments ADD COLUMN rates jsonb NOT NULL DEFAULT '[]'::jsonb;
-- The council cost centre the agreement's spend is charged to (NULL: not said; payments' default applies).
ALTER TABLE agreements_on_file ADD COLUMN cost_centre text;

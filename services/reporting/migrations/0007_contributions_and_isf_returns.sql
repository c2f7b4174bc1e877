-- What a person's statement shows beyond spend (from invoicing.events): the contribution charged for
-- each four-weekly period, and what each period of an individual service fund (ISF) bought.

-- The person's charge per four-weekly period (ContributionCharged) at its latest revision: an older
-- revision read late, or one read again, changes nothing.
CREATE TABLE contribution_charge (
    person_ref         text    NOT NULL,
    period_start       date    NOT NULL,
    period_end         date    NOT NULL,
    revision           integer NOT NULL CHECK (revision >= 1),
    charge_id          text    NOT NULL,  -- this revision's id
    contribution_pence bigint  NOT NULL,  -- the assessed contribution for the days of care
    care_cost_pence    bigint  NOT NULL,  -- the cost of the care delivered in the period
    charged_pence      bigint  NOT NULL,  -- the period's charge: the smaller of the two
    capped             boolean NOT NULL,  -- charged the cost of care, below the contribution
    reason             text    NOT NULL,
    PRIMARY KEY (person_ref, period_start)
);

-- Accepted ISF returns (IsfReturnAccepted), one per ISF agreement and period: the period's budget and
-- spend, by type of support (hours and spend) and by sub-contractor (a business, never a person).
CREATE TABLE isf_return (
    return_id        text   PRIMARY KEY,
    agreement_id     text   NOT NULL,
    provider_id      text   NOT NULL,
    person_ref       text   NOT NULL,
    period_start     date   NOT NULL,
    period_end       date   NOT NULL,
    budget_pence     bigint NOT NULL,
    spend_pence      bigint NOT NULL,
    by_support       jsonb  NOT NULL,  -- [{"support_type", "hours": "12.50", "spend_pence"}]
    by_subcontractor jsonb  NOT NULL,  -- [{"subcontractor", "spend_pence"}]
    balance_pence    bigint NOT NULL   -- what the provider holds for the person after it
);
CREATE INDEX isf_return_by_person ON isf_return (person_ref, period_start);

-- Rate uplifts: a provider's rate card applied to its agreements of one service in one step. Who applied
-- it and when, and each agreement it reached: varied (the version it made, the card, the weekly cost
-- before and after) or skipped (why). A preview is not stored.
CREATE TABLE rate_uplifts (
    rate_uplift_id text        PRIMARY KEY,
    provider_id    text        NOT NULL REFERENCES providers,
    service_type   text        NOT NULL,
    effective_from date        NOT NULL,
    rate_card_id   text        NOT NULL REFERENCES rate_cards,
    applied_by     text        NOT NULL,
    applied_role   text        NOT NULL,
    applied_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX rate_uplifts_by_provider ON rate_uplifts (provider_id, applied_at);

CREATE TABLE rate_uplift_lines (
    rate_uplift_id      text    NOT NULL REFERENCES rate_uplifts,
    agreement_id        text    NOT NULL REFERENCES agreements,
    outcome             text    NOT NULL CHECK (outcome IN ('varied', 'skipped')),
    rate_card_id        text,
    version             integer,
    weekly_before_pence bigint,
    weekly_after_pence  bigint,
    reason              text    NOT NULL,
    PRIMARY KEY (rate_uplift_id, agreement_id),
    CHECK (outcome = 'skipped' OR (rate_card_id IS NOT NULL AND version IS NOT NULL
                                   AND weekly_before_pence IS NOT NULL AND weekly_after_pence IS NOT NULL))
);
CREATE INDEX rate_uplift_lines_by_agreement ON rate_uplift_lines (agreement_id);

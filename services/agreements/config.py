"""The agreements service's own settings, from environment variables (local-stack defaults).

CAREPAY_AGREEMENTS_DP_SECOND_PERSON_ABOVE_PENCE
                                     a direct payment variation that raises the four-weekly amount by more
                                     than this many pence is pending until a second officer (team manager or
                                     brokerage officer) approves it (default 100000 = £1,000; 0: every rise)
CAREPAY_AGREEMENTS_DP_REVIEWS_EVERY_S
                                     seconds between recounts of direct payment reviews due and overdue for
                                     the `carepay_dp_reviews` gauge (default 60)
CAREPAY_AGREEMENTS_COST_CENTRES      the council's cost-centre rule for agreements drafted from requests:
                                     `;`-separated `locality:<name>=<code>`, `service:<service_type>=<code>`
                                     and `default=<code>` (the locality first, then the service type, then the
                                     default; default ASC-CARE), e.g.
                                     `locality:NORTH=ASC-NORTH;service:residential=ASC-RES;default=ASC-CARE`
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

from services.agreements.domain.cost_centres import CostCentreRule, parse_cost_centre_rule
from services.agreements.domain.dp_variations import SECOND_PERSON_ABOVE_PENCE

SECOND_PERSON = "CAREPAY_AGREEMENTS_DP_SECOND_PERSON_ABOVE_PENCE"
REVIEWS_EVERY = "CAREPAY_AGREEMENTS_DP_REVIEWS_EVERY_S"
COST_CENTRES = "CAREPAY_AGREEMENTS_COST_CENTRES"


@dataclass(frozen=True)
class AgreementsConfig:
    dp_second_person_above_pence: int = SECOND_PERSON_ABOVE_PENCE
    dp_reviews_every_s: float = 60.0
    cost_centres: CostCentreRule = field(default_factory=CostCentreRule)


def agreements_config_from(env: Mapping[str, str]) -> AgreementsConfig:
    """The settings in `env`; SystemExit naming the variable when one is not a number it can be."""
    above = (env.get(SECOND_PERSON) or "").strip() or str(SECOND_PERSON_ABOVE_PENCE)
    if not above.isdigit():
        raise SystemExit(f"{SECOND_PERSON} must be a whole number of pence, 0 or more (got {above!r})")
    every = (env.get(REVIEWS_EVERY) or "").strip() or "60"
    try:
        every_s = float(every)
    except ValueError as exc:
        raise SystemExit(f"{REVIEWS_EVERY} must be a number of seconds (got {every!r})") from exc
    if not every_s > 0:
        raise SystemExit(f"{REVIEWS_EVERY} must be more than 0 seconds (got {every!r})")
    try:
        cost_centres = parse_cost_centre_rule(env.get(COST_CENTRES))
    except ValueError as exc:
        raise SystemExit(f"{COST_CENTRES}: {exc}") from exc
    return AgreementsConfig(int(above), every_s, cost_centres)


@lru_cache(maxsize=1)
def agreements_config() -> AgreementsConfig:
    """Read once per process."""
    return agreements_config_from(os.environ)

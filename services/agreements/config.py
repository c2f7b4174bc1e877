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

from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_settings import NoDecode

from services.agreements.domain.cost_centres import CostCentreRule, parse_cost_centre_rule
from services.agreements.domain.dp_variations import SECOND_PERSON_ABOVE_PENCE
from shared.settings_sources import CarepaySettings, setting

SECOND_PERSON = "CAREPAY_AGREEMENTS_DP_SECOND_PERSON_ABOVE_PENCE"
REVIEWS_EVERY = "CAREPAY_AGREEMENTS_DP_REVIEWS_EVERY_S"
COST_CENTRES = "CAREPAY_AGREEMENTS_COST_CENTRES"


def _rule(text: object) -> object:
    return parse_cost_centre_rule(text) if isinstance(text, str) else text


class AgreementsConfig(CarepaySettings):
    dp_second_person_above_pence: int = setting(SECOND_PERSON, SECOND_PERSON_ABOVE_PENCE, ge=0)
    dp_reviews_every_s: float = setting(REVIEWS_EVERY, 60.0, gt=0)
    cost_centres: Annotated[CostCentreRule, NoDecode, BeforeValidator(_rule)] = setting(COST_CENTRES, CostCentreRule())


def agreements_config_from(env: Mapping[str, str]) -> AgreementsConfig:
    """The settings in `env`; SystemExit naming each variable that is not what it must be."""
    return AgreementsConfig.read(env)


@lru_cache(maxsize=1)
def agreements_config() -> AgreementsConfig:
    """Read once per process."""
    return AgreementsConfig.read()

"""The queries service's settings, from environment variables (local-stack defaults).

CAREPAY_QUERIES_SLA_DEFAULT          "ack,resolve" working days for every category (default "2,20")
CAREPAY_QUERIES_SLA_<CATEGORY>       the same for one category, e.g. CAREPAY_QUERIES_SLA_LATE_PAYMENT=1,10
CAREPAY_QUERIES_SLA_EVERY_S          seconds between SLA breach checks (default 60)
CAREPAY_QUERIES_SECOND_PERSON_ABOVE_PENCE
                                     a credit note or supplementary payment above this many pence is
                                     only proposed, and a second finance approver approves it (default
                                     50000 = £500; 0: every one needs a second person)

A query keeps the policy it was raised under, so changing these moves no running deadline.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from pydantic import BeforeValidator, create_model
from pydantic_settings import NoDecode

from contracts.queries import QueryCategory
from services.queries.domain.errors import InvalidQuery
from services.queries.domain.lifecycle import SECOND_PERSON_ABOVE_PENCE
from services.queries.domain.sla import SlaPolicies, SlaPolicy
from shared.settings_sources import FILE_SUFFIX, CarepaySettings, environ, reading, setting

PREFIX = "CAREPAY_QUERIES_SLA_"
SECOND_PERSON = "CAREPAY_QUERIES_SECOND_PERSON_ABOVE_PENCE"


def parse_policy(raw: object) -> object:
    """'2,20' -> acknowledge within 2 working days, resolve within 20; ValueError saying what is wrong if not."""
    if not isinstance(raw, str):
        return raw
    parts = [p.strip() for p in raw.split(",")]
    try:
        if len(parts) != 2:
            raise ValueError
        return SlaPolicy(int(parts[0]), int(parts[1]))
    except InvalidQuery as exc:  # a ValueError too: caught first for its field and rule
        raise ValueError(f"{exc.field} {exc.rule}") from None
    except ValueError:
        raise ValueError("must be 'acknowledge,resolve' in whole working days, e.g. 2,20") from None


Policy = Annotated[SlaPolicy | None, NoDecode, BeforeValidator(parse_policy)]
QueriesSettings = create_model(
    "QueriesSettings", __base__=CarepaySettings,
    sla_default=(Policy, setting(f"{PREFIX}DEFAULT", None)),
    **{f"sla_{c.value}": (Policy, setting(f"{PREFIX}{c.value.upper()}", None)) for c in QueryCategory},
    sla_every_s=(float, setting(f"{PREFIX}EVERY_S", 60.0, gt=0)),
    second_person_above_pence=(int, setting(SECOND_PERSON, SECOND_PERSON_ABOVE_PENCE, ge=0)))


def _read(env: Mapping[str, str] | None):
    settings = QueriesSettings.read(env)
    with reading(env):
        known = set(QueriesSettings.variables())
        unknown = sorted(k for k in environ() if k.startswith(PREFIX) and k.removesuffix(FILE_SUFFIX) not in known)
    if unknown:  # a misspelt category would otherwise silently keep the default
        raise SystemExit(f"unknown setting {', '.join(unknown)}; categories are "
                         f"{', '.join(c.value.upper() for c in QueryCategory)}")
    return settings


def sla_policies(env: Mapping[str, str] | None = None) -> SlaPolicies:
    """The council's SLA from `env` (default os.environ): a default and per-category overrides."""
    settings = _read(env)
    by_category = {c: policy for c in QueryCategory if (policy := getattr(settings, f"sla_{c.value}"))}
    return SlaPolicies(settings.sla_default or SlaPolicy(), by_category)


def second_person_above(env: Mapping[str, str] | None = None) -> int:
    """Pence above which a money-moving outcome needs a second person; SystemExit naming the variable if bad."""
    return QueriesSettings.read(env).second_person_above_pence


@dataclass(frozen=True)
class QueriesConfig:
    sla: SlaPolicies
    sla_every_s: float
    second_person_above_pence: int = SECOND_PERSON_ABOVE_PENCE


@lru_cache(maxsize=1)
def config() -> QueriesConfig:
    settings = _read(None)
    return QueriesConfig(sla_policies(), settings.sla_every_s, settings.second_person_above_pence)

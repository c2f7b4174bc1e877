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

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from contracts.queries import QueryCategory
from services.queries.domain.errors import InvalidQuery
from services.queries.domain.lifecycle import SECOND_PERSON_ABOVE_PENCE
from services.queries.domain.sla import SlaPolicies, SlaPolicy

PREFIX = "CAREPAY_QUERIES_SLA_"
SECOND_PERSON = "CAREPAY_QUERIES_SECOND_PERSON_ABOVE_PENCE"


def parse_policy(name: str, raw: str) -> SlaPolicy:
    """'2,20' -> acknowledge within 2 working days, resolve within 20; SystemExit naming the variable if not."""
    parts = [p.strip() for p in raw.split(",")]
    try:
        if len(parts) != 2:
            raise ValueError
        return SlaPolicy(int(parts[0]), int(parts[1]))
    except InvalidQuery as exc:  # a ValueError too: caught first for its field and rule
        raise SystemExit(f"{name}: {exc.field} {exc.rule} (got {raw!r})") from exc
    except ValueError:
        raise SystemExit(f"{name} must be 'acknowledge,resolve' in whole working days, e.g. 2,20 (got {raw!r})")


def sla_policies(env: Mapping[str, str]) -> SlaPolicies:
    """The council's SLA from `env`: a default and per-category overrides."""
    default = parse_policy(f"{PREFIX}DEFAULT", env[f"{PREFIX}DEFAULT"]) if env.get(f"{PREFIX}DEFAULT") else SlaPolicy()
    by_category = {c: parse_policy(f"{PREFIX}{c.value.upper()}", env[f"{PREFIX}{c.value.upper()}"])
                   for c in QueryCategory if env.get(f"{PREFIX}{c.value.upper()}")}
    known = {f"{PREFIX}{c.value.upper()}" for c in QueryCategory} | {f"{PREFIX}DEFAULT", f"{PREFIX}EVERY_S"}
    unknown = sorted(k for k in env if k.startswith(PREFIX) and k not in known)
    if unknown:  # a misspelt category would otherwise silently keep the default
        raise SystemExit(f"unknown setting {', '.join(unknown)}; categories are "
                         f"{', '.join(c.value.upper() for c in QueryCategory)}")
    return SlaPolicies(default, by_category)


def second_person_above(env: Mapping[str, str]) -> int:
    """Pence above which a money-moving outcome needs a second person; SystemExit naming the variable if bad."""
    raw = (env.get(SECOND_PERSON) or "").strip() or str(SECOND_PERSON_ABOVE_PENCE)
    if not raw.isdigit():
        raise SystemExit(f"{SECOND_PERSON} must be a whole number of pence, 0 or more (got {raw!r})")
    return int(raw)


@dataclass(frozen=True)
class QueriesConfig:
    sla: SlaPolicies
    sla_every_s: float
    second_person_above_pence: int = SECOND_PERSON_ABOVE_PENCE


@lru_cache(maxsize=1)
def config() -> QueriesConfig:
    every = os.environ.get(f"{PREFIX}EVERY_S") or "60"
    try:
        every_s = float(every)
    except ValueError as exc:
        raise SystemExit(f"{PREFIX}EVERY_S must be a number of seconds (got {every!r})") from exc
    return QueriesConfig(sla_policies(os.environ), every_s, second_person_above(os.environ))

"""Cost centres: the council account every agreement's spend is charged to.

The council's rule (`CAREPAY_AGREEMENTS_COST_CENTRES`, e.g.
`locality:NORTH=ASC-NORTH;service:residential=ASC-RES;default=ASC-CARE`) gives an agreement drafted
from a request its cost centre: the request's locality first (matched without regard to case), then
the service type, then the default (ASC-CARE when the rule names none). A brokerage officer may set
another while drafting, or later by a variation; every agreement event carries the one it has.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from contracts.common import ServiceType
from services.agreements.domain.errors import Rejected

DEFAULT_COST_CENTRE = "ASC-CARE"
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,39}")
_LOCALITY = re.compile(r"[A-Za-z0-9 \-]{1,40}")


def _locality_key(locality: str) -> str:
    return " ".join(locality.split()).casefold()


@dataclass(frozen=True)
class CostCentreRule:
    """Cost centres by locality (keys folded: see `_locality_key`) and by service type, and the default."""

    by_locality: Mapping[str, str] = field(default_factory=dict)
    by_service: Mapping[ServiceType, str] = field(default_factory=dict)
    default: str = DEFAULT_COST_CENTRE

    def cost_centre_for(self, locality: str | None, service_type: ServiceType) -> str:
        """The request's locality when the rule names it, else the service type's, else the default."""
        if locality is not None and (found := self.by_locality.get(_locality_key(locality))):
            return found
        return self.by_service.get(service_type, self.default)


def parse_cost_centre_rule(text: str | None) -> CostCentreRule:
    """`;`-separated `locality:<name>=<code>`, `service:<service_type>=<code>` and `default=<code>`
    entries (empty: every agreement charged to ASC-CARE). ValueError naming the entry that is wrong:
    an unknown kind or service type, a bad code (1-40 letters, digits, `-` or `_`), a name given twice."""
    by_locality: dict[str, str] = {}
    by_service: dict[ServiceType, str] = {}
    default: str | None = None
    for entry in filter(None, (part.strip() for part in (text or "").split(";"))):
        key, sep, code = (s.strip() for s in entry.partition("="))
        if not sep or not _CODE.fullmatch(code):
            raise ValueError(f"entry {entry!r}: expected <kind>=<cost centre>, the cost centre 1-40 letters, "
                             "digits, '-' or '_'")
        kind, _, name = (s.strip() for s in key.partition(":"))
        if kind == "default" and not name:
            if default is not None:
                raise ValueError(f"entry {entry!r}: the default is given twice")
            default = code
        elif kind == "locality" and _LOCALITY.fullmatch(name):
            if _locality_key(name) in by_locality:
                raise ValueError(f"entry {entry!r}: locality {name!r} is given twice")
            by_locality[_locality_key(name)] = code
        elif kind == "service" and name in {s.value for s in ServiceType}:
            if ServiceType(name) in by_service:
                raise ValueError(f"entry {entry!r}: service {name!r} is given twice")
            by_service[ServiceType(name)] = code
        else:
            raise ValueError(f"entry {entry!r}: expected locality:<name>=, service:<service type>= (one of "
                             f"{', '.join(s.value for s in ServiceType)}) or default=")
    return CostCentreRule(by_locality, by_service, default or DEFAULT_COST_CENTRE)


def check_cost_centre(value: str) -> str:
    """An officer's cost centre: 1-40 letters, digits, `-` or `_`, starting with a letter or digit."""
    code = value.strip()
    if not _CODE.fullmatch(code):
        raise Rejected("cost_centre", "must be 1-40 letters, digits, '-' or '_' (a council cost centre code such "
                                      "as ASC-NORTH)")
    return code

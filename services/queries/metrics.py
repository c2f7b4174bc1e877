"""Business metrics of queries, on the shared registry (counters are exposed with `_total`).

Times are in working days in England (the unit of the SLA), so a histogram reads against it directly.
"""
from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Iterable
from datetime import datetime

from prometheus_client import Counter, Gauge, Histogram

from contracts.queries import (QueryAcknowledged, QueryEffectCompleted, QueryEffectFailed, QueryEvent, QueryRaised,
                               QueryRated, QueryResolved, QuerySlaBreached)
from services.queries.domain.query import Query
from services.queries.domain.sla import age_band_of, working_days_taken
from shared.metrics import REGISTRY

_WORKING_DAYS = (0, 1, 2, 3, 5, 10, 15, 20, 30, 60)

RAISED = Counter("carepay_queries_raised", "Queries raised, by category and the side that raised them.",
                 ["category", "raised_by"], registry=REGISTRY)
OPEN = Gauge("carepay_queries_open", "Queries not yet closed, by category and age band (working days since raised).",
             ["category", "age_band"], registry=REGISTRY)
SLA_BREACHES = Counter("carepay_query_sla_breaches", "SLA deadlines missed, announced as they pass.",
                       ["sla", "category"], registry=REGISTRY)
# The unit is the SLA's (working days, not a span of seconds: weekends and bank holidays do not count), named last.
TO_ACKNOWLEDGE = Histogram("carepay_query_acknowledgement_workdays",
                           "Working days from raising to acknowledgement.",
                           ["category"], buckets=_WORKING_DAYS, registry=REGISTRY)
TO_RESOLVE = Histogram("carepay_query_resolution_workdays", "Working days from (re)opening to resolution.",
                       ["category"], buckets=_WORKING_DAYS, registry=REGISTRY)
SATISFACTION = Counter("carepay_query_satisfaction", "Ratings of closed queries by their raisers (1 poor - 5 very "
                       "good).", ["rating"], registry=REGISTRY)
EFFECTS = Counter("carepay_query_effects", "Effect results recorded, by outcome and result (completed, failed).",
                  ["outcome", "result"], registry=REGISTRY)


def observe(query: Query, events: Iterable[QueryEvent]) -> None:
    """Count what a committed step of `query` published."""
    category = query.category.value
    for e in events:
        if isinstance(e, QueryRaised):
            RAISED.labels(category, e.raised_by_role.value).inc()
        elif isinstance(e, QueryAcknowledged):
            TO_ACKNOWLEDGE.labels(category).observe(e.working_days_taken)
        elif isinstance(e, QueryResolved):
            TO_RESOLVE.labels(category).observe(e.working_days_taken)
        elif isinstance(e, QueryRated):
            SATISFACTION.labels(str(e.rating)).inc()
        elif isinstance(e, QuerySlaBreached):
            SLA_BREACHES.labels(e.sla.value, category).inc()
        elif isinstance(e, QueryEffectCompleted):
            EFFECTS.labels(e.outcome.value, "completed").inc()
        elif isinstance(e, QueryEffectFailed):
            EFFECTS.labels(e.outcome.value, "failed").inc()


def set_open(open_queries: Iterable[tuple[str, datetime]], now: datetime) -> None:
    """Replace the open-queries gauge: every (category, band) seen is set, bands now empty drop to 0."""
    counts = Tally((category, age_band_of(working_days_taken(raised_at, now)).value)
                   for category, raised_at in open_queries)
    for labels in list(OPEN._metrics):  # noqa: SLF001 - zero the series that emptied since the last count
        if labels not in counts:
            OPEN.labels(*labels).set(0)
    for (category, band), n in counts.items():
        OPEN.labels(category, band).set(n)


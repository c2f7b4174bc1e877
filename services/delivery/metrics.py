"""Business metrics of delivery monitoring, on the shared registry (names used by dashboards and alerts).

Counters are exposed with the `_total` suffix, e.g. `carepay_attendances_total{source,outcome}`.
"""
from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram

from shared.metrics import REGISTRY

ATTENDANCES = Counter("carepay_attendances", "Attendance records received, by feed and where each ended "
                      "(verified, unallocated, rejected).", ["source", "outcome"], registry=REGISTRY)
VISITS_VERIFIED = Counter("carepay_visits_verified", "Carer visits verified: a first revision (new) or a later "
                          "one (revised).", ["kind"], registry=REGISTRY)
VERIFIED_PENCE = Counter("carepay_verified_amount_pence", "Pence of carer visits verified for the first time.",
                         registry=REGISTRY)
CORRECTIONS = Counter("carepay_visit_corrections", "Corrections that changed what a visit pays, by whether its "
                      "week was already confirmed (the difference then becomes an adjustment).", ["week"],
                      registry=REGISTRY)
CORRECTION_PENCE = Counter("carepay_visit_correction_pence", "Pence moved by corrections, by direction.",
                           ["direction"], registry=REGISTRY)
MISSED = Counter("carepay_visits_missed", "Planned visits with no attendance by their cut-off (safeguarding "
                 "alerts raised).", registry=REGISTRY)
UNALLOCATED_BACKLOG = Gauge("carepay_unallocated_backlog", "Unallocated records waiting for an officer.",
                            registry=REGISTRY)
PERIODS_CONFIRMED = Counter("carepay_period_actuals_confirmed", "Agreement-weeks of actuals confirmed, by whom.",
                            ["by"], registry=REGISTRY)
FEED_FILES = Counter("carepay_feed_files", "Visit files uploaded, by format and outcome (accepted, duplicate, "
                     "refused).", ["format", "outcome"], registry=REGISTRY)
INGEST_BATCH_SECONDS = Histogram("carepay_ingest_batch_seconds", "Time to ingest one batch of records (one "
                                 "transaction).", ["source"], registry=REGISTRY,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def observe_outcomes(source: str, outcomes: Iterable[str]) -> None:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome] = counts.get(outcome, 0) + 1
    for outcome, n in counts.items():
        ATTENDANCES.labels(source, outcome).inc(n)


def observe_changes(changes) -> None:
    # Counted first and added once per batch: a labelled counter's inc takes a lock each time.
    new = pence = 0
    revised: list = []
    for c in changes:
        if c.before is None:
            new += 1
            pence += c.after.amount_pence
        else:
            revised.append(c)
    if new:
        VISITS_VERIFIED.labels("new").inc(new)
        VERIFIED_PENCE.inc(pence)
    if revised:
        VISITS_VERIFIED.labels("revised").inc(len(revised))
    for c in revised:
        if c.is_correction:
            CORRECTIONS.labels("confirmed" if c.week_confirmed else "open").inc()
            if c.amount_delta:
                CORRECTION_PENCE.labels("up" if c.amount_delta > 0 else "down").inc(abs(c.amount_delta))

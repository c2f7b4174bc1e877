"""Delivered spend counts each visit and carer once, at its latest revision."""
from __future__ import annotations

from datetime import date, datetime, timezone

from contracts.delivery import VisitFlag, VisitMissed, VisitVerified
from services.reporting.domain.aggregates import Deltas, Dims
from services.reporting.domain.visits import attendance_contributions, missed, missed_contributions, verified

DIMS = Dims("home_care", "PRV-000000001", "P-1", mechanism="council_arranged")
DAY = date(2026, 3, 4)  # a Wednesday


def visit(revision: int, amount: int, *, carer: str = "C-1", flags: tuple[str, ...] = ()) -> VisitVerified:
    return VisitVerified(agreement_id="AGR-1", person_ref="P-1", provider_id="PRV-000000001",
                         visit_key="AGR-1/2026-03-04T08:00", visit_id="V-1", carer_id=carer, revision=revision,
                         local_date=DAY, week_start=date(2026, 3, 2),
                         planned_start=datetime(2026, 3, 4, 8, tzinfo=timezone.utc), planned_minutes=30,
                         actual_minutes=30, payable_minutes=30, rate_pence_per_hour=2400, amount_pence=amount,
                         flags=[VisitFlag(code=f, reason=f) for f in flags])


def apply(events: list[VisitVerified]) -> Deltas:
    deltas, held = Deltas(), {}
    for event in events:
        key = (event.visit_key, event.carer_id)
        newer = verified(held.get(key), event)
        if newer is not None:
            deltas.replace(attendance_contributions(held.get(key), DIMS), attendance_contributions(newer, DIMS))
            held[key] = newer
    return deltas


def spend_row(deltas: Deltas, grain: str = "provider", kind: str = "month", group: str = "") -> tuple[int, ...]:
    start = date(2026, 3, 1) if kind == "month" else date(2026, 3, 2)
    key = (grain, kind, start, group, "home_care", "PRV-000000001", "council_arranged")
    return dict(deltas.changes("spend")).get(key)


def quality(deltas: Deltas) -> tuple[int, ...]:
    return dict(deltas.changes("visit_quality"))[("month", date(2026, 3, 1), "PRV-000000001")]


def test_a_correction_replaces_the_amount_it_never_adds_to_it():
    deltas = apply([visit(1, 1200), visit(2, 900)])
    assert spend_row(deltas) == (900, 0, 0)
    assert spend_row(deltas, "person", "week", "P-1") == (900, 0, 0)
    assert quality(deltas)[0] == 1  # still one attendance


def test_an_older_or_repeated_revision_changes_nothing():
    assert spend_row(apply([visit(2, 900), visit(1, 1200), visit(2, 900)])) == (900, 0, 0)


def test_each_carer_of_a_double_up_is_counted():
    assert spend_row(apply([visit(1, 1200), visit(1, 1200, carer="C-2")])) == (2400, 0, 0)


def test_a_correction_that_clears_a_late_flag_clears_it_in_quality():
    deltas = apply([visit(1, 1200, flags=("late", "short")), visit(2, 1200, flags=("short",))])
    assert quality(deltas) == (1, 0, 1, 0)


def test_a_missed_double_up_counts_two_missed_attendances():
    event = VisitMissed(agreement_id="AGR-1", person_ref="P-1", provider_id="PRV-000000001", visit_key="AGR-1/x",
                        local_date=DAY, planned_start=datetime(2026, 3, 4, 8, tzinfo=timezone.utc),
                        planned_minutes=30, carers_required=2)
    deltas = Deltas()
    deltas.add(missed_contributions(missed(event), DIMS))
    assert quality(deltas) == (0, 0, 0, 2)
    assert not deltas.changes("spend")


def test_moving_facts_to_a_known_service_type_leaves_nothing_under_unknown():
    event = visit(1, 1200)
    fact = verified(None, event)
    unknown = Dims("unknown", "PRV-000000001", "P-1")
    deltas = Deltas()
    deltas.add(attendance_contributions(fact, unknown))
    deltas.replace(attendance_contributions(fact, unknown), attendance_contributions(fact, DIMS))
    assert {k[4] for k, _ in deltas.changes("spend")} == {"home_care"}

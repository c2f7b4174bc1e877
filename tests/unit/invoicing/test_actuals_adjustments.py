"""Corrections delivery sends for weeks already confirmed: applied once, in revision order."""
from __future__ import annotations

from datetime import date

from services.invoicing.domain.adjustments import Adjustment, HeldVisit, apply_adjustment
from tests.unit.invoicing.invoicing_builders import MONDAY, day

HELD = HeldVisit("AGR-1", MONDAY, "AGR-1/2026-03-03T09:00:00", "V-0303", "C-1", day(1), 60, 2400, 2400, 1)


def _adjust(delta: int, revision: int = 2, key: str = HELD.visit_key) -> Adjustment:
    return Adjustment("AGR-1", MONDAY, key, "C-1", delta, revision)


def test_a_newer_revision_changes_the_amount_and_the_minutes_follow_at_the_hourly_rate():
    after = apply_adjustment(HELD, _adjust(-600))
    assert (after.amount_pence, after.payable_minutes, after.revision) == (1800, 45, 2)
    assert (after.visit_id, after.local_date) == ("V-0303", day(1))


def test_a_revision_already_applied_changes_nothing():
    assert apply_adjustment(HELD, _adjust(-600, revision=1)) is None
    assert apply_adjustment(apply_adjustment(HELD, _adjust(-600)), _adjust(-600)) is None


def test_a_carer_never_confirmed_becomes_a_line_dated_by_the_visit_key():
    new = apply_adjustment(None, _adjust(2400, key="AGR-1/2026-03-04T09:00:00"))
    assert (new.local_date, new.amount_pence, new.carer_id, new.revision) == (date(2026, 3, 4), 2400, "C-1", 2)
    unreadable = apply_adjustment(None, _adjust(2400, key="AGR-1/visit-7"))
    assert unreadable.local_date == MONDAY and unreadable.visit_id == "visit-7"


def test_an_adjustment_never_makes_a_line_negative():
    assert apply_adjustment(HELD, _adjust(-5000)).amount_pence == 0

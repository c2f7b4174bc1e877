"""Re-verifying a visit when records arrive: revisions, corrections, carers arriving late, moves (visit_changes.py)."""
from __future__ import annotations

from datetime import date, time

from services.delivery.domain.rates import rate_table
from services.delivery.domain.verification import AgreementTerms, verify_visit
from services.delivery.domain.visit_changes import StoredVisit, departures, reverify
from services.delivery.domain.visit_rules import FlagCode
from services.delivery.events import change_events

from .builders import planned, record

TERMS = AgreementTerms(rate_table({date(2024, 1, 1): 2400}))


def stored(visit, *records, revision: int = 1) -> list[StoredVisit]:
    """What the store holds after verifying `records` at `visit`."""
    by_carer = {r.carer_id: r for r in records}
    return [StoredVisit(v, by_carer[v.carer_id], f"rec-{v.carer_id}", revision, False)
            for v in verify_visit(visit, list(records), TERMS)]


def test_a_first_record_is_revision_1_and_not_a_correction():
    [change] = reverify(planned(), [], [("r1", record())], TERMS)
    assert (change.revision, change.is_correction, change.amount_delta, change.after.amount_pence) == (
        1, False, 1200, 1200)


def test_the_same_record_sent_again_changes_nothing():
    visit = planned()
    assert reverify(visit, stored(visit, record()), [("r2", record())], TERMS) == []


def test_a_correction_is_the_next_revision_with_the_difference():
    visit = planned()
    [change] = reverify(visit, stored(visit, record(minutes=15)), [("r2", record(minutes=30))], TERMS)
    assert (change.revision, change.is_correction, change.minutes_before, change.amount_before,
            change.amount_delta) == (2, True, 15, 600, 600)
    verified, corrected = change_events([change])
    assert (verified.revision, corrected.amount_pence_delta, corrected.week_already_confirmed) == (2, 600, False)


def test_a_second_carer_arriving_later_is_paid_and_clears_the_first_carers_flag_without_a_correction():
    visit = planned(carers=2)
    before = stored(visit, record(carer_id="C-1"))
    assert [f.code for f in before[0].verified.flags] == [FlagCode.FEWER_CARERS_THAN_REQUIRED]
    changes = {c.after.carer_id: c for c in reverify(visit, before, [("r2", record(carer_id="C-2"))], TERMS)}
    assert (changes["C-1"].revision, changes["C-1"].after.flags, changes["C-1"].is_correction) == (2, (), False)
    assert (changes["C-2"].revision, changes["C-2"].after.amount_pence) == (1, 1200)
    assert [type(e).__name__ for e in change_events(changes.values())] == ["VisitVerified", "VisitVerified"]


def test_an_earlier_check_in_arriving_later_makes_the_other_carer_the_unpaid_extra():
    visit = planned(carers=1)
    before = stored(visit, record(carer_id="C-1", late_by=5))
    changes = {c.after.carer_id: c for c in reverify(visit, before, [("r2", record(carer_id="C-2"))], TERMS)}
    assert (changes["C-1"].after.amount_pence, changes["C-1"].amount_delta) == (0, -1200)
    assert changes["C-2"].after.amount_pence == 1200  # never two paid for a one-carer visit


def test_a_carer_corrected_onto_another_visit_is_withdrawn_from_the_first():
    morning, evening = planned(), planned(at=time(18))
    at_morning = stored(morning, record(visit_id="V-9"))
    leaving = departures(at_morning, {("PRV-X", "V-9", "C-1"): evening.key, ("1-123456789", "V-9", "C-1"): evening.key})
    assert leaving == {morning.key: {"C-1"}}
    [withdrawn] = reverify(morning, at_morning, [], TERMS, leaving=leaving[morning.key], week_confirmed=True)
    assert (withdrawn.withdrawn, withdrawn.after.amount_pence, withdrawn.amount_delta, withdrawn.revision) == (
        True, 0, -1200, 2)
    assert withdrawn.after.flags[-1].code is FlagCode.WITHDRAWN
    assert change_events([withdrawn])[1].week_already_confirmed is True


def test_an_attendance_that_stays_at_its_visit_is_not_a_departure():
    morning = planned()
    at_morning = stored(morning, record(visit_id="V-9"))
    assert departures(at_morning, {("1-123456789", "V-9", "C-1"): morning.key}) == {}

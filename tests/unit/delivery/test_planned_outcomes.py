"""A confirmed week's planned visits and their outcomes (domain/planned_outcomes.py)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

from contracts import agreements as contracts
from contracts import delivery as delivery_contract
from services.delivery.domain.attendance import ExceptionCode
from services.delivery.domain.known_agreements import known_agreement
from services.delivery.domain.missed import due_missed
from services.delivery.domain.planned_outcomes import CarerAttendance, outcome_of, planned_outcomes
from services.delivery.events import planned_visit_outcomes
from shared.clock import london_local

from .builders import AGREEMENT, MONDAY, agreement_event, book_with, utc

EVERY_DAY_AT_NINE = [(d, "09:00", 30, 1) for d in ("monday", "tuesday", "wednesday", "thursday", "friday",
                                                    "saturday", "sunday")]
WEDNESDAY, THURSDAY, FRIDAY = MONDAY + timedelta(days=2), MONDAY + timedelta(days=3), MONDAY + timedelta(days=4)


def attended(day: date, *, at: time = time(9), code: ExceptionCode | None = None, minutes: int = 30,
             carers: int = 1) -> CarerAttendance:
    start = london_local(datetime.combine(day, at))
    return CarerAttendance(f"{AGREEMENT}/{day.isoformat()}/{at:%H:%M}", day, start, minutes, carers, code)


def outcomes(event, *records: CarerAttendance, week: date = MONDAY) -> dict[str, str]:
    schedule = known_agreement(event, utc(2024, 1, 1, 0)).schedule
    return {o.visit_key.split("/", 1)[1]: o.outcome for o in planned_outcomes(schedule, week, records)}


def test_each_visit_of_the_week_has_its_outcome():
    event = agreement_event(*EVERY_DAY_AT_NINE)
    got = outcomes(event, attended(MONDAY), attended(MONDAY + timedelta(days=1),
                                                    code=ExceptionCode.CANCELLED_SHORT_NOTICE),
                   attended(WEDNESDAY, code=ExceptionCode.NOACCESS), attended(THURSDAY, code=ExceptionCode.HOSPITAL))
    assert got == {"2024-03-04/09:00": "delivered", "2024-03-05/09:00": "cancelled", "2024-03-06/09:00": "no_access",
                   "2024-03-07/09:00": "hospital", "2024-03-08/09:00": "missed", "2024-03-09/09:00": "missed",
                   "2024-03-10/09:00": "missed"}


def test_a_suspended_day_lists_its_slots_as_suspended_not_missed():
    suspension = contracts.SuspensionPeriod(suspended_from=THURSDAY, resumed_on=FRIDAY + timedelta(days=1),
                                            reason="hospital")
    event = agreement_event(*EVERY_DAY_AT_NINE, ("thursday", "18:00", 30, 1), suspensions=[suspension])
    got = outcomes(event, attended(THURSDAY, code=ExceptionCode.HOSPITAL))
    # Thursday 09:00 has the hospital record; the rest of Thursday and Friday were suspended; Saturday resumed.
    assert got["2024-03-07/09:00"] == "hospital"
    assert got["2024-03-07/18:00"] == "suspended" and got["2024-03-08/09:00"] == "suspended"
    assert got["2024-03-09/09:00"] == "missed" and got["2024-03-06/09:00"] == "missed"
    assert len(got) == 8


def test_a_two_carer_visit_with_one_carer_is_delivered_and_says_two_were_required():
    event = agreement_event(("monday", "09:00", 60, 2))
    schedule = known_agreement(event, utc(2024, 1, 1, 0)).schedule
    [visit] = planned_outcomes(schedule, MONDAY, [attended(MONDAY, minutes=60, carers=2)])
    assert (visit.outcome, visit.carers_required, visit.planned_minutes) == ("delivered", 2, 60)
    [nobody] = planned_outcomes(schedule, MONDAY, [])
    assert nobody.outcome == "missed"


def test_any_attendance_delivers_a_visit_whatever_another_carer_recorded():
    assert outcome_of([attended(MONDAY, code=ExceptionCode.NOACCESS), attended(MONDAY)],
                      suspended=False) == "delivered"
    assert outcome_of([attended(MONDAY, code=ExceptionCode.CANCELLED_SHORT_NOTICE),
                       attended(MONDAY, code=ExceptionCode.HOSPITAL)], suspended=False) == "hospital"
    assert outcome_of([], suspended=True) == "suspended" and outcome_of([], suspended=False) == "missed"
    # A record on a day later suspended (a back-dated suspension) still says what happened.
    assert outcome_of([attended(MONDAY)], suspended=True) == "delivered"


def test_only_days_within_the_agreement_are_planned():
    event = agreement_event(*EVERY_DAY_AT_NINE, start=WEDNESDAY, end=FRIDAY)
    assert sorted(outcomes(event)) == ["2024-03-06/09:00", "2024-03-07/09:00", "2024-03-08/09:00"]


def test_a_visit_verified_at_a_slot_the_schedule_has_since_dropped_is_still_listed():
    event = agreement_event(("monday", "09:00", 30, 1))
    got = outcomes(event, attended(MONDAY, at=time(14)))
    assert got == {"2024-03-04/09:00": "missed", "2024-03-04/14:00": "delivered"}
    # No schedule (an agreement delivery cannot plan): only what records were verified at.
    assert [o.outcome for o in planned_outcomes(None, MONDAY, [attended(MONDAY)])] == ["delivered"]


def test_a_week_entered_after_the_fact_lists_its_missed_visits_though_no_live_alert_was_raised():
    event = agreement_event(*EVERY_DAY_AT_NINE)
    # Delivery learned of the agreement a month after the week: the live check raises none of its visits ...
    book = book_with(event, known_since=utc(2024, 4, 8, 10))
    assert due_missed(book, since=None, now=utc(2024, 4, 8, 12)) == []
    # ... but the week, confirmed with one visit attended, lists the six others as missed.
    schedule = book.agreements[AGREEMENT].schedule
    got = [o.outcome for o in planned_outcomes(schedule, MONDAY, [attended(MONDAY)])]
    assert got == ["delivered"] + ["missed"] * 6


def test_the_outcomes_go_out_on_period_actuals_confirmed_in_planned_start_order():
    event = agreement_event(("tuesday", "09:00", 30, 1), ("monday", "17:30", 45, 2))
    schedule = known_agreement(event, utc(2024, 1, 1, 0)).schedule
    planned = planned_visit_outcomes(planned_outcomes(schedule, MONDAY, []))
    confirmed = delivery_contract.PeriodActualsConfirmed(
        agreement_id=AGREEMENT, person_ref="SU-0001", provider_id="PRV-1", week_start=MONDAY, confirmed_by="auto",
        lines=[], adjustments=[], payable_minutes=0, amount_pence=0, adjustments_pence=0, planned=planned)
    assert [(p.visit_key, p.planned_start, p.planned_minutes, p.carers_required, p.outcome)
            for p in confirmed.planned] == [
        (f"{AGREEMENT}/2024-03-04/17:30", utc(2024, 3, 4, 17, 30), 45, 2, "missed"),
        (f"{AGREEMENT}/2024-03-05/09:00", utc(2024, 3, 5, 9), 30, 1, "missed")]

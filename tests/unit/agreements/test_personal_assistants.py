"""Personal assistants: employed under an agreed direct payment that still pays, from its start at the
earliest, at hourly rates by time band (a day rate for every kind of day, each band and day once), by
the employer the nominee names; their events carry neither name nor account."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from contracts.agreements import DayCategory, EndReason, PersonalAssistantRate, TimeBand
from contracts.common import Nominee
from services.agreements.domain.direct_payments import DirectPayment, DirectPaymentStatus
from services.agreements.domain.errors import Conflict, Rejected
from services.agreements.domain.personal_assistants import (KEEP, PersonalAssistant, check_rates,
                                                            may_act_as_employer)
from services.agreements.events import personal_assistant_registered

START = date(2026, 3, 2)
DAY = PersonalAssistantRate(time_band=TimeBand.DAY, hourly_pence=1250)
NIGHT = PersonalAssistantRate(time_band=TimeBand.NIGHT, hourly_pence=1400)
BANK_HOLIDAY = PersonalAssistantRate(time_band=TimeBand.DAY, day_category=DayCategory.BANK_HOLIDAY, hourly_pence=2500)
NIGHT_WEEKEND = PersonalAssistantRate(time_band=TimeBand.NIGHT, day_category=DayCategory.WEEKEND, hourly_pence=1600)


def payment(nominee: Nominee = Nominee.COUNCIL, status: DirectPaymentStatus = DirectPaymentStatus.AGREED,
            end: date | None = None) -> DirectPayment:
    return DirectPayment("DP-1", "P-1", 30000, 0, START, status=status, nominee=nominee, first_review=date(2026, 9, 2),
                         end=end, end_reason=EndReason.OTHER if end else None, payee_set_by="u-1", agreed_by="u-2")


def register(dp: DirectPayment | None = None, **kw) -> PersonalAssistant:
    fields = {"employee_ref": "EMP-1", "employed_from": START, "employed_to": None, "rates": [DAY, NIGHT]} | kw
    return PersonalAssistant.register(dp or payment(), **fields)


def refusal(call, kind: type[Exception] = Rejected) -> tuple[str, str]:
    """(field, rule) of a refusal: of the request itself (Rejected, 422), or by what it meets (Conflict, 409)."""
    with pytest.raises(kind) as caught:
        call()
    return caught.value.field, caught.value.rule


def test_a_pa_is_registered_under_an_agreed_direct_payment_with_a_pa_id():
    pa = register(employed_to=date(2026, 12, 31))
    assert pa.pa_id.startswith("PA-") and len(pa.pa_id) == 15 and pa.pa_id != register().pa_id
    assert (pa.direct_payment_id, pa.person_ref, pa.employee_ref) == ("DP-1", "P-1", "EMP-1")
    assert (pa.employed_from, pa.employed_to, pa.rates) == (START, date(2026, 12, 31), (DAY, NIGHT))


@pytest.mark.parametrize("status", [DirectPaymentStatus.DRAFT, DirectPaymentStatus.CANCELLED])
def test_a_direct_payment_not_agreed_employs_nobody(status):
    field, rule = refusal(lambda: register(payment(status=status)), Conflict)
    assert field == "agreement_id" and f"is {status}" in rule


def test_an_ended_direct_payment_employs_nobody_after_its_end_but_did_before():
    ended = payment(status=DirectPaymentStatus.ENDED, end=date(2026, 4, 30))
    assert refusal(lambda: register(ended, employed_from=date(2026, 5, 1)), Conflict) == (
        "agreement_id", "the direct payment ended on 2026-04-30: it employs nobody after")
    assert register(ended, employed_from=date(2026, 4, 30)).employed_from == date(2026, 4, 30)


def test_employment_starts_no_earlier_than_the_direct_payment_and_ends_after_it_starts():
    assert refusal(lambda: register(employed_from=date(2026, 3, 1)), Conflict) == (
        "employed_from", "must not be before the direct payment's start 2026-03-02")
    assert refusal(lambda: register(employed_from=date(2026, 4, 1), employed_to=date(2026, 3, 31)))[0] == "employed_to"
    assert register(employed_to=START).employed_to == START  # one day is a day


def test_rates_need_the_day_rate_for_every_kind_of_day():
    field, rule = refusal(lambda: check_rates([NIGHT, BANK_HOLIDAY]))
    assert field == "rates" and "time_band day with no day_category" in rule
    assert check_rates([DAY]) == (DAY,)


def test_a_band_and_kind_of_day_has_one_rate():
    twice = PersonalAssistantRate(time_band=TimeBand.NIGHT, hourly_pence=1500)
    assert refusal(lambda: check_rates([DAY, NIGHT, BANK_HOLIDAY, twice])) == (
        "rates.3", "a second rate for time band night on every kind of day: give each one rate")
    assert check_rates([DAY, NIGHT, NIGHT_WEEKEND]) == (DAY, NIGHT, NIGHT_WEEKEND)  # band alone and with a day differ


def test_an_hourly_rate_must_be_above_nothing():
    with pytest.raises(ValueError, match="greater than 0"):
        PersonalAssistantRate(time_band=TimeBand.DAY, hourly_pence=0)


def test_a_variation_changes_rates_or_the_end_and_keeps_the_rest():
    pa = register(employed_to=date(2026, 12, 31))
    repriced = pa.vary(payment(), rates=[DAY, BANK_HOLIDAY])
    assert (repriced.rates, repriced.employed_to, repriced.pa_id) == ((DAY, BANK_HOLIDAY), date(2026, 12, 31), pa.pa_id)
    assert pa.vary(payment(), employed_to=None).employed_to is None
    assert pa.vary(payment(), employed_to=date(2026, 6, 30)).rates == pa.rates
    assert refusal(lambda: pa.vary(payment()))[0] == "rates"
    assert refusal(lambda: pa.vary(payment(), employed_to=date(2026, 3, 1)), Conflict)[0] == "employed_to"
    assert refusal(lambda: pa.vary(payment(), rates=[NIGHT], employed_to=KEEP))[0] == "rates"


@pytest.mark.parametrize("nominee, employers", [
    (Nominee.COUNCIL, {"brokerage_officer", "finance_officer"}),
    (Nominee.PERSON, {"person", "brokerage_officer"}),
    (Nominee.THIRD_PARTY, {"brokerage_officer"}),
])
def test_the_nominee_says_who_acts_as_employer(nominee, employers):
    roles = ("social_worker", "brokerage_officer", "finance_officer", "finance_approver", "ops", "person",
             "provider", "personal_assistant", "team_manager")
    dp = payment(nominee)
    assert {r for r in roles if may_act_as_employer(r, "P-1" if r == "person" else None, dp)} == employers


def test_a_person_employs_only_under_their_own_direct_payment():
    dp = payment(Nominee.PERSON)
    assert may_act_as_employer("person", "P-1", dp)
    assert not may_act_as_employer("person", "P-2", dp)
    assert not may_act_as_employer("person", None, dp)
    assert not may_act_as_employer("brokerage_officer", None, replace(dp, nominee=None))


def test_the_event_carries_the_pa_as_they_stand_and_no_name_or_account():
    pa = register(employed_to=date(2026, 12, 31), rates=[DAY, NIGHT_WEEKEND])
    event = personal_assistant_registered(pa)
    assert event.aggregate_id() == pa.pa_id
    assert event.model_dump(mode="json") == {
        "pa_id": pa.pa_id, "direct_payment_id": "DP-1", "person_ref": "P-1", "employee_ref": "EMP-1",
        "employed_from": "2026-03-02", "employed_to": "2026-12-31",
        "rates": [{"time_band": "day", "day_category": None, "hourly_pence": 1250},
                  {"time_band": "night", "day_category": "weekend", "hourly_pence": 1600}]}

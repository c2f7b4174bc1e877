"""What delivery knows of agreements (known_agreements.py) and where each record of a batch goes (sorting.py)."""
from __future__ import annotations

from datetime import date, time, timedelta

from contracts import agreements as contracts
from services.delivery.domain.known_agreements import AgreementBook
from services.delivery.domain.sorting import sort_batch
from services.delivery.domain.validation import validate_batch

from .builders import MONDAY, PERSON, PROVIDER, agreement_event, book_with, raw

MORNING = ("monday", "09:00", 30, 1)


def sorted_raws(book, *raws, provider_ref: str | None = None):
    return sort_batch(validate_batch(list(raws), provider_ref=provider_ref), book)


def reasons(result) -> list[tuple[int, str, str | None]]:
    return sorted([(r.reject.row, r.reject.reason, r.reject.field) for r in result.refused]
                  + [(h.row, h.reason, None) for h in result.held])


def test_a_record_is_matched_to_its_planned_visit_by_the_providers_cqc_or_location_id():
    book = book_with(agreement_event(MORNING), refs=(PROVIDER, "1-999999999"))
    result = sorted_raws(book, raw(), raw(provider_ref="1-999999999", carer_id="C-2"))
    [(visit, arrivals)] = result.matched.values()
    assert visit.key == "AGR-1/2024-03-04/09:00" and visit.provider_ref == "PRV-1"
    assert [(a.row, a.provider_id) for a in arrivals] == [(0, "PRV-1"), (1, "PRV-1")]


def test_an_unknown_provider_or_person_is_rejected_with_the_field():
    book = book_with(agreement_event(MORNING))
    result = sorted_raws(book, raw(provider_ref="1-000000000"), raw(service_user_ref="SU-UNKNOWN"), raw(carer_id=""))
    assert reasons(result) == [(0, "unknown_provider", "provider_ref"), (1, "unknown_service_user", "service_user_ref"),
                               (2, "missing_carer_id", "carer_id")]
    assert result.matched == {}


def test_a_record_from_the_topic_that_fails_validation_is_the_rejected_record_of_the_provider_it_names():
    book = book_with(agreement_event(MORNING))
    result = sorted_raws(book, raw(carer_id=""), raw(provider_ref="1-000000000", carer_id=""), ["not", "a record"])
    assert [(r.reject.reason, r.provider_id) for r in result.refused] == [
        ("missing_carer_id", "PRV-1"), ("missing_carer_id", None), ("not_an_object", None)]


def test_a_later_record_in_the_same_batch_corrects_the_earlier_one():
    book = book_with(agreement_event(MORNING))
    result = sorted_raws(book, raw(check_out="2024-03-04T09:15:00Z"), raw(carer_id="C-2"), raw())
    [(_, arrivals)] = result.matched.values()
    assert [a.row for a in arrivals] == [1, 2]
    assert result.superseded == {0: 2}


def test_a_record_far_from_any_planned_visit_is_held_for_an_officer():
    book = book_with(agreement_event(MORNING))
    result = sorted_raws(book, raw(planned_start="2024-03-04T14:00:00Z", planned_end="2024-03-04T14:30:00Z",
                                   check_in="2024-03-04T14:00:00Z", check_out="2024-03-04T14:30:00Z"),
                         raw(visit_id="V-2", planned_start="2024-03-05T09:00:00Z", planned_end="2024-03-05T09:30:00Z",
                             check_in="2024-03-05T09:00:00Z", check_out="2024-03-05T09:30:00Z"))
    assert reasons(result) == [(0, "no_planned_visit_within_2_hours", None), (1, "no_planned_visit_that_day", None)]


def test_an_unallocated_record_says_when_the_agreement_is_suspended_ended_or_paid_on_plan():
    suspended = agreement_event(MORNING, suspensions=[contracts.SuspensionPeriod(suspended_from=MONDAY,
                                                                                 reason="hospital")])
    assert reasons(sorted_raws(book_with(suspended), raw())) == [(0, "agreement_suspended", None)]
    ended = agreement_event(MORNING, start=MONDAY - timedelta(days=14), end=MONDAY - timedelta(days=1))
    assert reasons(sorted_raws(book_with(ended), raw())) == [(0, "outside_agreement_dates", None)]
    on_plan = agreement_event(MORNING, basis="plan")
    assert reasons(sorted_raws(book_with(on_plan), raw())) == [(0, "agreement_paid_on_plan", None)]
    elsewhere = agreement_event(MORNING, provider_id="PRV-OTHER")
    assert reasons(sorted_raws(book_with(elsewhere), raw())) == [(0, "no_agreement_with_provider", None)]


def test_a_visit_with_no_hourly_rate_in_force_is_held_not_priced_at_nothing():
    per_visit = [contracts.AgreementTerms(version=1, effective_from=MONDAY, rates=[
        contracts.Rate(unit="visit", amount_pence=1500)], schedule=[contracts.ScheduledVisit(
            weekday="monday", start_time=time(9), duration_minutes=30)])]
    result = sorted_raws(book_with(agreement_event(versions=per_visit)), raw())
    assert reasons(result) == [(0, "no_rate_in_force", None)]


def test_the_terms_in_force_are_those_of_the_highest_version_dated_on_or_before_the_day():
    v1 = contracts.AgreementTerms(version=1, effective_from=MONDAY,
                                  rates=[contracts.Rate(unit="hour", amount_pence=2400)])
    v2 = contracts.AgreementTerms(version=2, effective_from=date(2024, 3, 11),
                                  rates=[contracts.Rate(unit="hour", amount_pence=3000)])
    v3 = contracts.AgreementTerms(version=3, effective_from=date(2024, 3, 6),  # back-dated after v2
                                  rates=[contracts.Rate(unit="hour", amount_pence=2700)])
    agreement = book_with(agreement_event(versions=[v1, v2, v3])).agreements["AGR-1"]
    prices = {day: agreement.terms_on(day).terms.rate_on(day, time(9))
              for day in (MONDAY, date(2024, 3, 6), date(2024, 3, 12))}
    assert prices == {MONDAY: 2400, date(2024, 3, 6): 2700, date(2024, 3, 12): 2700}


def test_a_changed_agreement_replaces_its_planned_visits():
    book = book_with(agreement_event(MORNING))
    assert [v.key for v in book.planned_on("AGR-1", MONDAY)] == ["AGR-1/2024-03-04/09:00"]
    book.put_agreement(book_with(agreement_event(("monday", "11:00", 30, 1))).agreements["AGR-1"])
    assert [v.key for v in book.planned_on("AGR-1", MONDAY)] == ["AGR-1/2024-03-04/11:00"]
    assert book.knows_person(PERSON) and not book.knows_person("SU-9")


def test_a_feed_may_name_its_provider_by_any_cqc_id_but_never_another_provider():
    book = book_with(agreement_event(MORNING), refs=(PROVIDER, "1-999999999"))
    book.put_provider("PRV-2", ("1-222222222",))
    batch = validate_batch([raw(provider_ref="1-999999999"), raw(provider_ref="1-222222222", carer_id="C-2"),
                            raw(provider_ref="1-000000000", carer_id="C-3")])
    result = sort_batch(batch, book, feed_provider_id="PRV-1")
    assert reasons(result) == [(1, "provider_mismatch", "provider_ref"), (2, "provider_mismatch", "provider_ref")]
    assert [a.row for a in result.arrivals] == [0]
    # The message names the record's CQC ID, and the feed's provider_id with its own CQC IDs.
    assert result.refused[0].reject.message == (
        f'provider_ref "1-222222222" is not a CQC ID of PRV-1 ({PROVIDER}, 1-999999999), the provider this feed '
        "was sent for: send each provider's visits under its own provider_id")


def test_a_providers_cqc_ids_are_named_a_few_at_most():
    book = AgreementBook()
    book.put_provider("PRV-1", tuple(f"1-10000000{i}" for i in range(7)))
    assert book.knows_provider("PRV-1") and not book.knows_provider("1-100000000")
    assert book.refs_named("PRV-1") == "1-100000000, 1-100000001, 1-100000002, 1-100000003, 1-100000004 and 2 more"
    assert book.refs_named("PRV-NONE") == "no CQC ID known"

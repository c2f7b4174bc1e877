"""Re-verifying a visit a query's resolution corrected: which carer, the corrected record, and the
VisitCorrected that answers the query (domain/reverification.py, events.answered)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest

from contracts import delivery as contract
from contracts import queries
from services.delivery.domain.attendance import CheckInMethod, ExceptionCode
from services.delivery.domain.rates import rate_table
from services.delivery.domain.reverification import Refusal, carer_to_correct, corrected_record
from services.delivery.domain.verification import AgreementTerms, verify_visit
from services.delivery.domain.visit_changes import StoredVisit, reverify
from services.delivery.events import answered

from .builders import planned, record, utc

TERMS = AgreementTerms(rate_table({date(2024, 1, 1): 2400}))
VISIT_KEY = "AGR-1/2024-03-04/09:00"


def request(check_in, check_out, carer_id=None):
    return queries.VisitReverificationRequested(query_id="QRY-1", effect_id="EFF-1", visit_id=VISIT_KEY,
                                                carer_id=carer_id, corrected_check_in=check_in,
                                                corrected_check_out=check_out)


def stored(visit, *records):
    by_carer = {r.carer_id: r for r in records}
    return [StoredVisit(v, by_carer[v.carer_id], f"rec-{v.carer_id}", 1, False)
            for v in verify_visit(visit, list(records), TERMS)]


def test_the_only_carer_of_a_visit_is_the_one_corrected():
    assert carer_to_correct(["C-1"], None, VISIT_KEY) == "C-1"


def test_a_two_carer_visit_needs_the_carer_named():
    with pytest.raises(Refusal, match="has 2 carers \\(C-1, C-2\\): name the carer"):
        carer_to_correct(["C-1", "C-2"], None, VISIT_KEY)
    assert carer_to_correct(["C-1", "C-2"], "C-2", VISIT_KEY) == "C-2"


def test_a_carer_with_no_attendance_at_the_visit_is_refused():
    with pytest.raises(Refusal, match="carer C-9 has no attendance"):
        carer_to_correct(["C-1"], "C-9", VISIT_KEY)


def test_a_missed_visit_has_no_attendance_to_correct():
    with pytest.raises(Refusal, match="a missed visit has none"):
        carer_to_correct([], None, VISIT_KEY)


def test_the_corrected_record_keeps_the_visit_and_carer_and_takes_the_officers_times_as_a_manual_entry():
    frustrated = record(minutes=None, exception_code="NOACCESS")
    assert frustrated.exception_code == ExceptionCode.NOACCESS
    fixed = corrected_record(frustrated, utc(2024, 3, 4, 9, 0), utc(2024, 3, 4, 9, 30))
    assert (fixed.visit_id, fixed.carer_id, fixed.planned_start) == (frustrated.visit_id, "C-1",
                                                                     frustrated.planned_start)
    assert (fixed.check_in, fixed.check_out, fixed.check_in_method, fixed.exception_code) == (
        utc(2024, 3, 4, 9, 0), utc(2024, 3, 4, 9, 30), CheckInMethod.MANUAL, None)


def test_a_longer_corrected_stay_is_the_next_revision_and_its_correction_echoes_the_query():
    visit = planned()
    short = record(minutes=10)
    fixed = corrected_record(short, short.check_in, short.check_in + timedelta(minutes=30))
    changes = reverify(visit, stored(visit, short), [("query:QRY-1:EFF-1", fixed)], TERMS)
    verified, corrected = answered(changes, "C-1", request(fixed.check_in, fixed.check_out))
    assert isinstance(verified, contract.VisitVerified) and verified.revision == 2
    assert isinstance(corrected, contract.VisitCorrected)
    assert (corrected.query_id, corrected.effect_id, corrected.revision) == ("QRY-1", "EFF-1", 2)
    assert (corrected.payable_minutes_before, corrected.payable_minutes_after, corrected.amount_pence_delta) == (
        15, 30, 600)


def test_a_correction_that_leaves_the_pay_unchanged_still_answers_the_query():
    visit = planned()
    on_time = record(minutes=30)
    fixed = corrected_record(on_time, on_time.check_in + timedelta(minutes=2), on_time.check_out)
    changes = reverify(visit, stored(visit, on_time), [("query:QRY-1:EFF-1", fixed)], TERMS)
    assert not changes[0].is_correction  # 28 minutes still round to 30: the pay is the same
    events = answered(changes, "C-1", request(fixed.check_in, fixed.check_out))
    assert [type(e).__name__ for e in events] == ["VisitVerified", "VisitCorrected"]
    assert (events[1].amount_pence_delta, events[1].query_id) == (0, "QRY-1")

"""A query's re-verification of a visit: which carer's record it corrects, and the record it becomes.

What cannot be done (no attendance stored, which carer is unclear) is a `Refusal` with the reason: it is
answered with VisitReverificationRefused, so the query shows why.
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.delivery.domain.attendance import AttendanceRecord, CheckInMethod


class Refusal(Exception):
    """Why a requested re-verification cannot be done (published, not raised to the consumer)."""


def carer_to_correct(carers: Sequence[str], asked: str | None, visit_key: str) -> str:
    """The carer whose attendance the query corrects: the one named, or the visit's only carer."""
    if not carers:
        raise Refusal(f"no attendance is recorded for visit {visit_key} (a missed visit has none): the provider "
                      "sends the carer's record through its feed, or an officer allocates an unallocated one")
    if asked is not None:
        if asked not in carers:
            raise Refusal(f"carer {asked} has no attendance at visit {visit_key} (carers: {', '.join(carers)})")
        return asked
    if len(carers) > 1:
        raise Refusal(f"visit {visit_key} has {len(carers)} carers ({', '.join(carers)}): name the carer whose "
                      "times are corrected")
    return carers[0]


def corrected_record(stored: AttendanceRecord, check_in: datetime, check_out: datetime) -> AttendanceRecord:
    """The carer's record with the times an officer established: a manual entry, no exception code
    (the carer attended between these times)."""
    return stored.model_copy(update={"check_in": check_in, "check_out": check_out,
                                     "check_in_method": CheckInMethod.MANUAL, "exception_code": None})

"""How a query ends, and the effect each outcome asks another service to carry out.

An outcome names its effect in the words of the business (a credit note of so many pence against
an invoice, a visit re-verified with corrected times ...). `bind` fills in what the subject
already says (the invoice of an invoice query) and refuses what cannot apply to it. The effect is
then pending until the owning service reports it completed (with a link to what it produced) or
failed (with a reason shown on the query). `no_change` has no effect.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Union

from contracts.queries import (AgreementVariationRequested, CreditNoteRequested, EffectRequested, OutcomeKind,
                               SubjectKind, SupplementaryPaymentRequested, VisitReverificationRequested)
from services.queries.domain.errors import InvalidQuery, a, required_text, utc

if TYPE_CHECKING:
    from services.queries.domain.query import Subject

LONGEST_VISIT = timedelta(hours=24)


def _pence(amount: int, what: str = "amount_pence") -> int:
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidQuery(what, "must be a whole number of pence")
    if amount <= 0:
        raise InvalidQuery(what, "must be more than 0 pence (use no_change when nothing is owed)")
    return amount


@dataclass(frozen=True)
class NoChange:
    kind = OutcomeKind.NO_CHANGE


@dataclass(frozen=True)
class CreditNote:
    """The provider was paid too much: invoicing credits `amount_pence` against the invoice."""

    amount_pence: int
    invoice_id: str | None = None  # defaults to the subject when the query is about an invoice
    provider_id: str | None = None  # filled from the subject
    kind = OutcomeKind.CREDIT_NOTE

    def __post_init__(self) -> None:
        _pence(self.amount_pence)


@dataclass(frozen=True)
class SupplementaryPayment:
    """The provider was paid too little: a supplementary invoice pays `amount_pence` more."""

    amount_pence: int
    provider_id: str | None = None  # filled from the subject
    relates_to_invoice_id: str | None = None
    kind = OutcomeKind.SUPPLEMENTARY_PAYMENT

    def __post_init__(self) -> None:
        _pence(self.amount_pence)


@dataclass(frozen=True)
class ReverifyVisit:
    """The attendance was recorded wrongly: delivery re-verifies the visit with these times."""

    corrected_check_in: datetime
    corrected_check_out: datetime
    visit_id: str | None = None  # defaults to the subject when the query is about a visit
    carer_id: str | None = None  # which carer, on a two-carer visit

    kind = OutcomeKind.REVERIFY_VISIT

    def __post_init__(self) -> None:
        check_in = utc(self.corrected_check_in, "corrected_check_in")
        check_out = utc(self.corrected_check_out, "corrected_check_out")
        if check_out <= check_in:
            raise InvalidQuery("corrected_check_out", "must be after corrected_check_in")
        if check_out - check_in > LONGEST_VISIT:
            raise InvalidQuery("corrected_check_out", "a visit lasts at most 24 hours; check the dates")
        object.__setattr__(self, "corrected_check_in", check_in)
        object.__setattr__(self, "corrected_check_out", check_out)


@dataclass(frozen=True)
class VaryAgreement:
    """The agreement itself is wrong: agreements drafts a variation from `effective_from`.

    `description` says what to change; it stays on the query (the event carries only refs).
    """

    effective_from: date
    description: str
    agreement_id: str | None = None  # defaults to the subject when the query is about an agreement
    kind = OutcomeKind.VARY_AGREEMENT

    def __post_init__(self) -> None:
        required_text(self.description, "description")


Outcome = Union[NoChange, CreditNote, SupplementaryPayment, ReverifyVisit, VaryAgreement]


def bind(outcome: Outcome, subject: "Subject") -> Outcome:
    """The outcome with the references the subject supplies filled in; InvalidQuery if it cannot apply."""
    if isinstance(outcome, CreditNote):
        invoice_id = outcome.invoice_id or _own_id(subject, SubjectKind.INVOICE)
        if not invoice_id:
            raise InvalidQuery("invoice_id", f"a credit note is against an invoice: name it (this query is"
                                             f" about {a(subject.kind.value)})")
        return replace(outcome, invoice_id=invoice_id, provider_id=_provider_of(subject, "a credit note"))
    if isinstance(outcome, SupplementaryPayment):
        return replace(outcome, provider_id=_provider_of(subject, "a supplementary payment"),
                       relates_to_invoice_id=outcome.relates_to_invoice_id or _own_id(subject, SubjectKind.INVOICE))
    if isinstance(outcome, ReverifyVisit):
        visit_id = outcome.visit_id or _own_id(subject, SubjectKind.VISIT)
        if not visit_id:
            raise InvalidQuery("visit_id", f"name the visit to re-verify (this query is about {a(subject.kind.value)})")
        return replace(outcome, visit_id=visit_id)
    if isinstance(outcome, VaryAgreement):
        agreement_id = outcome.agreement_id or _own_id(subject, SubjectKind.AGREEMENT)
        if not agreement_id:
            raise InvalidQuery("agreement_id", f"name the agreement to vary (this query is about"
                                               f" {a(subject.kind.value)})")
        return replace(outcome, agreement_id=agreement_id)
    return outcome


def _own_id(subject: "Subject", kind: SubjectKind) -> str | None:
    return subject.subject_id if subject.kind == kind else None


def _provider_of(subject: "Subject", what: str) -> str:
    if not subject.provider_id:
        raise InvalidQuery("outcome", f"{what} goes to a provider, and this {subject.kind.value} has none;"
                                      " a direct payment is corrected by varying it (vary_agreement)")
    return subject.provider_id


# Outcomes whose effect moves money: chosen only by finance, at most once per query.
MONEY_MOVING = frozenset({OutcomeKind.CREDIT_NOTE, OutcomeKind.SUPPLEMENTARY_PAYMENT})


def moves_money(kind: OutcomeKind) -> bool:
    return kind in MONEY_MOVING


def amount_of(outcome: Outcome) -> int | None:
    return getattr(outcome, "amount_pence", None)


def effect_request(query_id: str, effect_id: str, outcome: Outcome) -> EffectRequested | None:
    """The event asking the owning service to carry out a bound outcome (None for no_change)."""
    ids = {"query_id": query_id, "effect_id": effect_id}
    if isinstance(outcome, CreditNote):
        return CreditNoteRequested(**ids, invoice_id=outcome.invoice_id, provider_id=outcome.provider_id,
                                   amount_pence=outcome.amount_pence)
    if isinstance(outcome, SupplementaryPayment):
        return SupplementaryPaymentRequested(**ids, provider_id=outcome.provider_id, amount_pence=outcome.amount_pence,
                                             relates_to_invoice_id=outcome.relates_to_invoice_id)
    if isinstance(outcome, ReverifyVisit):
        return VisitReverificationRequested(**ids, visit_id=outcome.visit_id, carer_id=outcome.carer_id,
                                            corrected_check_in=outcome.corrected_check_in,
                                            corrected_check_out=outcome.corrected_check_out)
    if isinstance(outcome, VaryAgreement):
        return AgreementVariationRequested(**ids, agreement_id=outcome.agreement_id,
                                           effective_from=outcome.effective_from)
    return None


class EffectStatus(StrEnum):
    PENDING = "pending"
    COMPLETED = "completed"
    FAILED = "failed"


@dataclass(frozen=True)
class Effect:
    """What an outcome asked another service to do, and what came of it."""

    effect_id: str
    kind: OutcomeKind
    requested_at: datetime
    status: EffectStatus = EffectStatus.PENDING
    settled_at: datetime | None = None
    result_ref: str | None = None  # credit note, supplementary invoice, visit or variation id
    failure_reason: str | None = None
    retry_of: str | None = None  # the failed effect this one asks again for (retry_effect)

    @property
    def pending(self) -> bool:
        return self.status == EffectStatus.PENDING

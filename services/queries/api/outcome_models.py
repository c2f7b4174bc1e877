"""How a query is resolved, as the API takes and shows it: one shape per outcome kind (`kind` tells which),
so each kind's document says what it needs. Money in whole pence, times with a UTC offset."""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter

from contracts.queries import OutcomeKind
from services.queries.domain.outcomes import (CreditNote, NoChange, Outcome, ReverifyVisit, SupplementaryPayment,
                                              VaryAgreement)
from services.queries.api.fields import Instant, PlausibleDay, Prose, whole_number
from shared.bounds import Key, Reference

MAX_PENCE = 10 ** 11  # a billion pounds: past any credit or supplementary payment a query could decide
# The bounds before the validator: nested as Annotated[WholeNumber, Field(...)], pydantic left them out of the
# schema as minimum/maximum (it wrote "ge"/"le"), so the document allowed the 0 the model refused.
Pence = Annotated[int, Field(ge=1, le=MAX_PENCE, description="Whole pence, more than 0 (no_change when nothing is owed)."),
                  BeforeValidator(whole_number)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoChangeIn(_In):
    """Nothing changes: the answer is in the summary."""

    kind: Literal[OutcomeKind.NO_CHANGE]

    def to_outcome(self) -> Outcome:
        return NoChange()


class CreditNoteIn(_In):
    """The provider was paid too much: invoicing credits `amount_pence` against the invoice (finance only)."""

    kind: Literal[OutcomeKind.CREDIT_NOTE]
    amount_pence: Pence
    invoice_id: Reference | None = Field(default=None, description="Defaults to the query's subject when it is an "
                                                                     "invoice; required otherwise.")

    def to_outcome(self) -> Outcome:
        return CreditNote(self.amount_pence, self.invoice_id)


class SupplementaryPaymentIn(_In):
    """The provider was paid too little: a supplementary invoice pays `amount_pence` more (finance only)."""

    kind: Literal[OutcomeKind.SUPPLEMENTARY_PAYMENT]
    amount_pence: Pence
    relates_to_invoice_id: Reference | None = Field(default=None, description="Defaults to the query's subject when "
                                                                               "it is an invoice.")

    def to_outcome(self) -> Outcome:
        return SupplementaryPayment(self.amount_pence, relates_to_invoice_id=self.relates_to_invoice_id)


class ReverifyVisitIn(_In):
    """The attendance was recorded wrongly: delivery re-verifies the visit with these times (check-out after
    check-in, at most 24 hours later)."""

    kind: Literal[OutcomeKind.REVERIFY_VISIT]
    corrected_check_in: Instant
    corrected_check_out: Instant
    visit_id: Key | None = Field(default=None, description="The visit_key of the visit to re-verify; defaults to the "
                                                           "query's subject when it is a visit, required otherwise.")
    carer_id: Key | None = Field(default=None, description="Which carer, on a two-carer visit.")

    def to_outcome(self) -> Outcome:
        return ReverifyVisit(self.corrected_check_in, self.corrected_check_out, self.visit_id, self.carer_id)


class VaryAgreementIn(_In):
    """The agreement itself is wrong: agreements drafts a variation from `effective_from`."""

    kind: Literal[OutcomeKind.VARY_AGREEMENT]
    effective_from: PlausibleDay = Field(description="Within 20 years back and 10 years ahead of today.")
    description: Prose = Field(description="What to vary in the agreement (stays in queries).")
    agreement_id: Reference | None = Field(default=None, description="Defaults to the query's subject when it is an "
                                                                     "agreement (or a direct payment's agreement).")

    def to_outcome(self) -> Outcome:
        return VaryAgreement(self.effective_from, self.description, self.agreement_id)


OutcomeIn = Annotated[Union[NoChangeIn, CreditNoteIn, SupplementaryPaymentIn, ReverifyVisitIn, VaryAgreementIn],
                      Field(discriminator="kind")]


class NoChangeOut(BaseModel):
    kind: Literal[OutcomeKind.NO_CHANGE]


class CreditNoteOut(BaseModel):
    kind: Literal[OutcomeKind.CREDIT_NOTE]
    amount_pence: int
    invoice_id: str | None
    provider_id: str | None


class SupplementaryPaymentOut(BaseModel):
    kind: Literal[OutcomeKind.SUPPLEMENTARY_PAYMENT]
    amount_pence: int
    provider_id: str | None
    relates_to_invoice_id: str | None


class ReverifyVisitOut(BaseModel):
    kind: Literal[OutcomeKind.REVERIFY_VISIT]
    corrected_check_in: datetime
    corrected_check_out: datetime
    visit_id: str | None
    carer_id: str | None


class VaryAgreementOut(BaseModel):
    kind: Literal[OutcomeKind.VARY_AGREEMENT]
    effective_from: date
    description: str
    agreement_id: str | None


OutcomeOut = Annotated[Union[NoChangeOut, CreditNoteOut, SupplementaryPaymentOut, ReverifyVisitOut, VaryAgreementOut],
                       Field(discriminator="kind")]
_OUTCOME_OUT: TypeAdapter[Any] = TypeAdapter(OutcomeOut)


def outcome_out(outcome: Outcome) -> Any:
    """The outcome as the API shows it (the references the subject supplied filled in)."""
    return _OUTCOME_OUT.validate_python({"kind": outcome.kind, **{name: getattr(outcome, name) for name in
                                                                   outcome.__dataclass_fields__}})

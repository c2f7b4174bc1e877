"""agreements.events is kept for ever and read in full by invoicing, reporting, delivery, queries and
requests, which need only a yes/no: no event published there carries bank details, a payee's name,
an account fingerprint or a free-text reason. Bank details reach payments alone, on
agreements.payee-accounts."""
from __future__ import annotations

import typing
from datetime import date

from pydantic import BaseModel

from contracts import agreements as contract, payee_accounts
from contracts.common import Nominee
from contracts.envelope import Actor
from contracts.registry import all_events
from contracts.topics import BY_NAME
from shared.events import Cause
from services.agreements.domain.direct_payments import DirectPayment
from services.agreements.events import agreement_event, direct_payment_agreed, without_reason
from tests.unit.agreements.builders import residential

# A provider's registered (company) name is public; a direct payment's payee may be a private person.
PUBLIC_NAMES = {("ProviderRegistered", "name")}
# Reason fields that are codes (enums), not free text.
FREE_TEXT_WORDS = ("reason", "note", "comment", "name", "fingerprint", "account")


def _current_agreements_events() -> list[type]:
    """The version of each event type on agreements.events that agreements publishes (the highest)."""
    latest: dict[str, type] = {}
    for (event_type, version), model in all_events().items():
        if model.TOPIC == contract.TOPIC and version >= getattr(latest.get(event_type), "SCHEMA_VERSION", 0):
            latest[event_type] = model
    return list(latest.values())


def _types_in(annotation) -> list:
    args = typing.get_args(annotation)
    return [annotation, *[t for a in args for t in _types_in(a)]] if args else [annotation]


def _fields(model: type[BaseModel], path: str) -> list[tuple[str, str, object]]:
    """(dotted path, field name, annotation) of every field of `model` and of the models inside it."""
    found = []
    for name, info in model.model_fields.items():
        found.append((f"{path}.{name}", name, info.annotation))
        for t in _types_in(info.annotation):
            if isinstance(t, type) and issubclass(t, BaseModel) and t is not model:
                found.extend(_fields(t, f"{path}.{name}"))
    return found


def test_no_published_agreements_event_has_a_bank_account_or_free_text_field():
    events = _current_agreements_events()
    assert len(events) == 16
    offending = []
    for model in events:
        for where, name, annotation in _fields(model, model.EVENT_TYPE):
            types_ = _types_in(annotation)
            if contract.BankAccount in types_:
                offending.append(f"{where}: a BankAccount")
            free_text = str in types_ and not any(isinstance(t, type) and issubclass(t, str) and t is not str
                                                  for t in types_)
            if free_text and any(w in name for w in FREE_TEXT_WORDS) and (model.EVENT_TYPE, name) not in PUBLIC_NAMES:
                offending.append(f"{where}: free text")
    # AgreementTerms.reason stays in the schema only for records from before; agreement_event never sets it.
    assert offending == [f"{e}.terms.reason: free text" for e in
                         ("AgreementActivated", "AgreementVaried", "AgreementSuspended", "AgreementResumed",
                          "AgreementEnded")]


def test_the_account_bearing_events_are_on_a_topic_only_agreements_owns_and_not_kept_for_ever():
    topic = BY_NAME[payee_accounts.TOPIC]
    assert (topic.owner, topic.retention_ms) == ("agreements", 30 * 24 * 60 * 60 * 1000)
    carrying = {event_type for (event_type, version), model in all_events().items()
                if model.TOPIC == payee_accounts.TOPIC}
    assert carrying == {"PayeeBankDetailsEntered", "PayeeBankDetailsVerified", "PayeeBankDetailsRejected",
                        "DirectPaymentPayeeAccountSet"}


def test_a_variations_free_text_reason_is_not_published():
    varied = residential("P-1").vary(date(2026, 4, 1), reason="hospital stay after a fall")
    event = agreement_event(contract.AgreementVaried, varied, version=2, effective_from=date(2026, 4, 1))
    assert [t.reason for t in event.terms] == [None, None]
    assert "fall" not in event.model_dump_json()


def test_an_actors_free_text_reason_is_left_out_of_what_agreements_publishes():
    cause = Cause("corr-1", "req-1", Actor(id="u-1", role="social_worker", reason="admitted to hospital"))
    assert without_reason(cause) == Cause("corr-1", "req-1", Actor(id="u-1", role="social_worker"))


def test_a_direct_payments_payee_account_goes_only_on_the_payee_accounts_topic():
    account = contract.BankAccount(sort_code="200000", account_number="12345678", account_name="MRS J SMITH")
    payment = DirectPayment(agreement_id="DP-1", person_ref="P-1", request_id=None, start=date(2026, 4, 6),
                            weekly_budget_pence=30000, weekly_contribution_pence=5000,
                            nominee=Nominee.PERSON, first_review=date(2026, 9, 1))
    agreed, payee = direct_payment_agreed(payment, account)
    assert agreed.TOPIC == "agreements.events" and "SMITH" not in agreed.model_dump_json()
    assert "12345678" not in agreed.model_dump_json()
    assert (payee.TOPIC, payee.aggregate_id(), payee.payee_account) == ("agreements.payee-accounts", "DP-1", account)

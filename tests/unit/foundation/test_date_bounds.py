"""Dates a client sends are bounded around today (Europe/London): a date far off, which would drive a
walk over weeks or periods past any timeout, is refused (422) naming the field."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from services.invoicing.api.models import PreviewIn
from services.payments.api.models import ProposeIn
from shared.clock import london_date, utcnow, within_window
from shared.errors import RuleBroken

TODAY = london_date(utcnow())


def test_a_pay_date_in_the_year_4397_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        ProposeIn(pay_date=date(4397, 3, 6))
    [error] = refused.value.errors()
    assert error["loc"] == ("pay_date",) and error["type"] == "value_error"
    assert "pay_date: 4397-03-06 is outside" in error["msg"]


@pytest.mark.parametrize("day", [TODAY - timedelta(days=367), TODAY + timedelta(days=732), date(1, 1, 1)])
def test_a_pay_date_outside_a_year_back_to_two_years_ahead_is_refused(day):
    with pytest.raises(ValidationError):
        ProposeIn(pay_date=day)


@pytest.mark.parametrize("day", [TODAY, TODAY - timedelta(days=366), TODAY + timedelta(days=731)])
def test_a_pay_date_within_the_window_is_accepted(day):
    assert ProposeIn(pay_date=day).pay_date == day


def test_an_invoice_preview_period_far_off_is_refused_naming_the_field():
    with pytest.raises(ValidationError) as refused:
        PreviewIn(agreement_id="AGR-1", period_start=TODAY, period_end=date(9999, 12, 31))
    assert [e["loc"] for e in refused.value.errors()] == [("period_end",)]
    assert PreviewIn(agreement_id="AGR-1", period_start=TODAY - timedelta(days=5 * 365)).period_end is None


def test_the_shared_window_is_a_rule_broken_naming_the_field():
    with pytest.raises(RuleBroken) as refused:
        within_window(date(2030, 1, 1), "week_start", back_days=7, ahead_days=7, today=date(2026, 1, 1))
    assert refused.value.field == "week_start"
    assert "2030-01-01 is outside 2025-12-25 to 2026-01-08" in refused.value.rule
    assert within_window(date(2026, 1, 8), "week_start", back_days=7, ahead_days=7, today=date(2026, 1, 1))


def _every_request_date_field():
    """Each date field of every request model an HTTP route accepts (models named *In, and RequestIn)."""
    import importlib
    import inspect
    import pkgutil
    import typing

    from pydantic import BaseModel

    found = []
    for service in ("agreements", "invoicing", "payments", "queries", "requests"):
        api = importlib.import_module(f"services.{service}.api")
        # api/models.py, and the models split from it by intent (api/*_models.py)
        modules = [importlib.import_module(f"{api.__name__}.{m.name}") for m in pkgutil.iter_modules(api.__path__)
                   if m.name == "models" or m.name.endswith("_models")]
        for module, (name, model) in ((m, c) for m in modules for c in inspect.getmembers(m, inspect.isclass)):
            if not (issubclass(model, BaseModel) and model.__module__ == module.__name__ and name.endswith("In")):
                continue
            for field, info in model.model_fields.items():
                kinds = typing.get_args(info.annotation) or (info.annotation,)
                if date in kinds or any(typing.get_origin(k) is typing.Annotated and typing.get_args(k)[0] is date
                                        for k in kinds) or (typing.get_origin(info.annotation) is None
                                                            and info.annotation is date):
                    found.append((f"{service}.{name}", field, info))
    return found


def _bounded(info) -> bool:
    import typing

    if any(getattr(m, "func", None) is not None for m in info.metadata):
        return True
    return any(typing.get_origin(k) is typing.Annotated and typing.get_args(k)[0] is date
               and any(getattr(m, "func", None) is not None for m in k.__metadata__)
               for k in typing.get_args(info.annotation))


def test_every_date_a_client_sends_is_bounded():
    """No request model takes a bare date: each is checked against a window around today."""
    unbounded = [f"{model}.{field}" for model, field, info in _every_request_date_field() if not _bounded(info)]
    assert len(_every_request_date_field()) >= 15
    assert unbounded == []


@pytest.mark.parametrize("model, field, value", [
    ("services.agreements.api.models.EndIn", "end", date(4397, 3, 6)),
    ("services.agreements.api.models.SuspendIn", "suspended_from", date(1, 1, 1)),
    ("services.requests.api.models.RequestIn", "requested_start", date(9999, 12, 31)),
    ("services.payments.api.models.LedgerEntryIn", "on", date(4397, 3, 6)),
])
def test_a_date_centuries_away_is_refused_naming_its_field(model, field, value):
    import importlib

    module, name = model.rsplit(".", 1)
    cls = getattr(importlib.import_module(module), name)
    with pytest.raises(ValidationError) as refused:
        cls.model_validate({field: value})
    assert any(e["loc"] == (field,) and "is outside" in e["msg"] for e in refused.value.errors()), \
        refused.value.errors()
